// Accuracy benchmark, one seeded random lab scenario mixing every technique, run through the
// whole engine in headless Chromium twice:
// - `production`: ajar as it ships. An https page, a Citizen Lab CSV list (no images), no URL
//   parameter but the list, consent clicked, the default outside view (the collector's
//   /v1/control reaching the lab from outside), the default timeouts, DoH resolvers and
//   concurrency (the public resolvers, unreachable in the lab, as DoH often is where it is
//   blocked).
// - `with_hints`: the lab's hints, labelled so: a JSON list with a known image per target, the
//   lab's outside oracle, its DoH resolver, 16 in flight.
// - `firefox_production`: the production run in Firefox ESR, scored against what Firefox can
//   do in the lab (truth.json?browser=firefox: no WebRTC in the lab's namespace).
// Scores verdicts against the lab's ground truth for each mode (docs/verdicts.md has the
// table), beside the naive rule OONI Probe Web scores with (any fetch error = anomaly).
// Writes target/bench/accuracy-<seed>.json; accuracy-summary.mjs merges the seeds.
import { writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { launch, waitDone } from '../e2e/browser.mjs';
import { APP, LAB, LAB_DOH, appUrl, labJson } from '../e2e/helpers.mjs';
import { FIREFOX, GECKODRIVER, launchFirefox, labDomains } from '../e2e/firefox.mjs';
import { existsSync } from 'node:fs';

const labArgs = JSON.parse(process.env.AJAR_LAB_ARGS);
const seed = labArgs[labArgs.indexOf('--seed') + 1];
const rules = execFileSync(process.env.AJAR_LAB_BIN, ['rules', ...labArgs]).toString().trim();

const blocked = (v) => !['ok', 'down', 'inconclusive'].includes(v);
const round = (x) => Math.round(x * 10000) / 10000;

/** Of the targets whose honest verdict is a block page / throttling, the share called so. */
export function recall(confusion) {
  const of = (v) => {
    const row = confusion[v] || {};
    const n = Object.values(row).reduce((a, x) => a + x, 0);
    return { targets: n, recall: n ? round((row[v] || 0) / n) : null };
  };
  return { blockpage: of('blockpage'), throttled: of('throttled') };
}

/** Scores one run against the truth. */
export function score(results, truth) {
  const failedFirst = (ev) => ['failed_fast', 'timed_out', 'socket_failed', 'ice_failed'].includes(ev[0]?.clue);
  let right = 0, naiveBinaryRight = 0, ajarBinaryRight = 0, reachable = 0, fp = 0, naiveFp = 0, downFlaggedNaive = 0, downFlagged = 0, downs = 0;
  let confident = 0, confidentRight = 0;
  const confusion = {};
  const perTechnique = {};
  const wrong = [];
  for (const t of truth) {
    const r = results.find((x) => x.url === t.url);
    const got = r ? r.verdict : 'missing';
    const naive = r && failedFirst(r.evidence) ? 'anomaly' : 'ok';
    confusion[t.expected] ??= {};
    confusion[t.expected][got] = (confusion[t.expected][got] || 0) + 1;
    const key = `${t.technique}${t.https ? '/https' : ''}`;
    const pt = (perTechnique[key] ??= { targets: 0, right: 0 });
    pt.targets++;
    if (got === t.expected) { right++; pt.right++; } else wrong.push({ url: t.url, technique: t.technique, expected: t.expected, got, evidence: r?.evidence });
    if (blocked(got) === blocked(t.expected)) ajarBinaryRight++;
    if ((naive === 'anomaly') === blocked(t.expected)) naiveBinaryRight++;
    if (!blocked(t.expected) && t.expected !== 'down') { reachable++; if (blocked(got)) fp++; if (naive === 'anomaly') naiveFp++; }
    if (t.expected === 'down') { downs++; if (blocked(got)) downFlagged++; if (naive === 'anomaly') downFlaggedNaive++; }
    if (r && r.confidence >= 0.9) { confident++; if (got === t.expected) confidentRight++; }
  }
  const n = truth.length;
  return {
    targets: n,
    accuracy: round(right / n),
    recall: recall(confusion),
    false_positive_rate: round(fp / Math.max(reachable, 1)),
    binary_accuracy: round(ajarBinaryRight / n),
    down_called_blocked: round(downFlagged / Math.max(downs, 1)),
    calibration: { confidence_at_least_0_9: confident, right_share: round(confidentRight / Math.max(confident, 1)) },
    naive: {
      rule: 'any fetch/socket/STUN error = anomaly (OONI Probe Web)',
      binary_accuracy: round(naiveBinaryRight / n),
      false_positive_rate: round(naiveFp / Math.max(reachable, 1)),
      down_called_blocked: round(downFlaggedNaive / Math.max(downs, 1)),
    },
    per_technique: perTechnique,
    confusion,
    wrong: wrong.slice(0, 40),
  };
}

async function production(chrome) {
  const page = await chrome.context.newPage();
  const t0 = Date.now();
  await page.goto(`${APP}/?${new URLSearchParams({ list: `${LAB}/list.csv` })}`);
  await page.check('#consent');
  await page.click('#start');
  const run = await waitDone(page, 900000);
  const seconds = (Date.now() - t0) / 1000;
  const truth = await labJson(page, '/truth.json?page=https&images=0');
  await page.close();
  return { browser: 'chromium', seconds: round(seconds), ...score(run.results, truth) };
}

async function withHints(chrome) {
  const page = await chrome.context.newPage();
  const t0 = Date.now();
  await page.goto(appUrl(`${LAB}/list.json`, {
    timeout: '8000', ice_timeout: '6000', resolve_timeout: '2000', concurrency: '16', outside: `${LAB}/outside`, doh: LAB_DOH,
  }));
  const run = await waitDone(page, 900000);
  const seconds = (Date.now() - t0) / 1000;
  const truth = await labJson(page, '/truth.json?page=https&images=1');
  await page.close();
  return {
    hints: 'JSON list with a known image per target, the lab outside oracle, the lab DoH, 16 in flight',
    browser: 'chromium', seconds: round(seconds), ...score(run.results, truth),
  };
}

/** The production run in Firefox ESR, scored against what Firefox can do in the lab. */
async function firefoxProduction() {
  if (!existsSync(FIREFOX) || !existsSync(GECKODRIVER)) return { skipped: 'no firefox-esr or geckodriver' };
  const ff = await launchFirefox(labDomains(labArgs));
  try {
    const t0 = Date.now();
    await ff.goto(`${APP}/?${new URLSearchParams({ list: `${LAB}/list.csv` })}`);
    await ff.waitFor(() => document.querySelector('#consent'));
    await ff.run(() => document.querySelector('#consent').click());
    await ff.waitFor(() => !document.querySelector('#start').disabled);
    await ff.run(() => document.querySelector('#start').click());
    const run = await ff.waitFor(() => window.ajar && window.ajar.done === true && window.ajar, 900000);
    const seconds = (Date.now() - t0) / 1000;
    const truth = await ff.run(async (u) => (await fetch(u)).json(), `${LAB}/truth.json?page=https&images=0&browser=firefox`);
    return { browser: `firefox ${ff.version}`, seconds: round(seconds), ...score(run.results, truth) };
  } finally {
    await ff.close();
  }
}

const chrome = await launch(rules);
const out = { seed: Number(seed), lab_args: labArgs, production: await production(chrome), with_hints: await withHints(chrome) };
await chrome.close();
out.firefox_production = await firefoxProduction();
mkdirSync('target/bench', { recursive: true });
writeFileSync(`target/bench/accuracy-${seed}.json`, JSON.stringify(out, null, 1));
const brief = (m) => ({ accuracy: m.accuracy, false_positive_rate: m.false_positive_rate, down_called_blocked: m.down_called_blocked,
  recall_blockpage: m.recall?.blockpage.recall, recall_throttled: m.recall?.throttled.recall, seconds: m.seconds });
console.log(JSON.stringify({ seed: out.seed, production: brief(out.production), with_hints: brief(out.with_hints),
  firefox_production: out.firefox_production.skipped ? out.firefox_production : brief(out.firefox_production) }));
