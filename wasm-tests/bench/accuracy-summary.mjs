// Merges the seeds' accuracy-<seed>.json into target/bench/accuracy.json: per seed and overall
// (targets pooled), for each mode; the canary figures (canaries.mjs) are kept if present.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';

const dir = 'target/bench';
const seeds = readdirSync(dir).filter((f) => /^accuracy-\d+\.json$/.test(f)).map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')));
const round = (x) => Math.round(x * 10000) / 10000;

function pooled(mode) {
  const runs = seeds.map((s) => s[mode]).filter((r) => r && !r.skipped);
  if (runs.length === 0) return { skipped: seeds[0]?.[mode]?.skipped || 'not run' };
  const sum = (f) => runs.reduce((a, r) => a + f(r), 0);
  const targets = sum((r) => r.targets);
  const confusion = {};
  for (const r of runs) {
    for (const [exp, row] of Object.entries(r.confusion)) {
      for (const [got, n] of Object.entries(row)) {
        confusion[exp] ??= {};
        confusion[exp][got] = (confusion[exp][got] || 0) + n;
      }
    }
  }
  const right = Object.entries(confusion).reduce((a, [exp, row]) => a + (row[exp] || 0), 0);
  const blocked = (v) => !['ok', 'down', 'inconclusive'].includes(v);
  let reachable = 0, fp = 0, downs = 0, downBlocked = 0;
  for (const [exp, row] of Object.entries(confusion)) {
    for (const [got, n] of Object.entries(row)) {
      if (!blocked(exp) && exp !== 'down') { reachable += n; if (blocked(got)) fp += n; }
      if (exp === 'down') { downs += n; if (blocked(got)) downBlocked += n; }
    }
  }
  const recall = (v) => {
    const row = confusion[v] || {};
    const n = Object.values(row).reduce((a, x) => a + x, 0);
    return { targets: n, recall: n ? round((row[v] || 0) / n) : null };
  };
  return {
    seeds: seeds.map((s) => s.seed), targets,
    accuracy: round(right / targets),
    recall: { blockpage: recall('blockpage'), throttled: recall('throttled') },
    false_positive_rate: round(fp / Math.max(reachable, 1)),
    down_called_blocked: round(downBlocked / Math.max(downs, 1)),
    per_seed: seeds.filter((s) => s[mode] && !s[mode].skipped).map((s) => ({ seed: s.seed, accuracy: s[mode].accuracy,
      false_positive_rate: s[mode].false_positive_rate, down_called_blocked: s[mode].down_called_blocked, recall: s[mode].recall, seconds: s[mode].seconds })),
    confusion,
  };
}

const previous = existsSync(`${dir}/accuracy.json`) ? JSON.parse(readFileSync(`${dir}/accuracy.json`, 'utf8')) : {};
const out = {
  production: { browser: 'chromium', ...pooled('production') },
  with_hints: { browser: 'chromium', note: 'lab-only hints: images per target, the outside oracle, the lab DoH; not what a visitor gets', ...pooled('with_hints') },
  firefox_production: { note: 'scored against what Firefox can do in the lab (no WebRTC there)', ...pooled('firefox_production') },
  // canaries.mjs adds its figures afterwards; kept if this runs again.
  ...(previous.canary ? { canary: previous.canary, canary_attribution_accuracy: previous.canary_attribution_accuracy } : {}),
};
writeFileSync(`${dir}/accuracy.json`, JSON.stringify(out, null, 1));
const brief = (m) => ({ accuracy: m.accuracy, false_positive_rate: m.false_positive_rate, down_called_blocked: m.down_called_blocked,
  recall_blockpage: m.recall?.blockpage.recall, recall_throttled: m.recall?.throttled.recall });
console.log(JSON.stringify({ production: brief(out.production), with_hints: brief(out.with_hints), firefox_production: brief(out.firefox_production) }));
