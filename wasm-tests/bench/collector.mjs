// Collector load: >=32 concurrent clients posting realistic 50-result reports for >=10 s to
// wrangler dev (workerd + local D1), then the same load (same POSTs) against /v1/ping, which
// answers 204 and does nothing: the runtime's own ceiling here. `stored` is counted from D1.
import { writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { d1Rows, hourNow } from '../e2e/helpers.mjs';

const COLLECTOR = process.env.AJAR_COLLECTOR;
const CLIENTS = Number(process.env.AJAR_BENCH_CLIENTS || 32);
const SECONDS = Number(process.env.AJAR_BENCH_SECONDS || 10);
const hour = hourNow();
const verdicts = ['ok', 'ok', 'ok', 'dns', 'blackhole', 'reset', 'blockpage', 'throttled', 'down'];

// Built once; each request only swaps in a fresh id, so the load generator's own CPU
// (it shares the machine's two cores with workerd) stays small.
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
const report = () => TEMPLATE.replace('@ID@', randomBytes(16).toString('hex'));

// `perClientRps`: open-loop pacing (each client starts a request every 1/rate s);
// without it each client sends as fast as answers come (closed loop: the capacity).
async function load(method, path, body, perClientRps) {
  const latencies = [];
  let requests = 0, accepted = 0, errors = 0, fivexx = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    let next = performance.now() + (perClientRps ? Math.random() * 1000 / perClientRps : 0);
    while (performance.now() < end) {
      if (perClientRps) {
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
        next += 1000 / perClientRps;
      }
      const t = performance.now();
      try {
        const res = await fetch(`${COLLECTOR}${path}`, { method, body: body?.(),
          headers: { 'content-type': 'application/json', 'cf-connecting-ip': `10.0.${c >> 8}.${c & 255}` } });
        await res.arrayBuffer();
        requests++;
        if (res.status === 201 || res.status === 204) accepted++;
        else { errors++; if (res.status >= 500) fivexx++; }
      } catch { requests++; errors++; }
      latencies.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 100) / 100;
  return { seconds: Math.round(seconds * 100) / 100, requests, accepted, errors, fivexx, rps: Math.round(requests / seconds * 10) / 10, p50_ms: q(0.5), p99_ms: q(0.99) };
}

const ingest = await load('POST', '/v1/reports', report);
// The same load (the same POSTs, bodies and all) against a route that only answers 204.
const noop = await load('POST', '/v1/ping', report);
// Latency at a bounded load: half of the measured ingest capacity, spread over the clients.
const boundedRate = Math.max(1, Math.round(ingest.rps / 2));
const bounded = await load('POST', '/v1/reports', report, boundedRate / CLIENTS);
// And the runtime's own tail at that same bounded load.
const boundedNoop = await load('POST', '/v1/ping', report, boundedRate / CLIENTS);
// Reports wait with their results in one row; the first read expands them into `results`
// in bulk (as the minute cron does). Timed: that is the deferred part of storing.
const t0 = performance.now();
const first = await fetch(`${COLLECTOR}/v1/export?format=jsonl&limit=1`);
await first.arrayBuffer();
const expandMs = Math.round(performance.now() - t0);
const [counts] = d1Rows('SELECT (SELECT COUNT(*) FROM reports) AS reports, (SELECT COUNT(*) FROM results) AS results, (SELECT COUNT(*) FROM reports WHERE pending IS NOT NULL) AS pending');
const stored = counts.reports - bounded.accepted;
const out = { seconds: ingest.seconds, clients: CLIENTS, requests: ingest.requests, accepted: ingest.accepted, rps: ingest.rps,
  p50_ms: ingest.p50_ms, p99_ms: ingest.p99_ms, errors: ingest.errors, server_errors: ingest.fivexx, stored,
  noop_rps: noop.rps, noop_p99_ms: noop.p99_ms, ingest_to_noop: Math.round(ingest.rps / noop.rps * 1000) / 1000,
  bounded: { target_rps: boundedRate, rps: bounded.rps, p50_ms: bounded.p50_ms, p99_ms: bounded.p99_ms, errors: bounded.errors,
    noop_p50_ms: boundedNoop.p50_ms, noop_p99_ms: boundedNoop.p99_ms },
  expansion: { first_read_ms: expandMs, status: first.status, result_rows: counts.results, expected_rows: counts.reports * 50, pending_after: counts.pending } };
mkdirSync('target/bench', { recursive: true });
writeFileSync('target/bench/collector.json', JSON.stringify(out));
console.log(JSON.stringify(out));
