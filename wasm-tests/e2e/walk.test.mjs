// The walking skeleton: the app, served by the collector, measures a reachable host and
// one removed from DNS, shows both, posts a report; the collector stores it with country
// and ASN from `cf` and returns it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitDone } from './browser.mjs';
import { COLLECTOR, LAB, SCREENSHOTS, appUrl, labRules, storedReport } from './helpers.mjs';

let chrome;
before(async () => { chrome = await launch(labRules()); });
after(async () => { await chrome?.close(); });

test('two hosts: measured, shown, reported, stored', async () => {
  const page = await chrome.context.newPage();
  await page.goto(appUrl(`${LAB}/list.json?hosts=ok.test,nxdomain.test`));
  const result = await waitDone(page, 60000);
  const verdicts = Object.fromEntries(result.results.map((r) => [r.url, r.verdict]));
  assert.deepEqual(verdicts, { 'http://ok.test/': 'ok', 'http://nxdomain.test/': 'dns' });

  // On screen, in words.
  const okRow = page.locator('tr[data-url="http://ok.test/"]');
  const dnsRow = page.locator('tr[data-url="http://nxdomain.test/"]');
  assert.match(await okRow.innerText(), /reachable/);
  assert.match(await dnsRow.innerText(), /does not resolve/);

  // What will be sent is shown before sending, and holds no address of the visitor.
  const preview = JSON.parse(await page.locator('#report-preview').textContent());
  assert.equal(preview.schema, 'ajar.report/1');
  assert.equal(preview.results.length, 2);
  assert.doesNotMatch(JSON.stringify(preview), /127\.0\.0\.1|Mozilla|HeadlessChrome/);

  await page.click('#send');
  const id = (await page.locator('#report-id').textContent({ timeout: 15000 })).trim();
  assert.match(id, /^[0-9a-f]{32}$/);
  await page.screenshot({ path: `${SCREENSHOTS}walk.png`, fullPage: true });

  const stored = storedReport(id);
  assert.equal(stored.id, id);
  assert.equal(stored.country, 'US', 'country from the cf object of wrangler dev');
  assert.equal(stored.asn, 395747);
  assert.deepEqual(stored.results.map((r) => r.verdict), ['ok', 'dns']);
  assert.equal(stored.ip, undefined);
  await page.close();
});
