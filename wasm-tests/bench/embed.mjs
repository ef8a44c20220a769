// Embed benchmark: what a partner page pays. Sizes (gzip) of the loader and of everything the
// embed downloads; the longest task during a measurement (PerformanceObserver 'longtask');
// and the partner page's load-event time with the embed over without (median of 21 each,
// alternated, after two warm-up pairs, the reader having said yes before). Writes target/bench/embed.json.
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { launch } from '../e2e/browser.mjs';
import { COLLECTOR } from '../e2e/helpers.mjs';

const dist = new URL('../../dist/', import.meta.url).pathname;
const gz = (f) => gzipSync(readFileSync(dist + f), { level: 9 }).length;
const loader = gz('embed.js');
const total = loader + gz('embed/ajar_embed.js') + gz('embed/ajar_embed_bg.wasm');

const hour = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
const created = await (await fetch(`${COLLECTOR}/v1/campaigns`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'bench', targets: [{ url: 'http://ok.test:8470/', category: 'NEWS' },
    { url: 'http://nxdomain.test:8470/', category: 'COMT' }, { url: 'http://reset.test:8470/', category: 'HUMR' }],
    starts_hour: hour(-1), expires_hour: hour(24) }),
})).json();

const rules = execFileSync(process.env.AJAR_LAB_BIN, ['rules']).toString().trim();
const chrome = await launch(rules);
const context = await chrome.browser.newContext();
await context.addInitScript(() => {
  try { localStorage.setItem('ajar.embed.consent', 'yes'); } catch (e) {}
  window.__longest = 0;
  new PerformanceObserver((l) => l.getEntries().forEach((e) => { window.__longest = Math.max(window.__longest, e.duration); }))
    .observe({ type: 'longtask', buffered: true });
});
const withEmbed = `http://partner.test:8470/?${new URLSearchParams({ collector: COLLECTOR, campaign: created.id })}`;
const without = 'http://partner.test:8470/';
const loadTime = (page) => page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
const times = { with: [], without: [] };
let longest = 0;
// Two warm-up pairs (not counted: first visits pay for caches), then 21 alternated pairs.
const RUNS = Number(process.env.AJAR_EMBED_RUNS || 21);
for (let i = -2; i < RUNS; i++) {
  for (const [kind, url] of (i % 2 ? [['with', withEmbed], ['without', without]] : [['without', without], ['with', withEmbed]])) {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0);
    if (i >= 0) times[kind].push(await loadTime(page));
    if (kind === 'with') {
      await page.waitForFunction(() => window.ajarEmbed && ['done', 'error'].includes(window.ajarEmbed.state), null, { timeout: 60000 });
      longest = Math.max(longest, await page.evaluate(() => window.__longest));
    }
    await page.close();
  }
}
await chrome.close();
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const out = {
  loader_gzip_bytes: loader, total_gzip_bytes: total, longest_task_ms: Math.round(longest * 10) / 10,
  load_event_delay_ratio: Math.round(median(times.with) / median(times.without) * 1000) / 1000,
  load_event_ms: { with: Math.round(median(times.with) * 10) / 10, without: Math.round(median(times.without) * 10) / 10 },
};
mkdirSync('target/bench', { recursive: true });
writeFileSync('target/bench/embed.json', JSON.stringify(out));
console.log(JSON.stringify(out));
