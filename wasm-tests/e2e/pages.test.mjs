// What a visitor sees: every page at desktop and phone width (screenshots under
// target/screenshots/), the language switch, the 360 px layout, a full run whose verdicts on
// screen match the lab's ground truth, and the offline queue (collector unreachable, then
// back: the report arrives once).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitDone } from './browser.mjs';
import { APP, COLLECTOR, LAB, SCREENSHOTS, appUrl, labJson, labRules, d1Rows, storedReport } from './helpers.mjs';

let chrome;
before(async () => { chrome = await launch(labRules()); });
after(async () => { await chrome?.close(); });

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 900 };

async function noHorizontalScroll(page) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth }));
  assert.ok(scroll <= width, `page is ${scroll}px wide in a ${width}px viewport`);
}

test('start page, language switch, methodology and explorer at both widths', async () => {
  const page = await chrome.context.newPage();
  for (const [name, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    await page.goto(`${APP}/?lang=en`);
    await page.waitForSelector('#start');
    assert.equal(await page.isDisabled('#start'), true, 'no run without consent');
    if (name === 'phone') await noHorizontalScroll(page);
    await page.screenshot({ path: `${SCREENSHOTS}start-${name}.png`, fullPage: true });
    await page.click('button.lang[lang="ru"]');
    await page.waitForSelector('text=Начать тест');
    assert.equal(await page.getAttribute('html', 'lang'), 'ru');
    assert.match(await page.innerText('main'), /риски/);
    await page.screenshot({ path: `${SCREENSHOTS}start-ru-${name}.png`, fullPage: true });
    await page.click('button.lang[lang="en"]');
    await page.waitForSelector('text=Start the test');

    await page.click('a[href="#/methodology"]');
    await page.waitForSelector('#method-title');
    assert.equal(await page.locator('.methodology dt').count(), 10, 'every verdict explained');
    if (name === 'phone') await noHorizontalScroll(page);
    await page.screenshot({ path: `${SCREENSHOTS}methodology-${name}.png`, fullPage: true });

    await page.click('a[href="#/explorer"]');
    await page.waitForSelector('#explorer-title');
    await page.waitForFunction(() => !document.querySelector('.explorer [role="status"]'));
    await page.fill('#filter-country', 'us');
    await page.fill('#filter-asn', 'AS395747');
    await page.selectOption('#filter-window', 'all');
    await page.click('.filter button[type="submit"]');
    // The filtered table replaces the unfiltered one (other suites' cells, of other networks).
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#aggregates tbody tr')];
      return rows.length > 0 && rows.every((tr) => tr.innerText.includes('AS395747'));
    });
    assert.match(await page.locator('#aggregates tbody tr').first().innerText(), /AS395747/);
    if (name === 'phone') await noHorizontalScroll(page);
    await page.screenshot({ path: `${SCREENSHOTS}explorer-${name}.png`, fullPage: true });
  }
  await page.close();
});

test('consent, then a full run: verdicts on screen match the lab; downloads offered', async () => {
  const page = await chrome.context.newPage();
  await page.setViewportSize(PHONE);
  const q = new URL(appUrl(`${LAB}/list.json`));
  q.searchParams.delete('autorun');
  q.searchParams.set('lang', 'en');
  await page.goto(q.toString());
  await page.waitForSelector('#start');
  await page.check('#consent');
  await page.click('#start');
  await page.waitForSelector('progress');
  await page.screenshot({ path: `${SCREENSHOTS}running-phone.png`, fullPage: true });
  await waitDone(page, 90000);
  const truth = await labJson(page, `/truth.json?timeout=${q.searchParams.get('timeout')}`);
  for (const t of truth) {
    const shown = await page.getAttribute(`tr[data-url="${t.url}"]`, 'data-verdict');
    assert.equal(shown, t.expected, t.url);
  }
  await noHorizontalScroll(page);
  assert.ok(await page.isVisible('#download-json'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  assert.equal(download.suggestedFilename(), 'ajar-results.csv');
  await page.screenshot({ path: `${SCREENSHOTS}results-phone.png`, fullPage: true });
  await page.click('summary');
  await page.screenshot({ path: `${SCREENSHOTS}submit-phone.png`, fullPage: false, clip: await page.locator('.submit').boundingBox() });
  await page.close();
});

test('offline queue: unreachable collector, then back: the report arrives once', async () => {
  const page = await chrome.context.newPage();
  await page.setViewportSize(DESKTOP);
  const list = `${LAB}/list.json?hosts=ok.test`;
  await page.goto(appUrl(list, { collector: 'http://127.0.0.1:9' }));
  await waitDone(page, 60000);
  const id = JSON.parse(await page.locator('#report-preview').textContent()).id;
  await page.click('#send');
  await page.waitForSelector('#queued');
  await page.screenshot({ path: `${SCREENSHOTS}queued-desktop.png`, fullPage: true });
  const queued = await page.evaluate(() => JSON.parse(localStorage.getItem('ajar.queue') || '[]').length);
  assert.equal(queued, 1);
  assert.equal((await fetch(`${COLLECTOR}/v1/reports/${id}`)).status, 404);

  // The next visit, with the collector reachable: delivered, and only once.
  await page.goto(`${APP}/`);
  await page.waitForFunction(() => !localStorage.getItem('ajar.queue'), null, { timeout: 15000 });
  const stored = storedReport(id);
  assert.equal(stored.id, id);
  await page.goto(`${APP}/`);
  // One host, one result row: delivered once (counted in D1: the export publishes only cells
  // of three reports or more).
  assert.equal(d1Rows(`SELECT COUNT(*) AS n FROM results WHERE report_id = '${id}'`)[0].n, 1);
  await page.close();
});

test('a custom list with mistakes is refused line by line; a good file runs', async () => {
  const page = await chrome.context.newPage();
  await page.setViewportSize(DESKTOP);
  await page.goto(`${APP}/?lang=en&controls=${encodeURIComponent(`${LAB}/controls.json`)}`);
  await page.selectOption('#list', '__custom__');
  await page.fill('#custom', 'url,category_code\nhttp://ok.test/,NEWS\nnot a url,NEWS\nhttp://x.test/,NOPE\nhttp://ok.test/,NEWS\n');
  await page.check('#consent');
  await page.click('#start');
  const errors = await page.locator('pre.errors').textContent({ timeout: 15000 });
  assert.match(errors, /line 3: bad URL/);
  assert.match(errors, /line 4: unknown category "NOPE"/);
  assert.match(errors, /line 5: duplicate of line 2/);
  await page.screenshot({ path: `${SCREENSHOTS}list-errors-desktop.png`, fullPage: true });

  await page.click('text=Test again');
  await page.selectOption('#list', '__custom__');
  await page.setInputFiles('#custom-file', { name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from('url,category_code\nhttp://ok.test/,NEWS\n') });
  await page.waitForFunction(() => document.querySelector('#custom').value.includes('ok.test'));
  await page.check('#consent');
  await page.click('#start');
  const run = await waitDone(page, 60000);
  assert.deepEqual(run.results.map((r) => r.verdict), ['ok']);
  await page.close();
});
