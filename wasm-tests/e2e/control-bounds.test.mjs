// The control's fetches of target pages (issue 13, item 4), against collectors of this
// suite's own (wrangler dev on workerd) and a node server standing for the targets and for the
// control's DoH resolver: reads stop at the cap however much a target sends, and a name that
// the control's resolver calls public but the runtime resolves to this machine is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WORKER = new URL('../../worker', import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const collectors = [];

/** Bytes the target server wrote on each path, until the control hung up. */
const written = {};
let server;
let port;

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/dns-query') {
      // The control's resolver: every name has one public address (and no IPv6 one).
      const a = url.searchParams.get('type') === 'A';
      res.writeHead(200, { 'content-type': 'application/dns-json' });
      res.end(JSON.stringify({ Status: 0, Answer: a ? [{ type: 1, data: '93.184.216.34' }] : [] }));
      return;
    }
    if (url.pathname === '/secret') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><title>internal secret</title></html>');
      return;
    }
    // A page that never ends, with or without a (false) length: counted until the reader hangs up.
    const key = url.pathname;
    written[key] = 0;
    res.writeHead(200, { 'content-type': 'text/html', ...(key === '/liar' ? { 'content-length': String(50 << 20) } : {}) });
    const chunk = Buffer.alloc(64 << 10, 'a');
    res.write('<html><title>endless</title>');
    const pump = () => {
      while (!res.destroyed && written[key] < (1 << 30)) {
        written[key] += chunk.length;
        if (!res.write(chunk)) { res.once('drain', pump); return; }
      }
    };
    res.on('close', () => { written[`${key}:closed`] = true; });
    pump();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
});

after(() => {
  for (const c of collectors) { try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ } }
  server?.close();
});

async function collector(portNo, vars) {
  const state = mkdtempSync(join(tmpdir(), 'ajar-control-'));
  execFileSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: WORKER, stdio: 'ignore' });
  const args = ['wrangler', 'dev', '--local', '--ip', '127.0.0.1', '--port', String(portNo), '--persist-to', state,
    '--show-interactive-dev-session=false', '--var', `CONTROL_DOH:http://127.0.0.1:${port}/dns-query`,
    ...vars.flatMap((v) => ['--var', v])];
  collectors.push(spawn('npx', args, { cwd: WORKER, detached: true, stdio: 'ignore' }));
  const base = `http://127.0.0.1:${portNo}`;
  for (let i = 0; i < 240; i++) {
    try { if ((await fetch(`${base}/v1/whoami`, { signal: AbortSignal.timeout(1000) })).ok) return base; } catch { /* not yet */ }
    await sleep(250);
  }
  throw new Error('the collector did not come up');
}

const ask = async (base, body) => {
  const res = await fetch(`${base}/v1/control`, { method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.140' } });
  assert.equal(res.status, 200);
  return res.json();
};

test('a target page that never ends is read up to the cap and no further', async (t) => {
  // The lab's setting (private destinations allowed): the node server is on loopback.
  const base = await collector(8791, ['CONTROL_ALLOW_PRIVATE:1', 'CONTROL_ANY_TARGET:1', 'CONTROL_TIMEOUT_MS:20000']);
  for (const path of ['/endless', '/liar']) {
    const url = `http://127.0.0.1:${port}${path}`;
    const t0 = Date.now();
    const seen = (await ask(base, [url]))[url];
    const ms = Date.now() - t0;
    await sleep(500);
    t.diagnostic(`${path}: answered in ${ms} ms, ${written[path]} bytes written before the control hung up: ${JSON.stringify(seen)}`);
    assert.equal(seen.reachable, true);
    assert.equal(seen.body_length === null || seen.body_length === undefined || seen.body_length === 50 << 20, true, JSON.stringify(seen));
    assert.ok(ms < 15000, 'answered well before the timeout: it stopped reading');
    assert.ok(written[`${path}:closed`], 'the control hung up');
    // 2 MiB read at most, plus what the sockets' buffers held.
    assert.ok(written[path] <= 16 << 20, `${written[path]} bytes sent to the control`);
  }
});

test('a name the control\'s resolver calls public but this machine resolves to itself is not fetched', async () => {
  const base = await collector(8792, []);
  const hour = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
  const urls = [`http://localhost:${port}/secret`, `http://a.localhost:${port}/secret`];
  const created = await fetch(`${base}/v1/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.141' },
    body: JSON.stringify({ name: 'rebinding', targets: urls.map((url) => ({ url, category: 'NEWS' })), starts_hour: hour(-1), expires_hour: hour(24) }) });
  const text = await created.text();
  assert.equal(created.status, 201, text);
  const seen = await ask(base, { urls, campaign: JSON.parse(text).id });
  for (const u of urls) {
    assert.equal(seen[u].title, undefined, `${u}: ${JSON.stringify(seen[u])}`);
    assert.equal(typeof seen[u].error, 'string', `${u}: ${JSON.stringify(seen[u])}`);
  }
});
