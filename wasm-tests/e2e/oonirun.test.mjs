// OONI Run v2 in and out, against the collector on workerd: campaigns made from the spec's
// example descriptors (core/testdata/oonirun/, from ooni/spec bk-005), and campaigns
// downloaded as descriptors and made again from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { COLLECTOR } from './helpers.mjs';

const example = (name) => readFileSync(new URL(`../../core/testdata/oonirun/${name}.json`, import.meta.url), 'utf8');
const hourOffset = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
const ip = () => `203.0.113.${1 + Math.floor(Math.random() * 250)}`;

async function call(method, path, body) {
  const res = await fetch(`${COLLECTOR}${path}`, { method, body,
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip() } });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), headers: res.headers };
}

test('the spec\'s Websites example becomes a campaign; what it cannot keep is listed', async () => {
  const created = await call('POST', '/v1/campaigns/oonirun', example('websites'));
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const { id, owner_token: token, unsupported } = created.json;
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.match(token, /^[0-9a-f]{48}$/);
  const fields = unsupported.map((u) => u.field);
  for (const f of ['short_description', 'icon', 'author', 'expiration_date', 'nettests[1]', 'nettests[0].is_background_run_enabled']) {
    assert.ok(fields.includes(f), `${f} in ${fields}`);
  }
  assert.ok(unsupported.every((u) => u.reason.length > 0));
  const campaign = (await call('GET', `/v1/campaigns/${id}`)).json;
  assert.equal(campaign.name, 'Websites');
  assert.equal(campaign.active, true);
  assert.deepEqual(campaign.targets, [{ url: 'https://example.com/', category: 'HUMR' }]);
  assert.equal(campaign.expires_hour, hourOffset(30 * 24));
});

test('the create-request example keeps both inputs and its expiration; dnscheck is listed', async () => {
  const created = await call('POST', '/v1/campaigns/oonirun', example('create-request'));
  assert.equal(created.status, 201, JSON.stringify(created.json));
  assert.deepEqual(created.json.campaign.targets.map((t) => t.url), ['https://example.com/', 'https://ooni.org/']);
  assert.equal(created.json.campaign.expires_hour, '2027-01-15T13:00:00Z');
  assert.ok(created.json.unsupported.some((u) => u.field === 'nettests[1]' && u.reason.startsWith('dnscheck')));
});

test('the Instant Messaging example has nothing a browser runs: refused, with every reason', async () => {
  const refused = await call('POST', '/v1/campaigns/oonirun', example('instant-messaging'));
  assert.equal(refused.status, 400);
  assert.equal(refused.json.field, 'nettests');
  assert.deepEqual(refused.json.unsupported.filter((u) => /^nettests\[\d\]$/.test(u.field)).map((u) => u.reason.split(':')[0]),
    ['whatsapp', 'telegram', 'facebook_messenger', 'signal']);
  const expired = await call('POST', '/v1/campaigns/oonirun', JSON.stringify({ ...JSON.parse(example('websites')), is_expired: true }));
  assert.equal(expired.status, 400);
  assert.equal(expired.json.field, 'is_expired');
  assert.equal((await call('POST', '/v1/campaigns/oonirun', '{"name": 1')).json.field, 'body');
});

test('every campaign downloads as a descriptor, which makes the same campaign again', async () => {
  const descriptor = {
    name: 'Messengers and news', description: 'Chats and news sites\nSince the 2025 blocks', countries: ['RU'],
    targets: [
      { url: 'https://web.whatsapp.com/', category: 'COMT' },
      { url: 'https://meduza.io/', category: 'NEWS' },
      { url: 'wss://web.whatsapp.com/ws/chat', category: 'COMT' },
    ],
    starts_hour: hourOffset(-1), expires_hour: hourOffset(24 * 20),
  };
  const created = await call('POST', '/v1/campaigns', JSON.stringify(descriptor));
  assert.equal(created.status, 201);
  const res = await fetch(`${COLLECTOR}/v1/campaigns/${created.json.id}/oonirun`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition'), /^attachment; filename="ajar-campaign-[0-9a-f]{16}\.oonirun\.json"$/);
  assert.match(res.headers.get('x-ajar-not-expressed'), /countries/);
  assert.match(res.headers.get('x-ajar-not-expressed'), /WebSocket/);
  const v2 = await res.json();
  assert.equal(v2.name, descriptor.name);
  assert.equal(v2.is_expired, false);
  assert.equal(v2.expiration_date, descriptor.expires_hour);
  assert.deepEqual(v2.nettests, [{
    test_name: 'web_connectivity', inputs: ['https://web.whatsapp.com/', 'https://meduza.io/'],
    inputs_extra: [{ category_code: 'COMT' }, { category_code: 'NEWS' }],
    is_manual_run_enabled: true, is_background_run_enabled: false,
  }]);

  const again = await call('POST', '/v1/campaigns/oonirun', JSON.stringify(v2));
  assert.equal(again.status, 201, JSON.stringify(again.json));
  const back = (await call('GET', `/v1/campaigns/${again.json.id}`)).json;
  assert.equal(back.name, descriptor.name);
  assert.equal(back.description, descriptor.description);
  assert.equal(back.expires_hour, descriptor.expires_hour);
  assert.deepEqual(back.targets, descriptor.targets.slice(0, 2));

  // A campaign whose targets are a list URL: carried as targets_name, which ajar reads back.
  const listed = await call('POST', '/v1/campaigns', JSON.stringify({ ...descriptor, targets: undefined, list_url: 'https://lists.example/ru.csv' }));
  const listedV2 = await (await fetch(`${COLLECTOR}/v1/campaigns/${listed.json.id}/oonirun`)).json();
  assert.equal(listedV2.nettests[0].targets_name, 'ajar:list_url:https://lists.example/ru.csv');
  const listedBack = await call('POST', '/v1/campaigns/oonirun', JSON.stringify(listedV2));
  assert.equal(listedBack.json.campaign.list_url, 'https://lists.example/ru.csv');

  assert.equal((await fetch(`${COLLECTOR}/v1/campaigns/0000000000000000/oonirun`)).status, 404);
});
