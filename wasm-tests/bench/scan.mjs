// Scan benchmark: 1,000 lab targets, 50 ms round trip on every connection, 10% blackholed,
// at the product's default settings (timeouts, probes in flight, outside view, DoH): only the
// list is given; timed from opening the page to the last verdict. The app reports the most probes it had in flight; the lab counts requests
// open at its end (an aborted request stays open there until its socket's FIN arrives). Writes target/bench/scan.json.
// With AJAR_SCAN_PROFILE=slow_phone (the lab's link at 300 ms, 1 Mbit/s, 1% loss, 200 targets)
// the same run is added to scan.json under "slow_phone".
import { writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { launch, waitDone } from '../e2e/browser.mjs';
import { APP, LAB, labJson } from '../e2e/helpers.mjs';

const labArgs = JSON.parse(process.env.AJAR_LAB_ARGS);
const rules = execFileSync(process.env.AJAR_LAB_BIN, ['rules', ...labArgs]).toString().trim();
const chrome = await launch(rules);
const page = await chrome.context.newPage();
await page.goto('about:blank');
const t0 = Date.now();
// The CSV list, as real lists are; autorun (the bench's collector allows unattended runs).
await page.goto(`${APP}/?${new URLSearchParams({ list: `${LAB}/list.csv`, autorun: '1', canaries: 'off' })}`);
await labJson(page, '/stats?reset=1');
// Verdicts shown over time (every 2 s): where a slow run spends its time.
const timeline = [];
const poll = setInterval(() => {
  page.evaluate(() => document.querySelectorAll('#results tr[data-verdict]:not([data-verdict=""])').length)
    .then((n) => timeline.push([Math.round((Date.now() - t0) / 100) / 10, n])).catch(() => {});
}, 2000);
const run = await waitDone(page, 600000);
clearInterval(poll);
const seconds = (Date.now() - t0) / 1000;
const stats = await labJson(page, '/stats');
const truth = await labJson(page, '/truth.json?page=https&images=0');
await chrome.close();
const wrong = truth.filter((t) => run.results.find((r) => r.url === t.url)?.verdict !== t.expected).length;
const slowPhone = process.env.AJAR_SCAN_PROFILE === 'slow_phone';
const wrongList = truth.filter((t) => run.results.find((r) => r.url === t.url)?.verdict !== t.expected)
  .map((t) => {
    const got = run.results.find((r) => r.url === t.url);
    return { url: t.url, expected: t.expected, got: got?.verdict, evidence: got?.evidence };
  });
const measured = {
  targets: run.results.length, seconds: Math.round(seconds * 100) / 100, blackholed_share: 0.1, defaults: true,
  max_probes_in_flight: run.max_in_flight, max_requests_open_at_lab: stats.max_in_flight, requests: stats.requests,
  wrong_verdicts: wrong, wrong: wrongList.slice(0, 20), timeline,
};
mkdirSync('target/bench', { recursive: true });
const file = 'target/bench/scan.json';
const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
const out = slowPhone
  ? { ...previous, slow_phone: { ...measured, rtt_ms: 300, rate_kbit: 1000, loss: 0.01 } }
  : { ...measured, rtt_ms: 50, ...(previous.slow_phone ? { slow_phone: previous.slow_phone } : {}) };
writeFileSync(file, JSON.stringify(out));
console.log(JSON.stringify(slowPhone ? out.slow_phone : measured));
