// App benchmark: the wasm's size (raw and gzip) and the time from opening the page to the
// first verdict on screen, in headless Chromium against the lab (median of 7 page loads).
// Writes target/bench/app.json.
import { writeFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { launch } from '../e2e/browser.mjs';
import { LAB, appUrl } from '../e2e/helpers.mjs';

const dist = new URL('../../dist/', import.meta.url).pathname;
const wasm = readFileSync(dist + readdirSync(dist).find((f) => f.endsWith('_bg.wasm')));
const rules = execFileSync(process.env.AJAR_LAB_BIN, ['rules']).toString().trim();
const chrome = await launch(rules);
// Stamp the moment the first verdict appears, from the page's own clock (0 = navigation start).
await chrome.context.addInitScript(() => {
  new MutationObserver((_, obs) => {
    if (document.querySelector('tr[data-verdict]')) {
      window.__firstVerdict = performance.now();
      obs.disconnect();
    }
  }).observe(document, { subtree: true, childList: true, attributes: true });
});
const times = [];
for (let i = 0; i < 7; i++) {
  const page = await chrome.context.newPage();
  await page.goto(appUrl(`${LAB}/list.json`, { timeout: '8000' }));
  await page.waitForFunction(() => window.__firstVerdict !== undefined, null, { timeout: 30000, polling: 20 });
  times.push(await page.evaluate(() => window.__firstVerdict));
  await page.close();
}
await chrome.close();
times.sort((a, b) => a - b);
const out = {
  wasm_bytes: wasm.length,
  wasm_gzip_bytes: gzipSync(wasm, { level: 9 }).length,
  first_verdict_ms: Math.round(times[Math.floor(times.length / 2)] * 10) / 10,
  first_verdict_runs_ms: times.map((t) => Math.round(t)),
};
mkdirSync('target/bench', { recursive: true });
writeFileSync('target/bench/app.json', JSON.stringify(out));
console.log(JSON.stringify(out));
