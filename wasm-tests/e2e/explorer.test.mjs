// The explorer as a visitor sees it, on the lab's generated demo data (`ajar-lab demo-reports`:
// five documentation-ASN networks over three days, a DNS removal wave, an address-range wave, a
// campaign) posted as reports to a collector of its own (the public deployment's fresh D1, so
// the other suites' data stays as it was): the overview, the time series with their marks, the
// tables behind them and the campaign page, checked against the collector's aggregates, in
// English and Russian at 1280 and 360 px (screenshots under target/screenshots/), and the
// charts in Firefox ESR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { launch } from './browser.mjs';
import { APP, COLLECTOR, SCREENSHOTS, labRules } from './helpers.mjs';
import { FIREFOX, GECKODRIVER, launchFirefox, labDomains } from './firefox.mjs';

const API = process.env.AJAR_PUBLIC_COLLECTOR || COLLECTOR;
const SITE = process.env.AJAR_PUBLIC_APP || APP;
const LAB_BIN = process.env.AJAR_LAB_BIN || new URL('../../target/debug/ajar-lab', import.meta.url).pathname;
const SIZES = [['desktop', { width: 1280, height: 900 }], ['phone', { width: 360, height: 740 }]];

let chrome;
let seeded;
before(async () => {
  seeded = JSON.parse(execFileSync(LAB_BIN, ['demo-reports', '--collector', new URL(API).host]).toString());
  chrome = await launch(labRules());
});
after(async () => { await chrome?.close(); });

const get = async (q) => {
  const res = await fetch(`${API}/v1/aggregates?${q}`);
  assert.equal(res.status, 200);
  return res.json();
};
const blocked = (v) => !['ok', 'down', 'inconclusive'].includes(v);

/** What the charts must show for `url`, computed here from the collector's own answer. */
function expectedSeries(hourly, url) {
  const nets = new Map();
  for (const c of hourly.cells.filter((c) => c.url === url)) {
    const key = `${c.country}/${c.asn}`;
    const n = nets.get(key) || { bars: 0, first: null, buckets: [] };
    n.bars += 1;
    n.buckets.push(c.bucket);
    if (c.anomaly && c.first_blocked_hour && (!n.first || c.first_blocked_hour < n.first)) n.first = c.first_blocked_hour;
    nets.set(key, n);
  }
  return nets;
}
const waveSince = (hourly, asn, url, kind) => hourly.waves.filter((w) => w.asn === asn && w.kind === kind && w.targets.includes(url))
  .map((w) => w.since).sort()[0];

async function noHorizontalScroll(page) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth }));
  assert.ok(scroll <= width, `page is ${scroll}px wide in a ${width}px viewport`);
}

test('the demo data passes the collector and makes both waves; the small network is withheld by the hour', async () => {
  assert.equal(seeded.stored + seeded.duplicates, seeded.reports, JSON.stringify(seeded));
  assert.ok(seeded.reports > 1000, JSON.stringify(seeded));
  const hourly = await get('window=hour');
  const dns = hourly.waves.filter((w) => w.kind === 'dns_removal' && w.asn === 64496);
  assert.ok(dns.length > 10, 'the DNS removal lasts for hours');
  assert.deepEqual([...new Set(dns.flatMap((w) => w.targets))].sort(), ['https://news.test/', 'https://nxdomain.test/', 'https://reset.test/']);
  const range = hourly.waves.filter((w) => w.kind === 'address_range' && w.asn === 64497);
  assert.ok(range.length > 5);
  assert.ok(range.every((w) => w.prefix === '203.0.113.0/24' && w.technique === 'blackhole'));
  assert.deepEqual([...new Set(range.flatMap((w) => w.targets))].sort(), ['https://cdn1.test/', 'https://cdn2.test/', 'https://cdn3.test/']);
  // The baseline network never makes a wave; the small one is withheld hour by hour, not in all.
  assert.ok(hourly.waves.every((w) => w.asn !== 64499));
  assert.ok(hourly.withheld > 0);
  assert.ok(hourly.cells.every((c) => c.reports >= hourly.rules.min_reports));
  const all = await get('window=all');
  assert.ok(all.cells.some((c) => c.asn === 64500), 'the small network over the whole window');
  assert.ok(!hourly.cells.some((c) => c.asn === 64500 && c.reports < 3));
});

test('explorer: overview, time series with marks, tables behind the charts; EN and RU at 1280 and 360 px', async () => {
  const hourly = await get('window=hour');
  const all = await get('window=all');
  const sites = [...new Set(all.cells.map((c) => c.url))];
  const page = await chrome.context.newPage();
  for (const lang of ['en', 'ru']) {
    for (const [name, size] of SIZES) {
      await page.setViewportSize(size);
      await page.goto(`${SITE}/?lang=${lang}#/explorer`);
      await page.waitForSelector('.site-bars li');
      await page.waitForSelector('figure.series svg .sbar');
      // Generated data says so.
      assert.match(await page.locator('.demo-note').innerText(), lang === 'en' ? /Demo data/ : /Демонстрационные данные/);
      // The overview: a bar per site, a segment per verdict seen, the numbers in its table.
      const rows = await page.locator('.site-bars li').evaluateAll((lis) => lis.map((li) => ({
        url: li.dataset.url,
        segs: Array.from(li.querySelectorAll('rect.seg')).map((r) => [r.dataset.verdict, Number(r.dataset.reports)]),
        label: li.querySelector('svg').getAttribute('aria-label'),
      })));
      assert.deepEqual(rows.map((r) => r.url).sort(), sites.sort());
      for (const r of rows) {
        const counts = {};
        for (const c of all.cells.filter((c) => c.url === r.url)) for (const [v, n] of Object.entries(c.counts)) counts[v] = (counts[v] || 0) + n;
        assert.deepEqual(Object.fromEntries(r.segs), counts, r.url);
        assert.ok(r.label.length > 10);
      }
      // Most blocked first: the block page seen in every Russian network leads, the baseline's sites follow.
      const share = (u) => { const cs = all.cells.filter((c) => c.url === u); return cs.reduce((a, c) => a + c.blocked, 0) / cs.reduce((a, c) => a + c.reports, 0); };
      assert.ok(rows.every((r, i) => i === 0 || share(rows[i - 1].url) >= share(r.url) - 1e-9));
      assert.equal(await page.locator('#overview-table tbody tr').count(), sites.length);
      // Where blocking is only an anomaly over the whole window (the range blocked for its last third), it says so.
      assert.match(await page.locator('.site-bars li[data-url="https://cdn2.test/"] .anomaly-in').innerText(), /AS64497/);
      await page.screenshot({ path: `${SCREENSHOTS}explorer-top-${lang}-${name}.png` });

      // The DNS removal: nxdomain.test in every network, marked in AS64496.
      await page.selectOption('#series-site', 'https://nxdomain.test/');
      await page.waitForSelector('figure.series[data-url="https://nxdomain.test/"]');
      const want = expectedSeries(hourly, 'https://nxdomain.test/');
      const figures = await page.locator('figure.series').evaluateAll((fs) => fs.map((f) => ({
        net: `${f.dataset.country}/${f.dataset.asn}`, url: f.dataset.url,
        bars: Array.from(f.querySelectorAll('rect.sbar')).map((b) => b.dataset.bucket),
        rows: f.querySelectorAll('.series-table tbody tr').length,
        first: f.querySelector('.mark.first-blocked')?.dataset.hour || null,
        waves: Array.from(f.querySelectorAll('.mark.wave')).map((w) => [w.dataset.kind, w.dataset.hour]),
        title: f.querySelector('svg title')?.textContent, labelled: f.querySelector('svg').getAttribute('aria-labelledby'),
      })));
      assert.deepEqual(figures.map((f) => f.net).sort(), [...want.keys()].sort());
      for (const f of figures) {
        const w = want.get(f.net);
        assert.equal(f.bars.length, w.bars, f.net);
        assert.deepEqual(f.bars, [...w.buckets].sort(), f.net);
        assert.equal(f.rows, w.bars, 'a table row per bar');
        assert.equal(f.first, w.first ? w.first.slice(0, 13) : null, f.net);
        assert.ok(f.title.includes('nxdomain.test') && f.labelled.split(' ').length === 2);
      }
      const ru1 = figures.find((f) => f.net === 'RU/64496');
      assert.ok(ru1.first, 'AS64496 has a first blocked hour');
      assert.deepEqual(ru1.waves, [['dns_removal', waveSince(hourly, 64496, 'https://nxdomain.test/', 'dns_removal').slice(0, 13)]]);
      assert.equal(figures.find((f) => f.net === 'DE/64499').first, null, 'the baseline is never blocked');
      if (name === 'phone') await noHorizontalScroll(page);
      await page.locator('.overview').screenshot({ path: `${SCREENSHOTS}explorer-overview-${lang}-${name}.png` });
      await page.locator('.over-time').screenshot({ path: `${SCREENSHOTS}explorer-series-${lang}-${name}.png` });

      // The address range: cdn2.test in AS64497 only, through the network picker.
      await page.selectOption('#series-site', 'https://cdn2.test/');
      await page.selectOption('#series-network', 'RU/64497');
      await page.waitForSelector('figure.series[data-url="https://cdn2.test/"][data-asn="64497"]');
      assert.equal(await page.locator('figure.series').count(), 1);
      const cdn = await page.locator('figure.series').evaluate((f) => ({
        waves: Array.from(f.querySelectorAll('.mark.wave')).map((w) => [w.dataset.kind, w.dataset.hour]),
        marks: f.querySelector('.marks').innerText,
      }));
      assert.deepEqual(cdn.waves, [['address_range', waveSince(hourly, 64497, 'https://cdn2.test/', 'address_range').slice(0, 13)]]);
      assert.match(cdn.marks, /203\.0\.113\.0\/24/);
      if (name === 'phone') await noHorizontalScroll(page);
      await page.locator('.over-time').screenshot({ path: `${SCREENSHOTS}explorer-range-${lang}-${name}.png` });
      await page.selectOption('#series-network', '');
    }
  }
  await page.close();
});

test('a campaign page has the same views, scoped to the campaign', async () => {
  const id = seeded.campaign;
  assert.match(id, /^[0-9a-f]{16}$/);
  const all = await get(`window=all&campaign=${id}`);
  const hourly = await get(`window=hour&campaign=${id}`);
  const sites = [...new Set(all.cells.map((c) => c.url))].sort();
  assert.deepEqual(sites, ['https://cdn1.test/', 'https://cdn2.test/', 'https://cdn3.test/', 'https://nxdomain.test/']);
  const page = await chrome.context.newPage();
  for (const lang of ['en', 'ru']) {
    for (const [name, size] of SIZES) {
      await page.setViewportSize(size);
      await page.goto(`${SITE}/?lang=${lang}&campaign=${id}#/explorer`);
      await page.waitForSelector('#campaign-title');
      await page.waitForSelector('figure.series svg .sbar');
      assert.deepEqual((await page.locator('.site-bars li').evaluateAll((l) => l.map((li) => li.dataset.url))).sort(), sites);
      const picked = await page.locator('#series-site').inputValue();
      const want = expectedSeries(hourly, picked);
      const bars = await page.locator('figure.series').evaluateAll((fs) => fs.map((f) => [`${f.dataset.country}/${f.dataset.asn}`, f.querySelectorAll('rect.sbar').length]));
      assert.deepEqual(Object.fromEntries(bars), Object.fromEntries([...want].map(([k, v]) => [k, v.bars])));
      if (name === 'phone') await noHorizontalScroll(page);
      await page.screenshot({ path: `${SCREENSHOTS}explorer-campaign-${lang}-${name}.png` });
      await page.locator('.over-time').screenshot({ path: `${SCREENSHOTS}explorer-campaign-series-${lang}-${name}.png` });
    }
  }
  await page.close();
});

const firefox = existsSync(FIREFOX) && existsSync(GECKODRIVER);
test('Firefox: the explorer draws the same charts', { skip: !firefox && 'no firefox-esr/geckodriver' }, async () => {
  const hourly = await get('window=hour');
  const ff = await launchFirefox(labDomains());
  try {
    await ff.setSize(360, 900);
    await ff.goto(`${SITE}/?lang=ru#/explorer`);
    await ff.waitFor(() => document.querySelector('figure.series svg .sbar'));
    const picked = await ff.run(() => document.querySelector('#series-site').value);
    const bars = await ff.run(() => Array.from(document.querySelectorAll('figure.series'))
      .map((f) => [`${f.dataset.country}/${f.dataset.asn}`, f.querySelectorAll('rect.sbar').length]));
    const want = expectedSeries(hourly, picked);
    assert.deepEqual(Object.fromEntries(bars), Object.fromEntries([...want].map(([k, v]) => [k, v.bars])));
    const wide = await ff.run(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(wide <= 0, `${wide}px too wide`);
    await ff.run(() => document.querySelector('.over-time').scrollIntoView());
    await ff.screenshot(`${SCREENSHOTS}firefox-explorer-ru-phone.png`);
  } finally {
    await ff.close();
  }
});
