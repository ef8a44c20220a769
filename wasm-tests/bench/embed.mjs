// Embed benchmark: what a partner page pays. Sizes (gzip) of the loader and of everything the
// embed downloads; the longest task from the page's load event on, while the embed loads and measures
// (PerformanceObserver 'longtask'; tasks of the page's own loading are reported apart);
// and the partner page's load-event time with the embed over without (median of 61 each,
// alternated, after two warm-up pairs, the reader having said yes before). Writes target/bench/embed.json.
// Controls: AJAR_EMBED_AA=1 compares the page with itself (a dummy query instead of the embed's);
// AJAR_EMBED_UNIQUE=1 gives every visit its own URL (no visit is a repeat of an earlier one);
// AJAR_BENCH_VERBOSE=1 prints every load time and each long task after the load event.
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
  window.__tasks = [];
  new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__tasks.push([e.startTime, e.duration, JSON.stringify(e.attribution?.map(a => [a.containerType, a.containerSrc, a.containerName, a.name]))])))
    .observe({ type: 'longtask', buffered: true });
});
const withEmbed = process.env.AJAR_EMBED_AA ? 'http://partner.test:8470/?aa=1' : `http://partner.test:8470/?${new URLSearchParams({ collector: COLLECTOR, campaign: created.id })}`;
const without = 'http://partner.test:8470/';
const loadTime = (page) => page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
const times = { with: [], without: [] };
let longest = 0;
let longestBefore = 0;
// Two warm-up pairs (not counted: first visits pay for caches), then 61 alternated pairs
// (single loads range 40-110 ms on a 2-core VM: fewer pairs leave the median ratio +-10% noise).
const RUNS = Number(process.env.AJAR_EMBED_RUNS || 61);
for (let i = -2; i < RUNS; i++) {
  for (const [kind, url] of (i % 2 ? [['with', withEmbed], ['without', without]] : [['without', without], ['with', withEmbed]])) {
    const page = await context.newPage();
    // Let the previous visit's aftermath (the collector storing a report, closing tabs) settle.
    await new Promise((r) => setTimeout(r, 300));
    await page.goto(process.env.AJAR_EMBED_UNIQUE ? `${url}${url.includes('?') ? '&' : '?'}v=${i}` : url, { waitUntil: 'load' });
    await page.waitForFunction(() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0);
    if (i >= 0) times[kind].push(await loadTime(page));
    if (kind === 'with') {
      if (!process.env.AJAR_EMBED_AA) await page.waitForFunction(() => window.ajarEmbed && ['done', 'error'].includes(window.ajarEmbed.state), null, { timeout: 60000 });
      // The embed starts after the load event: tasks from then on are its (and the page's
      // clock tick's); those before are the page's own loading, counted apart.
      const [after, before] = await page.evaluate(() => {
        const load = performance.getEntriesByType('navigation')[0].loadEventStart;
        const max = (xs) => xs.reduce((m, [, d]) => Math.max(m, d), 0);
        return [max(window.__tasks.filter(([t]) => t >= load)), max(window.__tasks.filter(([t]) => t < load))];
      });
      longest = Math.max(longest, after);
      if (process.env.AJAR_BENCH_VERBOSE && after > 0) console.log(i, await page.evaluate(() => JSON.stringify([performance.getEntriesByType('navigation')[0].loadEventStart, window.__tasks, performance.getEntriesByType('resource').filter((e) => /embed/.test(e.name)).map((e) => [e.name.split('/').pop(), Math.round(e.startTime), Math.round(e.responseEnd)])])));
      longestBefore = Math.max(longestBefore, before);
    }
    await page.close();
  }
}
await chrome.close();
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const out = {
  loader_gzip_bytes: loader, total_gzip_bytes: total, longest_task_ms: Math.round(longest * 10) / 10,
  longest_task_during_page_load_ms: Math.round(longestBefore * 10) / 10,
  load_event_delay_ratio: Math.round(median(times.with) / median(times.without) * 1000) / 1000,
  load_event_ms: { with: Math.round(median(times.with) * 10) / 10, without: Math.round(median(times.without) * 10) / 10 },
};
mkdirSync('target/bench', { recursive: true });
writeFileSync('target/bench/embed.json', JSON.stringify(out));
console.log(JSON.stringify(out));
if (process.env.AJAR_BENCH_VERBOSE) console.log(JSON.stringify(times));
