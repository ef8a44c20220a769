// Every technique of the lab's demo scenario, through the whole engine in Chromium:
// each verdict must equal the lab's ground truth (the mapping in docs/lab.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitDone } from './browser.mjs';
import { LAB, SCREENSHOTS, appUrl, labJson, labRules } from './helpers.mjs';

let chrome;
before(async () => { chrome = await launch(labRules()); });
after(async () => { await chrome?.close(); });

test('each lab technique gets its honest verdict', async () => {
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
