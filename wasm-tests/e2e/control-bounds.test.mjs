// The control's fetches of target pages (issue 13, items 3 and 4), against collectors of this
// suite's own (wrangler dev on workerd) and a node server standing for the targets and for the
// control's DoH resolver: reads stop at the cap however much a target sends; a name that the
// control's resolver calls public but the runtime resolves to this machine is refused; and a
// name whose lookups disagree is fetched at the address the control checked (DNS rebinding).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:https';
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

async function collector(portNo, vars, env = {}) {
  const state = mkdtempSync(join(tmpdir(), 'ajar-control-'));
  execFileSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: WORKER, stdio: 'ignore' });
  const args = ['wrangler', 'dev', '--local', '--ip', '127.0.0.1', '--port', String(portNo), '--persist-to', state,
    '--show-interactive-dev-session=false', '--var', `CONTROL_DOH:http://127.0.0.1:${port}/dns-query`,
    ...vars.flatMap((v) => ['--var', v])];
  collectors.push(spawn('npx', args, { cwd: WORKER, detached: true, stdio: 'ignore', env: { ...process.env, ...env } }));
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

async function campaignFor(base, urls) {
  const hour = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
  const created = await fetch(`${base}/v1/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.142' },
    body: JSON.stringify({ name: 'control targets', targets: urls.map((url) => ({ url, category: 'NEWS' })), starts_hour: hour(-1), expires_hour: hour(24) }) });
  const text = await created.text();
  assert.equal(created.status, 201, text);
  return JSON.parse(text).id;
}

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
  const urls = [`http://localhost:${port}/secret`, `http://a.localhost:${port}/secret`];
  const seen = await ask(base, { urls, campaign: await campaignFor(base, urls) });
  for (const u of urls) {
    assert.equal(seen[u].title, undefined, `${u}: ${JSON.stringify(seen[u])}`);
    assert.equal(typeof seen[u].error, 'string', `${u}: ${JSON.stringify(seen[u])}`);
  }
});

// DNS rebinding. The control's resolver (this suite's DoH server) says `rebind.example` is
// 93.184.216.34; this machine's own resolver (a hosts file bound over /etc/hosts, in the mount
// namespace scripts/netns.sh made) says 127.0.0.1, where the secret page is. Within that
// namespace 93.184.216.34 is put on its own loopback, with a server saying so: nothing leaves
// it (its only other link is a veth pair with both ends inside).
const CHECKED = '93.184.216.34';
const inNetns = process.env.AJAR_LAB_RESOLVER === '1' && process.getuid?.() === 0;
const rebinding = { skip: inNetns ? false : 'needs scripts/netns.sh (a loopback and an /etc/hosts of its own)' };

/** Runs `body` with the hosts file and the checked address in place, then undoes both. */
async function withRebinding(body) {
  const dir = mkdtempSync(join(tmpdir(), 'ajar-rebind-'));
  const hosts = join(dir, 'hosts');
  writeFileSync(hosts, `${readFileSync('/etc/hosts', 'utf8')}\n127.0.0.1 rebind.example\n`);
  execFileSync('ip', ['addr', 'add', `${CHECKED}/32`, 'dev', 'lo']);
  execFileSync('mount', ['--bind', hosts, '/etc/hosts']);
  try {
    return await body(dir);
  } finally {
    execFileSync('umount', ['/etc/hosts']);
    execFileSync('ip', ['addr', 'del', `${CHECKED}/32`, 'dev', 'lo']);
  }
}

const listen = (srv, portNo, host) => new Promise((resolve, reject) => {
  srv.once('error', reject);
  srv.listen(portNo, host, resolve);
});
const page = (title) => (req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<html><title>${title}</title></html>`);
};

test('a name this machine resolves to itself is fetched at the public address the control checked, never at its own (http)', rebinding, async () => {
  await withRebinding(async () => {
    // The secret page is the suite's server on 127.0.0.1:port; the checked address gets its own.
    const checked = createServer(page('the address checked'));
    await listen(checked, port, CHECKED);
    try {
      const base = await collector(8793, []);
      const url = `http://rebind.example:${port}/secret`;
      const seen = (await ask(base, { urls: [url], campaign: await campaignFor(base, [url]) }))[url];
      assert.equal(seen.title, 'the address checked', JSON.stringify(seen));
      assert.deepEqual(seen.addresses, [CHECKED]);
    } finally {
      checked.close();
    }
  });
});

test('over https the pinned connection checks the certificate for the site\'s name, not for the address', rebinding, async () => {
  await withRebinding(async (dir) => {
    // A CA of this test's own, trusted by this collector's workerd (miniflare reads NODE_EXTRA_CA_CERTS).
    const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ajar rebind test CA');
    const leaf = (name) => {
      run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=DNS:${name}\n`);
      run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
      return { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)) };
    };
    const good = createTlsServer(leaf('rebind.example'), page('the address checked, over TLS'));
    const other = createTlsServer(leaf('other.example'), page('a certificate for another name'));
    await listen(good, 0, CHECKED);
    await listen(other, 0, CHECKED);
    try {
      const base = await collector(8794, [], { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') });
      const right = `https://rebind.example:${good.address().port}/`;
      const wrong = `https://rebind.example:${other.address().port}/`;
      const seen = await ask(base, { urls: [right, wrong], campaign: await campaignFor(base, [right, wrong]) });
      assert.equal(seen[right].title, 'the address checked, over TLS', JSON.stringify(seen[right]));
      assert.equal(seen[wrong].reachable, false, `a certificate for another name is refused: ${JSON.stringify(seen[wrong])}`);
    } finally {
      good.close();
      other.close();
    }
  });
});
