// Collector load: >=32 concurrent clients posting realistic 50-result reports for >=10 s to
// wrangler dev (workerd + local D1), then the same load (same POSTs) against /v1/ping, which
// answers 204 and does nothing: the runtime's own ceiling here. `stored` is counted from D1.
import { writeFileSync, mkdirSync, mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { d1Rows, hourNow } from '../e2e/helpers.mjs';

const COLLECTOR = process.env.AJAR_COLLECTOR;
const CLIENTS = Number(process.env.AJAR_BENCH_CLIENTS || 32);
const SECONDS = Number(process.env.AJAR_BENCH_SECONDS || 10);
const hour = hourNow();
const verdicts = ['ok', 'ok', 'ok', 'dns', 'blackhole', 'reset', 'blockpage', 'throttled', 'down'];

// The load comes from `ajar-lab load` (native threads, one keep-alive connection per client):
// a node client took a fifth of a core from the two that workerd has, and its GC pauses
// landed in the latencies. Every request gets a fresh report id in place of @ID@.
const TEMPLATE = JSON.stringify({
    schema: 'ajar.report/1', id: '@ID@', created_hour: hour, software: 'ajar/0.1.0',
    browser: 'chromium', list: 'ru',
    results: Array.from({ length: 50 }, (_, i) => ({
      url: `https://site${i}.example.org/`, category: 'NEWS', verdict: verdicts[i % verdicts.length], confidence: 0.93,
      clues: [{ clue: 'failed_fast', ms: 7 }, { clue: 'doh_resolves' }, { clue: 'not_resolved_locally' }],
      probes: [{ probe: 'fetch', outcome: 'error', ms: 7 }, { probe: 'doh', outcome: 'addresses' }],
      prefixes: [`203.0.${i}.0/24`],
    })),
    patterns: [],
  });
const bodyFile = join(mkdtempSync(join(tmpdir(), 'ajar-load-')), 'report.json');
writeFileSync(bodyFile, TEMPLATE);

// `rate`: open loop, that many requests per second over all clients, evenly paced;
// without it each client sends as soon as its answer is in (closed loop: the capacity).
function load(path, rate) {
  const args = ['load', '--url', `${COLLECTOR}${path}`, '--body', bodyFile, '--clients', String(CLIENTS), '--seconds', String(SECONDS)];
  if (rate) args.push('--rate', String(rate));
  return JSON.parse(execFileSync(process.env.AJAR_LAB_BIN, args).toString());
}

const ingest = load('/v1/reports');
// The same load (the same POSTs, bodies and all) against a route that only answers 204.
const noop = load('/v1/ping');
// Latency at bounded loads (open loop, evenly paced over the clients): a quarter and half of
// the measured ingest capacity, each beside the runtime's own tail at that same load.
const at = (share) => {
  const rate = Math.max(1, Math.round(ingest.rps * share));
  const r = load('/v1/reports', rate);
  const n = load('/v1/ping', rate);
  return { target_rps: rate, rps: r.rps, p50_ms: r.p50_ms, p99_ms: r.p99_ms, max_ms: r.max_ms, errors: r.errors,
    accepted: r.accepted, noop_p50_ms: n.p50_ms, noop_p99_ms: n.p99_ms };
};
const quarter = at(0.25);
const bounded = at(0.5);
// Reports wait with their results in one row; the minute cron expands them into
// `results_expanded` in bulk (reads never write: they see pending results through the
// `results` view). Timed: that is the deferred part of storing.
const t0 = performance.now();
const first = await fetch(`${COLLECTOR}/__scheduled?cron=*+*+*+*+*`);
await first.arrayBuffer();
const expandMs = Math.round(performance.now() - t0);
const [counts] = d1Rows('SELECT (SELECT COUNT(*) FROM reports) AS reports, (SELECT COUNT(*) FROM results_expanded) AS results, (SELECT COUNT(*) FROM reports WHERE pending IS NOT NULL) AS pending');
const stored = counts.reports - bounded.accepted - quarter.accepted;
const out = { seconds: ingest.seconds, clients: CLIENTS, requests: ingest.requests, accepted: ingest.accepted, rps: ingest.rps,
  p50_ms: ingest.p50_ms, p99_ms: ingest.p99_ms, errors: ingest.errors, server_errors: ingest.fivexx, stored,
  noop_rps: noop.rps, noop_p99_ms: noop.p99_ms, ingest_to_noop: Math.round(ingest.rps / noop.rps * 1000) / 1000,
  bounded, bounded_quarter: quarter,
  expansion: { cron_ms: expandMs, status: first.status, result_rows: counts.results, expected_rows: counts.reports * 50, pending_after: counts.pending },
  // The outside view's cost, measured by control.mjs just before (bench-run.sh).
  control: existsSync('target/bench/control.json') ? JSON.parse(readFileSync('target/bench/control.json', 'utf8')) : null };
mkdirSync('target/bench', { recursive: true });
writeFileSync('target/bench/collector.json', JSON.stringify(out));
console.log(JSON.stringify(out));
