// Every technique of the lab's demo scenario, through the whole engine in Chromium:
// each verdict must equal the lab's ground truth (the table in docs/verdicts.md). Once with
// the lab's hints (a JSON list with a known image per target, the lab's DoH resolver), and
// once as ajar ships: an https page, a CSV list, no parameter but the list, a click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitDone } from './browser.mjs';
import { APP, COLLECTOR, LAB, SCREENSHOTS, appUrl, labJson, labRules } from './helpers.mjs';

let chrome;
before(async () => { chrome = await launch(labRules()); });
after(async () => { await chrome?.close(); });

test('each lab technique gets its honest verdict (lab hints: images, lab DoH)', async () => {
  const page = await chrome.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(appUrl(`${LAB}/list.json`));
  const result = await waitDone(page, 90000);
  const truth = await labJson(page, '/truth.json?timeout=3000');
  assert.equal(result.results.length, truth.length);
  for (const t of truth) {
    const got = result.results.find((r) => r.url === t.url);
    assert.equal(got?.verdict, t.expected, `${t.url} (${t.technique}): ${JSON.stringify(got)}`);
    assert.ok(got.confidence > 0 && got.confidence <= 1);
    assert.ok(got.evidence.length > 0, 'every verdict carries its evidence');
  }
  const kinds = result.patterns.map((p) => p.pattern).sort();
  assert.deepEqual(kinds, ['address_range_blocked', 'throttling']);
  await page.screenshot({ path: `${SCREENSHOTS}results-desktop.png`, fullPage: true });
  await page.close();
});

test('as it ships: https page, a CSV list, nothing but the list, consent clicked', async () => {
  const page = await chrome.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${APP}/?${new URLSearchParams({ list: `${LAB}/list.csv`, lang: 'en' })}`);
  await page.check('#consent');
  await page.click('#start');
  const result = await waitDone(page, 120000);
  const truth = await labJson(page, '/truth.json?page=https&images=0');
  assert.equal(result.results.length, truth.length);
  const blocked = (v) => !['ok', 'down', 'inconclusive'].includes(v);
  for (const t of truth) {
    const got = result.results.find((r) => r.url === t.url);
    assert.equal(got?.verdict, t.expected, `${t.url} (${t.technique}): ${JSON.stringify(got)}`);
    // Never a working site or a site down everywhere called blocked.
    if (!blocked(t.expected)) assert.ok(!blocked(got.verdict), t.url);
  }
  // Plain-HTTP targets say they were measured over https.
  const plain = result.results.find((r) => r.url === 'http://ok.test/');
  assert.ok(plain.evidence.some((e) => e.clue === 'upgraded_to_https'), JSON.stringify(plain));
  // The image the outside view found on each site shows what a CSV list cannot: a block page
  // (behind a certificate the browser trusts) in place of the page and its images, and a
  // throttled site (128 kbit/s) far slower than the control's image.
  const of = (url) => result.results.find((r) => r.url === url);
  const clues = (url) => of(url).evidence.map((e) => e.clue);
  for (const url of ['http://geo.test/', 'https://secure-geo.test/']) {
    assert.equal(of(url).verdict, 'blockpage', JSON.stringify(of(url)));
    assert.ok(clues(url).includes('image_not_an_image'), JSON.stringify(of(url)));
  }
  assert.equal(of('http://slow.test/').verdict, 'throttled', JSON.stringify(of('http://slow.test/')));
  assert.ok(clues('http://slow.test/').includes('slower_than_control'));
  // A healthy server 300 ms away: its image genuine and its speed judged, not throttled.
  assert.equal(of('https://far.test/').verdict, 'ok', JSON.stringify(of('https://far.test/')));
  assert.ok(clues('https://far.test/').includes('image_genuine'), JSON.stringify(of('https://far.test/')));
  assert.ok(!clues('https://far.test/').includes('speed_not_measured'), JSON.stringify(of('https://far.test/')));
  // A site with only a favicon: content checked, speed not (a favicon measures no rate).
  assert.equal(of('http://slow-icon.test/').verdict, 'ok');
  assert.ok(clues('http://slow-icon.test/').includes('speed_not_measured'), JSON.stringify(of('http://slow-icon.test/')));
  await page.screenshot({ path: `${SCREENSHOTS}results-production-desktop.png`, fullPage: true });
  await page.close();
});

test('the control learns a site\'s known image from outside and keeps it in the edge cache', async () => {
  const ask = async (urls) => {
    const r = await fetch(`${COLLECTOR}/v1/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ urls }) });
    assert.equal(r.status, 200);
    return r.json();
  };
  // A port of its own: an origin no other test asked about (the cache is per site).
  const big = 'http://news.test:18470/', icon = 'http://slow-icon.test:18470/';
  const first = await ask([big, icon]);
  const image = first[big].image;
  assert.ok(image && image.url === 'http://news.test:18470/og.png', JSON.stringify(first[big]));
  assert.equal(image.format, 'png');
  assert.ok(image.width > 0 && image.height > 0 && image.bytes >= 16384 && image.bytes <= 262144, JSON.stringify(image));
  // Only a favicon: the largest image it has, too small to measure a rate.
  assert.ok(first[icon].image && first[icon].image.bytes < 16384, JSON.stringify(first[icon]));
  const again = await ask([big]);
  assert.equal(again[big].image_cache, 'hit');
  assert.deepEqual(again[big].image, image);
  // A site down everywhere has no image to learn.
  const down = await ask(['http://down.test:18470/']);
  assert.equal(down['http://down.test:18470/'].image, undefined);
});

test('a deployment\'s own controls are in its control\'s scope, beside its lists', { skip: !process.env.AJAR_PUBLIC_COLLECTOR }, async () => {
  // The public deployment (no lab settings): its default CONTROLS, several web sites on
  // different networks beside the STUN control.
  const PUBLIC = process.env.AJAR_PUBLIC_COLLECTOR;
  const { controls } = await (await fetch(`${PUBLIC}/v1/settings`)).json();
  const web = controls.filter((u) => u.startsWith('https://'));
  assert.ok(web.length >= 3 && controls.some((u) => u.startsWith('stun:')), JSON.stringify(controls));
  const ask = (urls) => fetch(`${PUBLIC}/v1/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ urls, list: 'ru' }) });
  const inScope = await ask(web);
  assert.equal(inScope.status, 200, await inScope.text());
  const outOfScope = await ask(['https://not-a-control.example/']);
  assert.equal(outOfScope.status, 400);
});
