// Accuracy benchmark: a seeded random lab scenario mixing every technique, run through the
// whole engine in headless Chromium with the product's default timeouts. Scores verdicts
// against the lab's ground truth (docs/verdicts.md has the mapping), beside the naive rule
// OONI Probe Web scores with (any fetch error = anomaly). Writes target/bench/accuracy.json.
import { writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { launch, waitDone } from '../e2e/browser.mjs';
import { LAB, appUrl, labJson } from '../e2e/helpers.mjs';

const labArgs = JSON.parse(process.env.AJAR_LAB_ARGS);
const rules = execFileSync(process.env.AJAR_LAB_BIN, ['rules', ...labArgs]).toString().trim();
const chrome = await launch(rules);
const page = await chrome.context.newPage();
const t0 = Date.now();
await page.goto(appUrl(`${LAB}/list.json`, { timeout: '8000', ice_timeout: '6000', resolve_timeout: '2000', concurrency: '16', outside: `${LAB}/outside` }));
const run = await waitDone(page, 600000);
const seconds = (Date.now() - t0) / 1000;
const truth = await labJson(page, '/truth.json');
await chrome.close();

const blocked = (v) => !['ok', 'down', 'inconclusive'].includes(v);
const failedFirst = (ev) => ['failed_fast', 'timed_out', 'socket_failed', 'ice_failed'].includes(ev[0]?.clue);
let right = 0, naiveBinaryRight = 0, ajarBinaryRight = 0, reachable = 0, fp = 0, naiveFp = 0, downFlaggedNaive = 0, downFlagged = 0, downs = 0;
let confident = 0, confidentRight = 0;
const confusion = {};
const perTechnique = {};
for (const t of truth) {
  const r = run.results.find((x) => x.url === t.url);
  const got = r ? r.verdict : 'missing';
  const naive = r && failedFirst(r.evidence) ? 'anomaly' : 'ok';
  confusion[t.expected] ??= {};
  confusion[t.expected][got] = (confusion[t.expected][got] || 0) + 1;
  const pt = (perTechnique[t.technique] ??= { targets: 0, right: 0 });
  pt.targets++;
  if (got === t.expected) { right++; pt.right++; }
  if (blocked(got) === blocked(t.expected)) ajarBinaryRight++;
  if ((naive === 'anomaly') === blocked(t.expected)) naiveBinaryRight++;
  if (t.expected === 'ok') { reachable++; if (blocked(got)) fp++; if (naive === 'anomaly') naiveFp++; }
  if (t.expected === 'down') { downs++; if (blocked(got)) downFlagged++; if (naive === 'anomaly') downFlaggedNaive++; }
  if (r && r.confidence >= 0.9) { confident++; if (got === t.expected) confidentRight++; }
}
const n = truth.length;
const round = (x) => Math.round(x * 10000) / 10000;
const out = {
  targets: n, seed: labArgs, seconds: round(seconds),
  accuracy: round(right / n),
  false_positive_rate: round(fp / reachable),
  binary_accuracy: round(ajarBinaryRight / n),
  down_called_blocked: round(downFlagged / downs),
  calibration: { confidence_at_least_0_9: confident, right_share: round(confidentRight / confident) },
  naive: {
    rule: 'any fetch/socket/STUN error = anomaly (OONI Probe Web)',
    binary_accuracy: round(naiveBinaryRight / n),
    false_positive_rate: round(naiveFp / reachable),
    down_called_blocked: round(downFlaggedNaive / downs),
    exact_accuracy: 'n/a: it names no technique',
  },
  per_technique: perTechnique,
  confusion,
};
mkdirSync('target/bench', { recursive: true });
writeFileSync('target/bench/accuracy.json', JSON.stringify(out, null, 1));
console.log(JSON.stringify({ ...out, confusion: undefined, per_technique: undefined }));
