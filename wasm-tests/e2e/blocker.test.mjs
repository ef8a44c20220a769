// A visitor with a content blocker (an extension cancelling requests by filter rules, as
// uBlock Origin or AdBlock do): its refusals reach the page as the same TypeError as a reset.
// ajar's bait (an advert-shaped request to the deployment) is refused, so fast failures and
// images that do not load are `inconclusive` (clue content_blocker), never `reset` or
// `blockpage`; DNS removal, blackholes and throttling are judged as without it. As ajar ships:
// https page, a CSV list, nothing but the list, consent clicked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitDone } from './browser.mjs';
import { APP, LAB, SCREENSHOTS, labJson, labRules } from './helpers.mjs';

const EXTENSION = new URL('./blocker/', import.meta.url).pathname;
let chrome;
before(async () => {
  chrome = await launch(labRules(), { extra: [`--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`] });
});
after(async () => { await chrome?.close(); });

test('with a content blocker: its refusals are never called censorship', async () => {
  const page = await chrome.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${APP}/?${new URLSearchParams({ list: `${LAB}/list.csv`, lang: 'en' })}`);
  // The extension is at work: the bait does not load here.
  const bait = await page.evaluate(async () => {
    try { await fetch('/ads/banner.gif?ajar=1&ad_type=banner&adclient=ajar&ad_zones=1', { method: 'HEAD' }); return 'loaded'; } catch { return 'refused'; }
  });
  assert.equal(bait, 'refused', 'the lab extension blocks the bait');
  await page.check('#consent');
  await page.click('#start');
  const result = await waitDone(page, 120000);
  const truth = await labJson(page, '/truth.json?page=https&images=0&browser=chromium_blocker');
  assert.equal(result.results.length, truth.length);
  const wrong = [];
  for (const t of truth) {
    const got = result.results.find((r) => r.url === t.url);
    if (got?.verdict !== t.expected) wrong.push(`${t.url} (${t.technique}): expected ${t.expected}, got ${JSON.stringify(got)}`);
  }
  const of = (url) => result.results.find((r) => r.url === url);
  for (const url of ['http://tracker.test/', 'http://reset.test/']) {
    assert.ok(of(url).evidence.some((e) => e.clue === 'content_blocker'), JSON.stringify(of(url)));
  }
  await page.screenshot({ path: `${SCREENSHOTS}results-content-blocker.png`, fullPage: true });
  assert.deepEqual(wrong, []);
  await page.close();
});
