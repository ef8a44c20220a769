// The collector on workerd with its local D1: ingest, idempotency, validation errors,
// reads, and proof (from the database files themselves) that nothing identifying is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { COLLECTOR, d1Files, d1Rows, report, storedReport } from './helpers.mjs';

const VISITOR_IP = '203.0.113.77';
const VISITOR_UA = 'Mozilla/5.0 (X11; Linux x86_64) ajar-e2e-unique-agent/9.9';

async function post(body, headers = {}) {
  const res = await fetch(`${COLLECTOR}/v1/reports`, {
    method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': VISITOR_IP, 'x-forwarded-for': VISITOR_IP,
      'user-agent': VISITOR_UA, cookie: 'session=ajar-secret-cookie', ...headers },
  });
  return { status: res.status, body: await res.json().catch(() => null), headers: res.headers };
}

/**
 * A POST to /v1/reports over node:http, its body written by `send(req)`. The answer is read as
 * it comes, also when the collector answers before the body ends and hangs up (fetch() reports
 * that as a failed request, whatever was answered); a failure before any answer, or no answer
 * in 30 s (`silence` says what was expected), fails the test.
 */
function postRaw(headers, send, silence) {
  const url = new URL(`${COLLECTOR}/v1/reports`);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      const done = () => { clearTimeout(timer); req.destroy(); resolve({ status: res.statusCode, body: text }); };
      res.on('data', (d) => { text += d; });
      res.on('end', done);
      res.on('error', done);
    });
    const timer = setTimeout(() => { req.destroy(); reject(new Error(silence)); }, 30000);
    req.on('error', (e) => { if (!req.res) { clearTimeout(timer); reject(e); } });
    send(req);
  });
}

test('a report is stored once, with country and ASN from cf, and read back', async () => {
  const r = report();
  const first = await post(r);
  assert.equal(first.status, 201);
  assert.deepEqual(first.body, { id: r.id, stored: true, duplicate: false });
  assert.equal(first.headers.get('access-control-allow-origin'), '*');
  const again = await post(r);
  assert.equal(again.status, 200);
  assert.equal(again.body.duplicate, true);
  const stored = storedReport(r.id);
  assert.equal(stored.country, 'US');
  assert.equal(stored.asn, 395747);
  assert.equal(stored.results.length, 2);
  assert.equal(stored.results[0].confidence, 0.96);
  assert.deepEqual(stored.results[0].prefixes, ['142.250.74.0/24']);
});

test('concurrent retries of one report store it once', async () => {
  const r = report();
  const answers = await Promise.all(Array.from({ length: 8 }, () => post(r)));
  assert.ok(answers.every((a) => a.status === 201 || a.status === 200), JSON.stringify(answers.map((a) => a.status)));
  // Exactly one of them stored it, even when several land in the same write.
  assert.equal(answers.filter((a) => a.body.stored).length, 1, JSON.stringify(answers.map((a) => a.body)));
  const stored = storedReport(r.id);
  assert.equal(stored.results.length, 2);
});

test('reports arriving together are written together, each answered for itself', async () => {
  // 48 distinct reports at once (the collector writes queued reports in shared transactions),
  // each with its own first URL, and two copies of one of them among them.
  const reports = Array.from({ length: 48 }, (_, i) => {
    const r = report();
    r.results[0].url = `https://together${i}.example.org/`;
    return r;
  });
  // (Each from its own address: one client may post 60 a minute.)
  const answers = await Promise.all([...reports, reports[5]].map((r, i) => post(r, { 'cf-connecting-ip': `198.51.100.${i}` })));
  assert.equal(answers.filter((a) => a.status === 201).length, 48, JSON.stringify(answers.map((a) => a.status)));
  assert.equal(answers.filter((a) => a.status === 200 && a.body.duplicate).length, 1);
  reports.forEach((r, i) => assert.equal(answers[i].body.id, r.id));
  for (const i of [0, 5, 47]) {
    const stored = storedReport(reports[i].id);
    assert.equal(stored.results[0].url, `https://together${i}.example.org/`);
  }
});

test('bad input gets a 4xx naming the field', async () => {
  const cases = [
    ['{not json', 400, 'body'],
    [report({ schema: 'ajar.report/99' }), 422, 'schema'],
    [report({ id: 'short' }), 400, 'id'],
    [report({ created_hour: '2030-01-01T00:00:00Z' }), 400, 'created_hour'],
    [report({ created_hour: '2020-01-01T00:00:00Z' }), 400, 'created_hour'],
    [report({ results: [] }), 400, 'results'],
    [report({ results: [{ url: 'file:///etc/passwd', category: 'NEWS', verdict: 'ok', confidence: 1 }] }), 400, 'results[0].url'],
    [report({ results: [{ url: 'https://a.org/', category: 'NEWS', verdict: 'ok', confidence: 'high' }] }), 400, 'results[0].confidence'],
    [report({ results: Array.from({ length: 1001 }, (_, i) => ({ url: `https://h${i}.org/`, category: 'NEWS', verdict: 'ok', confidence: 1 })) }), 400, 'results'],
    [report({ visitor_ip: VISITOR_IP }), 400, 'visitor_ip'],
  ];
  for (const [body, status, field] of cases) {
    const a = await post(body);
    assert.equal(a.status, status, `${field}: ${JSON.stringify(a.body)}`);
    assert.equal(a.body.field, field, JSON.stringify(a.body));
  }
  // A body past the limit (1 MiB) is refused with 413, read as it comes (`postRaw`: the
  // collector may answer before the upload ends and hang up; seen under load).
  const huge = await postRaw({ 'cf-connecting-ip': VISITOR_IP }, (req) => req.end('x'.repeat(1024 * 1024 + 10)), 'no answer');
  assert.equal(huge.status, 413, huge.body);
  assert.equal(JSON.parse(huge.body).field, 'body');
});

test('whoami gives only country and ASN; unknown routes are JSON 404s', async () => {
  const me = await (await fetch(`${COLLECTOR}/v1/whoami`, { headers: { 'cf-connecting-ip': VISITOR_IP } })).json();
  assert.deepEqual(Object.keys(me).sort(), ['asn', 'country']);
  const missing = await fetch(`${COLLECTOR}/v1/reports/00000000000000000000000000000000`);
  assert.equal(missing.status, 404);
  const nowhere = await fetch(`${COLLECTOR}/v1/nothing`);
  assert.equal(nowhere.status, 404);
  const pre = await fetch(`${COLLECTOR}/v1/reports`, { method: 'OPTIONS' });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
});

test('results wait in their report row until the minute cron expands them in bulk; reads never write', { skip: !process.env.AJAR_D1_STATE }, async () => {
  const sql = (q) => d1Rows(q)[0];
  const state = (id) => sql(`SELECT (SELECT pending IS NOT NULL FROM reports WHERE id = '${id}') AS pending, (SELECT COUNT(*) FROM results_expanded WHERE report_id = '${id}') AS rows`);
  const r = report();
  assert.equal((await post(r)).status, 201);
  assert.deepEqual(state(r.id), { pending: 1, rows: 0 });
  // Every read serves the pending results, and leaves them pending: no read writes.
  const byId = await (await fetch(`${COLLECTOR}/v1/reports/${r.id}`)).json();
  assert.deepEqual(byId.results.map((x) => x.url), r.results.map((x) => x.url));
  const exported = await (await fetch(`${COLLECTOR}/v1/export?format=jsonl&limit=5000`)).text();
  assert.ok(exported.includes(r.id), 'the export shows the pending report');
  const agg = await fetch(`${COLLECTOR}/v1/aggregates?url=${encodeURIComponent(r.results[0].url)}`);
  assert.equal(agg.status, 200);
  assert.deepEqual(state(r.id), { pending: 1, rows: 0 }, 'reading expanded nothing');
  const cron = await fetch(`${COLLECTOR}/__scheduled?cron=*+*+*+*+*`);
  const cronText = await cron.text();
  assert.equal(cron.status, 200, cronText);
  assert.doesNotMatch(cronText, /<html/i, 'the scheduled handler ran, not the static app');
  assert.deepEqual(state(r.id), { pending: 0, rows: r.results.length });
  const again = await (await fetch(`${COLLECTOR}/v1/reports/${r.id}`)).json();
  assert.deepEqual(again.results, byId.results, 'expanded, the report reads the same');
});

test('the D1 files hold no IP address, user agent or cookie', { skip: !process.env.AJAR_D1_STATE }, async () => {
  await post(report());
  const files = d1Files();
  assert.ok(files.some((f) => f.path.endsWith('.sqlite')), `no database in ${files.map((f) => f.path)}`);
  for (const f of files) {
    for (const secret of [VISITOR_IP, 'ajar-e2e-unique-agent', 'Mozilla/5.0', 'ajar-secret-cookie', '127.0.0.1']) {
      assert.ok(!f.text.includes(secret), `${f.path} contains ${secret}`);
    }
  }
});

test('control from outside: what the lab looks like from beyond the censored network', async () => {
  const ask = (body) => fetch(`${COLLECTOR}/v1/control`, { method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.90' } });
  const urls = ['http://ok.test:8470/', 'http://blackhole.test:8470/', 'http://down.test:8470/', 'http://nowhere.test:8470/', 'ftp://x.test/'];
  const res = await ask({ urls, list: 'custom' });
  assert.equal(res.status, 200);
  const v = await res.json();
  assert.equal(v['http://ok.test:8470/'].reachable, true);
  assert.equal(v['http://ok.test:8470/'].status, 200);
  assert.equal(v['http://ok.test:8470/'].title, 'lab site');
  assert.equal(v['http://blackhole.test:8470/'].reachable, true, 'blocked in the lab, fine from outside');
  assert.deepEqual([v['http://down.test:8470/'].resolves, v['http://down.test:8470/'].reachable], [true, false]);
  assert.deepEqual([v['http://nowhere.test:8470/'].resolves, v['http://nowhere.test:8470/'].reachable], [false, false]);
  assert.match(v['ftp://x.test/'].error, /http/);
  const tooMany = await ask({ urls: Array.from({ length: 21 }, (_, i) => `http://h${i}.test/`) });
  assert.equal(tooMany.status, 400);
});

test('control within the plan\'s subrequests: what a request cannot afford is answered retry, and asked again it is answered', async () => {
  // The deployment's CONTROL_SUBREQUESTS is Workers Free's 50: 2 kept for the request, 6 per
  // target at the least, so 8 of 20 new targets are checked and 12 answered {"retry": true}.
  const ask = async (urls) => (await fetch(`${COLLECTOR}/v1/control`, { method: 'POST', body: JSON.stringify({ urls, list: 'custom' }),
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.91' } })).json();
  const run = randomBytes(4).toString('hex');
  let left = Array.from({ length: 20 }, (_, i) => `http://ok.test:8470/?budget=${run}-${i}`);
  const rounds = [];
  while (left.length > 0 && rounds.length < 5) {
    const answer = await ask(left);
    const retry = left.filter((u) => answer[u]?.retry === true);
    rounds.push([left.length - retry.length, retry.length]);
    for (const u of left.filter((x) => !retry.includes(x))) assert.equal(answer[u].reachable, true, u);
    left = retry;
  }
  assert.deepEqual(rounds, [[8, 12], [8, 4], [4, 0]]);
});

/** A fresh client address per request (one client may post 60 a minute). */
let ipCount = 0;
const nextIp = () => `198.18.${Math.floor(ipCount / 250)}.${1 + (ipCount++ % 250)}`;

/** The rows D1 holds for report `id`, in every table a report writes. */
function rowsOf(id) {
  return d1Rows(`SELECT (SELECT COUNT(*) FROM reports WHERE id = '${id}') AS reports,
    (SELECT COUNT(*) FROM results WHERE report_id = '${id}') AS results,
    (SELECT COUNT(*) FROM canary_results WHERE report_id = '${id}') AS canaries`)[0];
}

test('every bad-input class answers 4xx naming the field, and stores nothing', { skip: !process.env.AJAR_D1_STATE }, async () => {
  const r = () => report();
  const edit = (f) => { const x = r(); f(x); return x; };
  const cases = [
    [edit((x) => { x.created_hour = x.created_hour.slice(0, 12) + '\u00e9' + x.created_hour.slice(14); }), 400, 'created_hour'],
    [edit((x) => { x.results[0].clues[0].ip = VISITOR_IP; }), 400, 'results[0].clues[0].ip'],
    [edit((x) => { x.results[0].probes[0].ip = VISITOR_IP; }), 400, 'results[0].probes[0].ip'],
    [edit((x) => { x.results[0].probes[0].outcome = `seen from ${VISITOR_IP}`; }), 400, 'results[0].probes'],
    [edit((x) => { x.results[0].prefixes = [`${VISITOR_IP}/32`]; }), 400, 'results[0].prefixes'],
    [edit((x) => { x.results[0].prefixes = ['2001:db8:abcd:12::/64']; }), 400, 'results[0].prefixes'],
    [edit((x) => { x.results[0].url = 'http://3325256711/'; }), 400, 'results[0].url'],
    [edit((x) => { x.results[0].url = `https://a.example/?from=${VISITOR_IP}`; }), 400, 'results[0].url'],
    [edit((x) => { x.browser = '<svg onload=alert(1)>'; }), 400, 'browser'],
    [edit((x) => { x.software = 'ajar <b>'; }), 400, 'software'],
    [edit((x) => { x.results[0].confidence = 1e39; }), 400, 'results[0].confidence'],
    [edit((x) => { x.results[0].clues = [{ clue: 'slower_than_control', ratio: 1e39 }]; }), 400, 'results[0].clues[0].ratio'],
    [edit((x) => { x.patterns = [{ pattern: 'dns_removal', targets: [`seen at ${VISITOR_IP}`] }]; }), 400, 'patterns[0].targets'],
    [edit((x) => { x.results[0].verdict = 7; }), 400, 'results[0].verdict'],
  ];
  for (const [body, status, field] of cases) {
    const a = await post(body, { 'cf-connecting-ip': nextIp() });
    assert.equal(a.status, status, `${field}: ${JSON.stringify(a.body)}`);
    assert.equal(a.body.field, field, JSON.stringify(a.body));
    assert.deepEqual(rowsOf(body.id), { reports: 0, results: 0, canaries: 0 }, field);
  }
  // Reports are JSON: not text, a form, or a body with no type (which a page may post without asking).
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
    const x = r();
    const res = await fetch(`${COLLECTOR}/v1/reports`, { method: 'POST', body: JSON.stringify(x),
      headers: type ? { 'content-type': type, 'cf-connecting-ip': '192.0.2.31' } : { 'cf-connecting-ip': '192.0.2.31' } });
    assert.equal(res.status, 415, String(type));
    assert.equal((await res.json()).field, 'content-type');
    assert.deepEqual(rowsOf(x.id), { reports: 0, results: 0, canaries: 0 });
  }
  assert.equal((await post(report(), { 'cf-connecting-ip': nextIp() })).status, 201, 'still up, and still taking reports');
});

test('a chunked body past the limit is refused (413) before it ends', async () => {
  // No content-length, and 1.1 MiB sent of a body that never ends: the collector must answer
  // once the limit (1 MiB) is passed, not wait for (and hold) the whole body.
  const chunk = Buffer.alloc(64 * 1024, 32);
  const { status, body } = await postRaw({ 'cf-connecting-ip': nextIp(), 'transfer-encoding': 'chunked' }, (req) => {
    let sent = 0;
    const write = () => {
      while (sent < 18) {
        sent++;
        if (!req.write(chunk)) { req.once('drain', write); return; }
      }
      // The body stays open: no req.end().
    };
    write();
  }, 'no answer while the body was still open');
  assert.equal(status, 413, body);
  assert.equal(JSON.parse(body).field, 'body');
  assert.equal((await post(report(), { 'cf-connecting-ip': nextIp() })).status, 201);
});

test('a replay changes nothing: same id, other content, no new rows', { skip: !process.env.AJAR_D1_STATE }, async () => {
  const canary = (name) => ({ kind: 'sni', name, verdict: 'ok', confidence: 0.9, token: randomBytes(16).toString('hex') });
  const first = report({ canaries: [canary('twimg.com')] });
  assert.equal((await post(first, { 'cf-connecting-ip': nextIp() })).status, 201);
  const before = rowsOf(first.id);
  assert.equal(before.canaries, 1);
  // Replays: more canaries, other results; before and after the results are expanded.
  const replay = { ...first, canaries: [canary('twimg.com'), canary('x.com'), canary('t.co')],
    results: [...first.results, { url: 'https://replayed.example/', category: 'NEWS', verdict: 'ok', confidence: 1 }] };
  const again = await post(replay, { 'cf-connecting-ip': '192.0.2.33' });
  assert.equal(again.status, 200);
  assert.equal(again.body.duplicate, true);
  const stored = storedReport(first.id);
  assert.equal(stored.results.length, first.results.length);
  assert.equal((await post(replay, { 'cf-connecting-ip': '192.0.2.34' })).status, 200);
  assert.deepEqual(rowsOf(first.id), { reports: 1, results: first.results.length, canaries: 1 });
});

test('a campaign that crashed the collector, one already over, and non-ISO countries are refused by field', async () => {
  const hourOffset = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
  const base = { name: 'c', targets: [{ url: 'https://a.example/', category: 'NEWS' }], starts_hour: hourOffset(-1), expires_hour: hourOffset(24) };
  const send = (body) => fetch(`${COLLECTOR}/v1/campaigns`, { method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': `192.0.2.${40 + Math.floor(Math.random() * 50)}` } });
  // With valid reports alongside: none of them may fail because of it.
  const reports = Array.from({ length: 6 }, () => report());
  const crash = { ...base, starts_hour: base.starts_hour.slice(0, 12) + '\u00e9' + base.starts_hour.slice(14) };
  const [bad, ...answers] = await Promise.all([send(crash), ...reports.map((x, i) => post(x, { 'cf-connecting-ip': `192.0.2.${100 + i}` }))]);
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).field, 'starts_hour');
  assert.deepEqual(answers.map((a) => a.status), reports.map(() => 201));
  for (const [body, field] of [
    [{ ...base, starts_hour: hourOffset(-48), expires_hour: hourOffset(-1) }, 'expires_hour'],
    [{ ...base, countries: ['ZZ'] }, 'countries'],
    [{ ...base, embed_skip_countries: ['XX'] }, 'countries'],
    [{ ...base, name: 5 }, 'name'],
  ]) {
    const res = await send(body);
    assert.equal(res.status, 400, field);
    assert.equal((await res.json()).field, field);
  }
});

test('a campaign\'s embed_skip_countries hold at ingest: embed reports from there are not stored', { skip: !process.env.AJAR_D1_STATE }, async () => {
  const hourOffset = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
  // The local collector sees every client in the US.
  const created = await (await fetch(`${COLLECTOR}/v1/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.60' },
    body: JSON.stringify({ name: 'skip', targets: [{ url: 'https://www.youtube.com/', category: 'MMED' }, { url: 'https://telegram.org/', category: 'COMT' }],
      embed_skip_countries: ['US'], starts_hour: hourOffset(-1), expires_hour: hourOffset(24) }) })).json();
  const fromEmbed = report({ campaign: created.id, software: 'ajar-embed/0.1.0' });
  const refused = await post(fromEmbed, { 'cf-connecting-ip': '192.0.2.61' });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.field, 'campaign');
  assert.deepEqual(rowsOf(fromEmbed.id), { reports: 0, results: 0, canaries: 0 });
  // The app, opened by a reader who chose to, is not the embed.
  assert.equal((await post(report({ campaign: created.id }), { 'cf-connecting-ip': '192.0.2.62' })).status, 201);
});

test('settings: unattended runs only where the deployment says so', async () => {
  assert.equal((await (await fetch(`${COLLECTOR}/v1/settings`)).json()).unattended_runs, true);
  if (process.env.AJAR_PUBLIC_COLLECTOR) {
    assert.equal((await (await fetch(`${process.env.AJAR_PUBLIC_COLLECTOR}/v1/settings`)).json()).unattended_runs, false);
  }
});

test('control on a public deployment: the URL judged is the URL fetched; no private address in any form', { skip: !process.env.AJAR_PUBLIC_COLLECTOR }, async () => {
  const PUBLIC = process.env.AJAR_PUBLIC_COLLECTOR;
  const hourOffset = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
  // A campaign anyone may create puts its URLs in scope: each must still be refused.
  const urls = ['http://127.0.0.1:8470\\@8.8.8.8/', 'http://2130706433:8470/', 'http://0x7f.1:8470/', 'http://me@127.0.0.1:8470/',
    'http://[::ffff:127.0.0.1]:8470/', 'http://[::127.0.0.1]:8470/', 'http://[64:ff9b::7f00:1]:8470/', 'http://[2002:7f00:1::]:8470/',
    'http://127.0.0.1:8470/'];
  const created = await fetch(`${PUBLIC}/v1/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.80' },
    body: JSON.stringify({ name: 'ssrf', targets: urls.map((url) => ({ url, category: 'NEWS' })), starts_hour: hourOffset(-1), expires_hour: hourOffset(24) }) });
  const text = await created.text();
  assert.equal(created.status, 201, text);
  const res = await fetch(`${PUBLIC}/v1/control`, { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.81' },
    body: JSON.stringify({ urls, campaign: JSON.parse(text).id }) });
  assert.equal(res.status, 200);
  const seen = await res.json();
  for (const u of urls) {
    assert.ok(seen[u] && typeof seen[u].error === 'string', `${u}: ${JSON.stringify(seen[u])}`);
    assert.equal(seen[u].title, undefined);
  }
});

test('bad query parameters answer 400 naming the parameter', async () => {
  for (const [path, field] of [['/v1/aggregates?asn=abc', 'asn'], ['/v1/aggregates?window=week', 'window'],
    ['/v1/export?format=xml', 'format'], ['/v1/export?limit=-1', 'limit'], ['/v1/export?after=x', 'after'],
    ['/v1/aggregates/canaries?asn=1e99', 'asn']]) {
    const res = await fetch(`${COLLECTOR}${path}`);
    assert.equal(res.status, 400, path);
    assert.equal((await res.json()).field, field, path);
  }
});

test('the app\'s CSP allows no inline script (the app starts from a file)', async () => {
  const res = await fetch(`${COLLECTOR}/`);
  const csp = res.headers.get('content-security-policy');
  const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'));
  assert.ok(scriptSrc && !scriptSrc.includes('unsafe-inline'), csp);
  const html = await res.text();
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script in the page');
});

test('one publication rule: a result is served by id, export and aggregates only once three reports share its cell', async () => {
  // A URL no other report has; the report's other result (telegram.org) is in a cell that
  // this suite's earlier reports have already published.
  const url = `https://rare-${randomBytes(6).toString('hex')}.example.org/`;
  const withRare = () => {
    const r = report();
    r.results[0] = { ...r.results[0], url, prefixes: [] };
    return r;
  };
  const served = async (id) => (await fetch(`${COLLECTOR}/v1/reports/${id}`)).json();
  const exported = async (format) => (await (await fetch(`${COLLECTOR}/v1/export?format=${format}&limit=5000`)).text());
  const cells = async () => (await (await fetch(`${COLLECTOR}/v1/aggregates?url=${encodeURIComponent(url)}`)).json());

  const first = withRare();
  assert.equal((await post(first, { 'cf-connecting-ip': nextIp() })).status, 201);
  let byId = await served(first.id);
  assert.deepEqual(byId.results.map((r) => r.url), ['https://telegram.org/'], 'the rare result is withheld');
  assert.equal(byId.withheld, 1);
  for (const format of ['jsonl', 'csv', 'ooni']) assert.ok(!(await exported(format)).includes(url), format);
  let agg = await cells();
  assert.equal(agg.cells.length, 0);
  assert.ok(agg.withheld >= 1);

  // A report of which nothing is published says nothing of its network or hour either.
  const alone = report({ results: [{ url: `${url}alone`, category: 'NEWS', verdict: 'ok', confidence: 0.9, clues: [], probes: [], prefixes: [] }] });
  assert.equal((await post(alone, { 'cf-connecting-ip': nextIp() })).status, 201);
  assert.deepEqual(await served(alone.id), { id: alone.id, results: [], withheld: 1 });

  // Two more reports from the same network: the cell holds three, and every endpoint serves it.
  for (let i = 0; i < 2; i++) assert.equal((await post(withRare(), { 'cf-connecting-ip': nextIp() })).status, 201);
  byId = await served(first.id);
  assert.deepEqual(byId.results.map((r) => r.url), [url, 'https://telegram.org/']);
  assert.equal(byId.withheld, 0);
  assert.equal(byId.country, 'US');
  const lines = (await exported('jsonl')).split('\n').filter((l) => l.includes(url));
  assert.equal(lines.length, 3);
  assert.ok((await exported('csv')).includes(url));
  agg = await cells();
  assert.equal(agg.cells.length, 1);
  assert.equal(agg.cells[0].reports, 3);
});
