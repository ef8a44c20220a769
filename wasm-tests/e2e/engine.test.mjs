// Every technique of the lab's demo scenario, through the whole engine in Chromium:
// each verdict must equal the lab's ground truth (the table in docs/verdicts.md). Once with
// the lab's hints (a JSON list with a known image per target, the lab's DoH resolver), and
// once as ajar ships: an https page, a CSV list, no parameter but the list, a click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitDone } from './browser.mjs';
import { APP, LAB, SCREENSHOTS, appUrl, labJson, labRules } from './helpers.mjs';

let chrome;
before(async () => { chrome = await launch(labRules()); });
after(async () => { await chrome?.close(); });

test('each lab technique gets its honest verdict (lab hints: images, lab DoH)', async () => {
  const page = await chrome.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(appUrl(`${LAB}/list.json`));
  const result = await waitDone(page, 90000);
  const truth = await labJson(page, '/truth.json');
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
  await page.screenshot({ path: `${SCREENSHOTS}results-production-desktop.png`, fullPage: true });
  await page.close();
});
