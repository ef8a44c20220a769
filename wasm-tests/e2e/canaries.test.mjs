// Canaries end to end: the app in Chromium against the lab's DPI box (real TLS, SNI-keyed
// throttle/reset/drop, a name removed from DNS, provider ranges dropped or refused), the
// collector's canary configuration, canary paths, NEL intake and per-network aggregates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { launch, waitDone } from './browser.mjs';
import { APP, COLLECTOR, LAB, SCREENSHOTS, appUrl, d1Files, d1Rows, labJson, labRules, report, storedReport } from './helpers.mjs';

let chrome;
// Chromium delivers Reporting API (NEL) uploads about a minute late unless told otherwise.
before(async () => { chrome = await launch(labRules(), { extra: ['--short-reporting-delay'] }); });
after(async () => { await chrome?.close(); });

const post = (path, body, headers = {}) => fetch(`${COLLECTOR}${path}`, {
  method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

async function canariesDone(page, timeout = 90000) {
  await page.waitForFunction(() => window.ajar && window.ajar.canaries && window.ajar.canaries.done, null, { timeout });
  return page.evaluate(() => window.ajar.canaries);
}

test('the canary checks name DNS, TCP, TLS (SNI) and throttling as the lab does them', async () => {
  const page = await chrome.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(appUrl(`${LAB}/list.json?hosts=ok.test,sni.test`, { canaries: `${APP}/v1/canaries` }));
  const run = await waitDone(page, 60000);
  // Before the canaries, a reset during TLS looks like any reset.
  assert.equal(run.results.find((r) => r.url.includes('sni.test')).verdict, 'reset');
  const canaries = await canariesDone(page);
  assert.equal(canaries.skipped, null);
  const truth = await labJson(page, '/canary-truth.json');
  assert.equal(canaries.results.length, truth.length);
  for (const t of truth) {
    const got = canaries.results.find((r) => r.kind === t.kind && r.name === t.name);
    assert.equal(got?.verdict, t.verdict, `${t.kind} ${t.name}: ${JSON.stringify(got)}`);
    assert.equal(got.phase ?? null, t.phase, `${t.kind} ${t.name} phase: ${JSON.stringify(got)}`);
    assert.match(got.token, /^[0-9a-f]{32}$/);
  }
  const throttled = canaries.results.find((r) => r.name === 'twimg.com');
  assert.ok(throttled.ratio >= 4, `throttled ratio ${throttled.ratio}`);
  assert.ok(throttled.kbps < 200, `128 kbit/s in the lab, measured ${throttled.kbps}`);
  const innocuous = canaries.results.find((r) => r.kind === 'innocuous');
  assert.ok(innocuous.timing, 'Timing-Allow-Origin lets Resource Timing show the phases');
  assert.ok(innocuous.timing.tls_ms >= 0 && innocuous.kbps > 1000);
  // Every canary probe that got past the DPI box reached the canary, and only those.
  const seen = await labJson(page, `/canary-seen?t=${canaries.results.map((r) => r.token).join(',')}`);
  for (const r of canaries.results) {
    const should = ['ok', 'throttled'].includes(r.verdict);
    assert.equal(seen[r.token], should, `${r.name} arrived=${seen[r.token]}`);
  }

  // Network Error Logging: the trigger zone's policy made Chromium report the removed name's
  // DNS failure to the collector (through the lab's https endpoint), with the probe's token.
  if (process.env.AJAR_D1_STATE) {
    const linkedin = canaries.results.find((r) => r.name === 'linkedin.com');
    let rows = [];
    for (let i = 0; i < 10 && !rows.length; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      rows = d1Rows(`SELECT host, phase, error FROM canary_events WHERE event = 'nel' AND token = '${linkedin.token}'`);
    }
    assert.deepEqual(rows, [{ host: 'linkedin.com.canary.test', phase: 'dns', error: 'dns.name_not_resolved' }]);
  }

  // On screen, with the verdicts; the canary twin of sni.test turns its reset into TLS
  // interference, with the canary as evidence; then sent with the report.
  await page.waitForSelector('#canaries[data-state="done"]');
  const sniRow = page.locator('#results tr[data-url*="sni.test"]');
  assert.equal(await sniRow.getAttribute('data-verdict'), 'tls');
  assert.match(await sniRow.textContent(), /test host under a name containing sni\.test: TLS interference/);
  const after = await page.evaluate(() => window.ajar.results.find((r) => r.url.includes('sni.test')));
  assert.equal(after.verdict, 'tls', 'window.ajar says what the page says');
  assert.equal(await page.locator('#canaries li.canary').count(), truth.length);
  assert.equal(await page.getAttribute('#canaries li[data-name="twimg.com"]', 'data-verdict'), 'throttled');
  await page.screenshot({ path: `${SCREENSHOTS}canaries-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 360, height: 780 });
  await page.locator('#canaries').screenshot({ path: `${SCREENSHOTS}canaries-phone.png` });
  await page.click('#send');
  const id = await page.locator('#report-id').textContent({ timeout: 15000 });
  const stored = storedReport(id);
  assert.equal(stored.id, id);
  assert.equal(stored.results.find((r) => r.url.includes('sni.test')).verdict, 'tls');
  await page.close();
});

test('the Russian page words canary findings in Russian', async () => {
  const page = await chrome.context.newPage();
  await page.setViewportSize({ width: 360, height: 780 });
  await page.goto(appUrl(`${LAB}/list.json?hosts=ok.test`, { lang: 'ru', canaries: `${LAB}/canary.json` }));
  await canariesDone(page);
  const text = await page.locator('#canaries').textContent();
  assert.match(text, /Собственные тестовые узлы ajar/);
  assert.match(text, /замедлена из-за имени \(SNI\)/);
  await page.locator('#canaries').screenshot({ path: `${SCREENSHOTS}canaries-ru-phone.png` });
  await page.close();
});

test('no canary configuration: the checks are skipped and the visitor is told why', async () => {
  const page = await chrome.context.newPage();
  await page.goto(appUrl(`${LAB}/list.json?hosts=ok.test`, { canaries: `${LAB}/nothing-here.json` }));
  const c = await canariesDone(page);
  assert.equal(c.results.length, 0);
  assert.match(c.skipped, /could not be loaded/);
  assert.match(await page.locator('#canaries').textContent(), /not checked/);
  await page.close();
});

test('collector: canary paths, configuration per campaign, NEL intake and per-network aggregates', async () => {
  // The canary path on a configured canary name (the lab resolver sends *.test to loopback).
  const page = await chrome.context.newPage();
  // A plain-HTTP page: the collector's canary path is asked over plain HTTP below.
  await page.goto('http://lab.test:8470/controls.json');
  const token = randomBytes(16).toString('hex');
  const hit = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, size: (await r.arrayBuffer()).byteLength };
  }, `http://www.canary.test:8787/__canary/down?bytes=5000&t=${token}`);
  assert.deepEqual(hit, { status: 200, size: 5000 });
  await page.close();
  const direct = await fetch(`${COLLECTOR}/__canary/hit`);
  assert.equal(direct.headers.get('timing-allow-origin'), '*');
  assert.match(direct.headers.get('nel'), /"report_to":"ajar-nel"/);
  assert.match(direct.headers.get('report-to'), /\/v1\/nel/);
  assert.equal((await fetch(`${COLLECTOR}/__canary/down?bytes=99999999`)).status, 400);

  // Configuration: the collector's, or a campaign's own triggers.
  const base = await (await fetch(`${COLLECTOR}/v1/canaries`)).json();
  assert.ok(base.canaries.triggers.includes('twimg.com'));
  const hour = (d) => new Date(Math.floor((Date.now() + d) / 3600000) * 3600000).toISOString().replace('.000Z', 'Z');
  const created = await (await post('/v1/campaigns', {
    name: 'SNI in RU', targets: [{ url: 'https://x.com/', category: 'GRP' }], countries: ['RU'],
    starts_hour: hour(-3600000), expires_hour: hour(86400000), canary_triggers: ['x.com', 'twimg.com'],
  })).json();
  const forCampaign = await (await fetch(`${COLLECTOR}/v1/canaries?campaign=${created.id}`)).json();
  assert.deepEqual(forCampaign.canaries?.triggers, ['x.com', 'twimg.com'], JSON.stringify([created, forCampaign]));
  const badCampaign = await post('/v1/campaigns', {
    name: 'bad', targets: [{ url: 'https://x.com/', category: 'GRP' }],
    starts_hour: hour(-3600000), expires_hour: hour(86400000), canary_triggers: ['not a name'],
  });
  assert.equal(badCampaign.status, 400);
  assert.equal((await badCampaign.json()).field, 'canary_triggers');

  // NEL: only canary hosts, only phase/type/host/token.
  const nel = [
    { age: 3, type: 'network-error', url: `https://rutracker.org.canary.test:8471/__canary/down?bytes=32768&t=${token}`,
      user_agent: 'Mozilla/5.0 ajar-nel-unique-agent', body: { phase: 'connection', type: 'tcp.reset', server_ip: '198.51.100.23',
        referrer: 'https://ajar-nel-referrer.example/', elapsed_time: 12, method: 'GET', protocol: 'http/1.1', sampling_fraction: 1, status_code: 0 } },
    { age: 3, type: 'network-error', url: 'https://news.example/', body: { phase: 'dns', type: 'dns.name_not_resolved' } },
  ];
  const nelRes = await post('/v1/nel', nel, { 'content-type': 'application/reports+json' });
  assert.equal(nelRes.status, 200);
  assert.deepEqual(await nelRes.json(), { kept: 1 });
  assert.equal((await post('/v1/nel', '{"not":"a list"}')).status, 400);

  // Reports carrying canary results, three from one network: a cell per trigger/provider.
  const canary = (name, verdict, phase, tok) => ({ kind: 'sni', name, verdict, phase, confidence: 0.9, token: tok, kbps: 130, ratio: 900 });
  for (let i = 0; i < 3; i++) {
    const tok = i === 0 ? token : randomBytes(16).toString('hex');
    const r = report({ campaign: created.id, canaries: [canary('twimg.com', 'throttled', 'transfer', tok)] });
    assert.equal((await post('/v1/reports', r)).status, 201);
  }
  const badCanary = report({ canaries: [canary('twimg.com', 'throttled', 'transfer', 'nope')] });
  const refused = await post('/v1/reports', badCanary);
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).field, 'canaries[0].token');
  const agg = await (await fetch(`${COLLECTOR}/v1/aggregates/canaries?campaign=${created.id}`)).json();
  const cell = agg.cells.find((c) => c.name === 'twimg.com' && c.verdict === 'throttled');
  assert.ok(cell, JSON.stringify(agg));
  assert.equal(cell.reports, 3);
  assert.equal(cell.arrived, 1, 'one of the three tokens reached the canary');
  assert.equal(cell.kbps, 130);

  // The explorer shows the same per network, in words.
  const explorer = await chrome.context.newPage();
  await explorer.setViewportSize({ width: 1280, height: 900 });
  await explorer.goto(`${APP}/?lang=en&campaign=${created.id}#/explorer`);
  const row = explorer.locator('#canary-aggregates tr[data-name="twimg.com"]');
  await row.waitFor({ timeout: 15000 });
  assert.equal(await row.getAttribute('data-verdict'), 'throttled');
  assert.match(await row.textContent(), /[A-Z]{2} · AS\d+.*name containing twimg\.com.*throttled.*slowed down because of the name \(SNI\)3\s*1/s);
  await explorer.locator('.explorer-canaries').screenshot({ path: `${SCREENSHOTS}explorer-canaries-desktop.png` });
  await explorer.close();

  // Nothing identifying from the NEL report or the canary request reached D1.
  if (process.env.AJAR_D1_STATE) {
    for (const f of d1Files()) {
      // 'Mozilla/5.0': the real Chromium's NEL reports above carried its user agent too.
      for (const secret of ['ajar-nel-unique-agent', 'Mozilla/5.0', '198.51.100.23', 'ajar-nel-referrer', 'news.example']) {
        assert.ok(!f.text.includes(secret), `${f.path} contains ${secret}`);
      }
    }
  }
});
