// Rate limits (issue 13, item 5), against the collector on workerd: counted in Durable
// Objects rather than an isolate's memory, an IPv6 client is its /64, a request without a
// client address is refused rather than put in one bucket with all such requests, and the
// routes that had no limit (owner-token guesses, the reads that scan every result, the
// download canary) have one; a campaign's minute takes 50 clients to use up, not ten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { COLLECTOR, report } from './helpers.mjs';

const uniq = randomBytes(3).toString('hex');
/** A fresh documentation-range /64 (or IPv4 address) per use, so suites do not share counts. */
let n = 0;
const v6net = () => `2001:db8:${uniq.slice(0, 4)}:${(++n).toString(16)}`;
const v4 = () => `198.18.${200 + Math.floor(n / 250)}.${1 + (n++ % 250)}`;

async function call(method, path, ip, body, headers = {}) {
  const res = await fetch(`${COLLECTOR}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip, ...headers } });
  const text = await res.text();
  return { status: res.status, text };
}
const statuses = async (k, f) => { const out = []; for (let i = 0; i < k; i++) out.push((await f(i)).status); return out; };
const count = (xs, s) => xs.filter((x) => x === s).length;

test('an IPv6 client is its /64: the next address in it has no fresh quota; another /64 has', async () => {
  const net = v6net();
  const got = await statuses(61, (i) => call('POST', '/v1/reports', `${net}::${(i + 1).toString(16)}`, report()));
  assert.equal(count(got, 201), 60, JSON.stringify(got));
  assert.equal(got[60], 429, 'the 61st, from yet another address of the same /64');
  assert.equal((await call('POST', '/v1/reports', `${v6net()}::1`, report())).status, 201, 'another /64');
  // An IPv4-mapped IPv6 address is its IPv4 address.
  const four = v4();
  await statuses(60, () => call('POST', '/v1/reports', four, report()));
  assert.equal((await call('POST', '/v1/reports', `::ffff:${four}`, report())).status, 429);
});

test('a request whose client address is not an address is refused, naming the header', async () => {
  const r = await call('POST', '/v1/reports', 'unknown', report());
  assert.equal(r.status, 400, r.text);
  assert.match(r.text, /cf-connecting-ip/);
});

test('owner-token guesses are limited per client and per campaign', async () => {
  const hour = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
  const created = await call('POST', '/v1/campaigns', v4(), {
    name: `Token guessing ${uniq}`, description: 'x', countries: ['RU'],
    targets: [{ url: `https://tg-${uniq}.example/`, category: 'COMT' }], starts_hour: hour(-1), expires_hour: hour(24) });
  assert.equal(created.status, 201, created.text);
  const { id, owner_token: token } = JSON.parse(created.text);
  const guess = (ip, t = randomBytes(24).toString('hex')) =>
    call('PUT', `/v1/campaigns/${id}`, ip, { description: 'guessed' }, { authorization: `Bearer ${t}` });
  const one = v4();
  const mine = await statuses(11, () => guess(one));
  assert.equal(count(mine, 429), 1, `10 a minute per client, then 429: ${mine}`);
  assert.ok(mine.slice(0, 10).every((s) => s !== 429), `${mine}`);
  // From many clients (one guess each): 30 a minute per campaign, the first ten above included.
  const many = await statuses(21, () => guess(v4()));
  assert.equal(many[20], 429, `the campaign's 31st attempt this minute: ${many}`);
  // Even the owner waits out the minute: the limit cannot tell guesses from the token.
  assert.equal((await guess(v4(), token)).status, 429);
});

test('the reads that scan every result are limited per client', async () => {
  const me = v4();
  for (const path of ['/v1/aggregates', '/v1/export?limit=1', '/v1/aggregates/canaries']) {
    const ip = v4();
    const got = await statuses(61, () => call('GET', path, ip));
    assert.equal(count(got, 200), 60, `${path}: ${got}`);
    assert.equal(got[60], 429, path);
  }
  // The three share one count per client.
  const mixed = await statuses(61, (i) => call('GET', ['/v1/aggregates', '/v1/export?limit=1', '/v1/aggregates/canaries'][i % 3], me));
  assert.equal(mixed[60], 429);
  assert.equal((await call('GET', '/v1/aggregates', v4())).status, 200, 'another client reads');
});

test('the download canary is limited per client', async () => {
  const me = v4();
  const got = await statuses(31, () => call('GET', '/__canary/down?bytes=1024&t=limits', me));
  assert.equal(count(got, 429), 1, `30 a minute, then 429: ${got}`);
  assert.equal(got[30], 429);
  assert.notEqual((await call('GET', '/__canary/down?bytes=1024&t=limits', v4())).status, 429, 'another client');
});

test('ten clients cannot use up a campaign\'s quota: each has a share', async () => {
  const hour = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
  const url = `https://share-${uniq}.example/`;
  const created = await call('POST', '/v1/campaigns', v4(), {
    name: `Shares ${uniq}`, description: 'x', countries: ['RU', 'US'], targets: [{ url, category: 'COMT' }],
    starts_hour: hour(-1), expires_hour: hour(24) });
  assert.equal(created.status, 201, created.text);
  const { id } = JSON.parse(created.text);
  const post = (ip) => call('POST', '/v1/reports', ip,
    report({ campaign: id, results: [{ url, category: 'COMT', verdict: 'ok', confidence: 0.9 }] }));
  let accepted = 0;
  for (let c = 0; c < 10; c++) {
    const ip = v4();
    const got = await statuses(20, () => post(ip));
    assert.equal(count(got, 201), 12, `client ${c}: 12 of the campaign's reports a minute, then 429: ${got}`);
    accepted += count(got, 201);
  }
  assert.equal(accepted, 120);
  assert.equal((await post(v4())).status, 201, 'an eleventh client is still heard');
});
