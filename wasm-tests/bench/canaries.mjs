// Canary benchmark, in the lab behind its SNI-keyed DPI box (real TLS in Chromium):
// - attribution: full canary checks run several times; the share of canary failures whose
//   verdict and phase match the lab's ground truth (canary_attribution_accuracy);
// - the SNI throttle: twimg.com under 128 kbit/s against example.org (untouched) and the
//   innocuous name, many times: how often the throttle is detected and attributed to SNI,
//   and how often a name the DPI box leaves alone is wrongly blamed.
// Adds its figures to target/bench/accuracy.json (run after accuracy.mjs).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { launch } from '../e2e/browser.mjs';
import { LAB, appUrl, labJson } from '../e2e/helpers.mjs';

const FULL_RUNS = Number(process.env.AJAR_CANARY_FULL_RUNS || 5);
const THROTTLE_RUNS = Number(process.env.AJAR_CANARY_THROTTLE_RUNS || 40);
const labArgs = JSON.parse(process.env.AJAR_LAB_ARGS || '[]');
const rules = execFileSync(process.env.AJAR_LAB_BIN, ['rules', ...labArgs]).toString().trim();
const chrome = await launch(rules);
const page = await chrome.context.newPage();
await page.goto(`${LAB}/controls.json`);
const truth = await labJson(page, '/canary-truth.json');
const okHost = (await labJson(page, '/truth.json')).find((t) => t.technique === 'ok').url.split('/')[2].split(':')[0];

// Each run in a fresh browser context: its own connections, as a visitor's one run has.
async function canaryRun(only) {
  const config = `${LAB}/canary.json${only ? `?only=${only}` : ''}`;
  const context = await chrome.browser.newContext();
  const p = await context.newPage();
  await p.goto(appUrl(`${LAB}/list.json?hosts=${okHost}`, { canaries: config, outside: `${LAB}/outside` }));
  await p.waitForFunction(() => window.ajar?.canaries?.done, null, { timeout: 120000 });
  const results = await p.evaluate(() => window.ajar.canaries.results);
  await context.close();
  return results;
}

const t0 = Date.now();
let failures = 0, named = 0, checks = 0, checksRight = 0;
const misses = [];
for (let i = 0; i < FULL_RUNS; i++) {
  const results = await canaryRun();
  for (const t of truth) {
    const r = results.find((x) => x.kind === t.kind && x.name === t.name);
    const right = r && r.verdict === t.verdict && (r.phase ?? null) === t.phase;
    checks++; if (right) checksRight++;
    if (t.verdict !== 'ok') { failures++; if (right) named++; else misses.push({ expected: t, got: r }); }
  }
}
const fullSeconds = (Date.now() - t0) / 1000;

let detected = 0, falseInnocuous = 0, falseUntouched = 0;
const ratios = [];
const t1 = Date.now();
for (let i = 0; i < THROTTLE_RUNS; i++) {
  const results = await canaryRun('twimg.com,example.org');
  const by = (name) => results.find((r) => r.name === name);
  const tw = by('twimg.com');
  if (tw?.verdict === 'throttled' && tw.phase === 'transfer') detected++;
  if (tw?.ratio) ratios.push(tw.ratio);
  if (by('innocuous')?.verdict !== 'ok') falseInnocuous++;
  if (by('example.org')?.verdict !== 'ok') falseUntouched++;
}
const throttleSeconds = (Date.now() - t1) / 1000;
await chrome.close();

const round = (x) => Math.round(x * 10000) / 10000;
ratios.sort((a, b) => a - b);
const canary = {
  full_runs: FULL_RUNS, checks_per_run: truth.length, seconds: round(fullSeconds),
  failures, named_correctly: named, exact_share_all_checks: round(checksRight / checks), misses: misses.slice(0, 5),
  sni_throttle: {
    runs: THROTTLE_RUNS, rate_kbit_s: 128, seconds: round(throttleSeconds),
    detected_and_attributed: detected, detection_rate: round(detected / THROTTLE_RUNS),
    false_attributions_innocuous: falseInnocuous, false_attributions_untouched_trigger: falseUntouched,
    ratio_min: Math.round(ratios[0]), ratio_median: Math.round(ratios[Math.floor(ratios.length / 2)]),
  },
};
mkdirSync('target/bench', { recursive: true });
let acc = {};
try { acc = JSON.parse(readFileSync('target/bench/accuracy.json', 'utf8')); } catch { /* run alone */ }
acc.canary_attribution_accuracy = round(named / failures);
acc.canary = canary;
writeFileSync('target/bench/accuracy.json', JSON.stringify(acc, null, 1));
console.log(JSON.stringify({ canary_attribution_accuracy: acc.canary_attribution_accuracy, ...canary, misses: misses.length }));
