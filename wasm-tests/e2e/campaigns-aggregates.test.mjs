// Campaigns, aggregates with their statistical flags, exports parsed back, rate limits:
// against the collector on workerd with its local D1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { COLLECTOR } from './helpers.mjs';

const hour = () => new Date(Math.floor(Date.now() / 3600000) * 3600000).toISOString().replace('.000Z', 'Z');
const hourOffset = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
const ip = () => `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
const uniq = randomBytes(4).toString('hex');

function report(results, extra = {}) {
  return { schema: 'ajar.report/1', id: randomBytes(16).toString('hex'), created_hour: hour(), software: 'ajar/0.1.0',
    browser: 'firefox', list: 'custom', results, ...extra };
}
const result = (url, verdict) => ({ url, category: 'COMT', verdict, confidence: 0.95 });
async function call(method, path, body, headers = {}) {
  const res = await fetch(`${COLLECTOR}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip(), ...headers } });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* export bodies are not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}

const campaign = {
  name: `Messengers ${uniq}`, description: 'Calls and chats in Russia', countries: ['RU', 'US'],
  targets: [{ url: `https://chat-${uniq}.example/`, category: 'COMT' }],
  starts_hour: hourOffset(-1), expires_hour: hourOffset(24 * 30),
};

test('campaigns: create, read, edit with the token only, reports carry the id', async () => {
  const created = await call('POST', '/v1/campaigns', campaign);
  assert.equal(created.status, 201, created.text);
  const { id, owner_token: token, link } = created.json;
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(link, `/?campaign=${id}`);
  const got = await call('GET', `/v1/campaigns/${id}`);
  assert.equal(got.json.name, campaign.name);
  assert.equal(got.json.active, true);
  assert.equal(got.json.owner_sha256, undefined);
  assert.equal(JSON.stringify(got.json).includes(token), false);

  const denied = await call('PUT', `/v1/campaigns/${id}`, { ...campaign, name: 'hijacked' }, { authorization: 'Bearer nope' });
  assert.equal(denied.status, 403);
  const edited = await call('PUT', `/v1/campaigns/${id}`, { ...campaign, description: 'edited' }, { authorization: `Bearer ${token}` });
  assert.equal(edited.status, 200, edited.text);
  assert.equal((await call('GET', `/v1/campaigns/${id}`)).json.description, 'edited');
  assert.equal((await call('DELETE', `/v1/campaigns/${id}`)).status, 405, 'no delete: expire instead');

  const bad = await call('POST', '/v1/campaigns', { ...campaign, countries: ['russia'] });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.field, 'countries');

  const ok = await call('POST', '/v1/reports', report([result(`https://chat-${uniq}.example/`, 'dns')], { campaign: id }));
  assert.equal(ok.status, 201, ok.text);
  const unknown = await call('POST', '/v1/reports', report([result('https://x.example/', 'ok')], { campaign: '0000000000000000' }));
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.field, 'campaign');

  // Expired by its owner: no more reports.
  await call('PUT', `/v1/campaigns/${id}`, { ...campaign, expires_hour: hourOffset(0), starts_hour: hourOffset(-2) }, { authorization: `Bearer ${token}` });
  const late = await call('POST', '/v1/reports', report([result('https://x.example/', 'ok')], { campaign: id }));
  assert.equal(late.status, 400);
  const perCampaign = await call('GET', `/v1/aggregates?campaign=${id}`);
  assert.equal(perCampaign.status, 200);
  assert.equal(perCampaign.json.withheld, 1, 'one report is too few to publish');
});

test('aggregates: counts per verdict, confirmed blocking, withheld small cells, waves', async () => {
  const blocked = [1, 2, 3].map((i) => `https://blocked${i}-${uniq}.example/`);
  const rare = `https://rare-${uniq}.example/`;
  for (let i = 0; i < 6; i++) {
    const r = await call('POST', '/v1/reports', report([...blocked.map((u) => result(u, 'dns')), result(`https://fine-${uniq}.example/`, 'ok')]));
    assert.equal(r.status, 201, r.text);
  }
  await call('POST', '/v1/reports', report([result(rare, 'reset')]));
  const agg = await call('GET', `/v1/aggregates?window=day`);
  assert.equal(agg.status, 200, agg.text);
  const cell = agg.json.cells.find((c) => c.url === blocked[0]);
  assert.equal(cell.country, 'US');
  assert.equal(cell.counts.dns, 6);
  assert.equal(cell.reports, 6);
  assert.equal(cell.anomaly, true);
  assert.equal(cell.confirmed, true);
  assert.equal(cell.technique, 'dns');
  assert.equal(cell.bucket, hour().slice(0, 10));
  assert.ok(cell.first_blocked_hour);
  const fine = agg.json.cells.find((c) => c.url === `https://fine-${uniq}.example/`);
  assert.equal(fine.anomaly, false);
  assert.equal(agg.json.cells.find((c) => c.url === rare), undefined, 'a single report is withheld');
  assert.ok(agg.json.withheld >= 1);
  assert.equal(agg.json.rules.min_reports, 3);
  const wave = agg.json.waves.find((w) => w.technique === 'dns' && blocked.every((u) => w.targets.includes(u)));
  assert.ok(wave, JSON.stringify(agg.json.waves));
  assert.equal((await call('GET', '/v1/aggregates?window=week')).status, 400);
  const other = await call('GET', '/v1/aggregates?country=RU');
  assert.equal(other.json.cells.length, 0);
});

test('export: JSONL, CSV and OONI pages parse back and paginate', async () => {
  const first = await call('GET', '/v1/export?format=jsonl&limit=3');
  assert.equal(first.status, 200);
  assert.match(first.headers.get('content-type'), /ndjson/);
  const rows = first.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 3);
  assert.ok(rows.every((r) => r.country && r.url && r.verdict && !('ip' in r)));
  const cursor = first.headers.get('x-next-cursor');
  assert.ok(cursor);
  const second = await call('GET', `/v1/export?format=jsonl&limit=3&after=${cursor}`);
  const rows2 = second.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(rows2.length > 0);
  assert.notDeepEqual(rows2[0], rows[0]);
  // Walk everything: no row twice.
  const seen = new Set();
  let after = '';
  for (;;) {
    const page = await call('GET', `/v1/export?format=jsonl&limit=50${after ? `&after=${after}` : ''}`);
    for (const line of page.text.trim().split('\n').filter(Boolean)) {
      const r = JSON.parse(line);
      const key = `${r.report_id}.${r.idx}`;
      assert.ok(!seen.has(key));
      seen.add(key);
    }
    after = page.headers.get('x-next-cursor');
    if (!after) break;
  }
  assert.ok(seen.size >= 20);

  const csv = await call('GET', '/v1/export?format=csv&limit=5');
  const lines = csv.text.trim().split('\n');
  assert.equal(lines[0], 'report_id,idx,created_hour,country,asn,url,category,verdict,confidence,campaign');
  assert.equal(lines.length, 6);
  assert.equal(lines[1].split(',').length, 10);

  // The OONI format carries results with a timed fetch (ts-036's result and load time).
  const timed = { ...result(`https://timed-${uniq}.example/`, 'ok'), probes: [{ probe: 'fetch', outcome: 'ok', ms: 90 }] };
  // Three reports of it: its cell is published (docs/report.md).
  for (let i = 0; i < 3; i++) assert.equal((await call('POST', '/v1/reports', report([timed]))).status, 201);
  const ooni = await call('GET', '/v1/export?format=ooni&limit=5');
  const m = JSON.parse(ooni.text.trim().split('\n')[0]);
  for (const k of ['probe_cc', 'probe_asn', 'input', 'measurement_start_time', 'test_name', 'test_keys']) assert.ok(k in m, k);
  assert.match(m.probe_asn, /^AS\d+$/);
  assert.match(m.measurement_start_time, /^\d{4}-\d\d-\d\d \d\d:00:00$/);
  assert.ok('x_verdict' in m.test_keys);
  assert.equal((await call('GET', '/v1/export?format=xml')).status, 400);
});

test('rate limit: one client is slowed, others are not; nothing about it is stored', async () => {
  const me = '192.0.2.200';
  let limited = 0;
  for (let i = 0; i < 65; i++) {
    const r = await call('POST', '/v1/reports', report([result(`https://rl-${uniq}.example/`, 'ok')]), { 'cf-connecting-ip': me });
    if (r.status === 429) limited++;
  }
  assert.equal(limited, 5, '60 a minute, then 429');
  const other = await call('POST', '/v1/reports', report([result(`https://rl-${uniq}.example/`, 'ok')]), { 'cf-connecting-ip': '192.0.2.201' });
  assert.equal(other.status, 201);
});
