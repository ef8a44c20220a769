// No accepted report lost under faults (issue 13, item 8): 32 clients post reports to a
// collector of this suite's own (wrangler dev on workerd, local D1), retrying as the app does
// (a report is kept until the collector answers 200/201), while the collector's writer stalls,
// while the collector is killed mid-batch and restarted, and while it is cut off for 60 s.
// Every report a client was told is stored must be in D1 at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from './helpers.mjs';

const WORKER = new URL('../../worker', import.meta.url).pathname;
const PORT = 8790;
const BASE = `http://127.0.0.1:${PORT}`;
const CLIENTS = 32;
/** How long the collector is cut off (AJAR_CUT_SECONDS; the target is 60). */
const CUT_SECONDS = Number(process.env.AJAR_CUT_SECONDS || 60);
const STATE = mkdtempSync(join(tmpdir(), 'ajar-faults-'));
const ARGS = ['wrangler', 'dev', '--local', '--ip', '127.0.0.1', '--port', String(PORT), '--persist-to', STATE,
  '--show-interactive-dev-session=false', '--var', 'RATE_LIMIT_PER_MIN:100000000'];
// The first test's collector: every fourth D1 write hangs once the database has answered, a
// writer whose answer never comes back (worker/src/coalesce.rs gives it up after 8 s; its
// clients retry). The others run without it.
const STALL = ['--var', 'FAULT_STALL_WRITE_EVERY:4'];

let collector = null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** How long a client keeps retrying one report: well past the cut, short of CI's patience. */
const GIVE_UP_MS = (CUT_SECONDS + 120) * 1000;

async function up() {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${BASE}/v1/whoami`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch { /* not yet */ }
    await sleep(250);
  }
  throw new Error('the collector did not come up');
}

async function start(extra = []) {
  collector = spawn('npx', [...ARGS, ...extra], { cwd: WORKER, detached: true, stdio: 'ignore' });
  await up();
}

/** A signal to the collector's whole process group (wrangler and its workerd). */
function signal(sig) {
  try { process.kill(-collector.pid, sig); } catch { /* gone */ }
}

async function kill() {
  signal('SIGKILL');
  for (let i = 0; i < 80; i++) {
    try { await fetch(`${BASE}/v1/whoami`, { signal: AbortSignal.timeout(200) }); } catch { return; }
    await sleep(100);
  }
}

before(async () => {
  execFileSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', STATE],
    { cwd: WORKER, stdio: 'ignore' });
  await start(STALL);
});
after(() => signal('SIGKILL'));

/** The ids D1 holds (read from the database files, the collector stopped or not). */
function storedIds() {
  for (let attempt = 0; ; attempt++) {
    try {
      const out = execFileSync('npx', ['wrangler', 'd1', 'execute', 'DB', '--local', '--persist-to', STATE, '--json',
        '--command', 'SELECT id FROM reports'], { cwd: WORKER, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28, timeout: 120000 });
      return new Set(JSON.parse(out.toString())[0].results.map((r) => r.id));
    } catch (e) {
      if (attempt >= 10 || !/SQLITE_BUSY|database is locked/.test(`${e.stdout}${e.stderr}`)) throw e;
      execFileSync('sleep', ['0.5']);
    }
  }
}

/**
 * `CLIENTS` clients, each posting fresh reports until `until()` says stop, and each report
 * until the collector answers 200/201 (the app's queue: a report leaves it only then).
 * Returns the ids acknowledged and how the answers went.
 */
async function clients(until) {
  const acknowledged = [];
  const seen = { ok: 0, retried: 0, statuses: {} };
  const one = async (c) => {
    const ip = `198.18.7.${c + 1}`;
    while (!until()) {
      const r = report();
      const body = JSON.stringify(r);
      const asked = Date.now();
      for (let attempt = 0; ; attempt++) {
        let status = 'network';
        try {
          const res = await fetch(`${BASE}/v1/reports`, { method: 'POST', body, signal: AbortSignal.timeout(20000),
            headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip } });
          status = res.status;
          await res.arrayBuffer();
        } catch { /* unreachable: retry */ }
        seen.statuses[status] = (seen.statuses[status] || 0) + 1;
        if (status === 200 || status === 201) { acknowledged.push(r.id); seen.ok++; break; }
        assert.ok(status === 'network' || status >= 500 || status === 429, `a valid report refused: ${status}`);
        // A collector that never takes reports again fails the test here rather than
        // leaving it (and CI) waiting.
        assert.ok(Date.now() - asked < GIVE_UP_MS, `a report still not accepted after ${GIVE_UP_MS / 1000} s (answers ${JSON.stringify(seen.statuses)})`);
        seen.retried++;
        await sleep(Math.min(5000, 250 * 2 ** attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => one(c)));
  return { acknowledged, ...seen };
}

function assertNoneLost(acknowledged, what) {
  const stored = storedIds();
  const lost = acknowledged.filter((id) => !stored.has(id));
  assert.equal(lost.length, 0, `${what}: ${lost.length} of ${acknowledged.length} accepted reports are not in D1`);
}

test('a writer that stalls mid-batch loses nothing: its reports are answered 503 and retried', async (t) => {
  const end = Date.now() + 12000;
  const run = await clients(() => Date.now() > end);
  t.diagnostic(`${run.acknowledged.length} accepted, answers ${JSON.stringify(run.statuses)}`);
  assert.ok(run.acknowledged.length >= CLIENTS, 'the load ran');
  assert.ok((run.statuses[503] || 0) > 0, 'stalled writes were given up (503) rather than waited for forever');
  assertNoneLost(run.acknowledged, 'stalled writer');
});

test('the collector killed mid-batch during a 32-client run and restarted loses nothing', async (t) => {
  await kill();
  await start();
  const t0 = Date.now();
  let stop = false;
  const running = clients(() => stop);
  await sleep(4000);
  await kill();
  const killedAt = Date.now() - t0;
  await sleep(1000);
  await start();
  await sleep(4000);
  stop = true;
  const run = await running;
  t.diagnostic(`killed at ${killedAt} ms, back at ${Date.now() - t0} ms; ${run.acknowledged.length} accepted, answers ${JSON.stringify(run.statuses)}`);
  assert.ok(run.statuses.network > 0, 'requests were cut by the kill');
  assertNoneLost(run.acknowledged, 'collector restarted');
});

test(`the collector cut off for ${CUT_SECONDS} s while clients keep their reports and retry loses nothing`, async (t) => {
  const t0 = Date.now();
  let stop = false;
  const running = clients(() => stop);
  await sleep(3000);
  // Stopped, not killed: connections are accepted by the kernel and never answered, as on a
  // link that drops everything; the clients time out and retry with backoff.
  signal('SIGSTOP');
  await sleep(CUT_SECONDS * 1000);
  signal('SIGCONT');
  await sleep(3000);
  stop = true;
  const run = await running;
  t.diagnostic(`cut ${CUT_SECONDS} s; ${run.acknowledged.length} accepted in ${Date.now() - t0} ms, answers ${JSON.stringify(run.statuses)}`);
  assert.ok(run.statuses.network > 0, 'the cut was felt');
  assertNoneLost(run.acknowledged, 'collector cut off');
});
