// The OONI export read by OONI's own tools: the app measures lab hosts of every kind and sends
// its report; realistic reports from several networks (one seen through Tor, one from an
// unknown country) arrive through the API; then every line of `GET /v1/export?format=ooni`
// (the whole database, all pages) is loaded with PyPI's `oonidata` 0.3.0, the way OONI's
// pipeline loads measurements, and checked against df-000, bk-003 and ts-036
// (ooni_check.py). Any line that does not load, or whose test keys the model drops, fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, waitDone } from './browser.mjs';
import { COLLECTOR, LAB, appUrl, d1Rows, labRules, report, storedReport } from './helpers.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
let chrome;
let work;
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'ajar-ooni-'));
  chrome = await launch(labRules());
});
after(async () => {
  await chrome?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Every line of the OONI export, page by page. */
async function exportAll(filter = '') {
  const lines = [];
  let after = null;
  for (let pages = 0; pages < 1000; pages++) {
    const q = new URLSearchParams({ format: 'ooni', limit: '200', ...(after ? { after } : {}) });
    const res = await fetch(`${COLLECTOR}/v1/export?${q}${filter}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
    lines.push(...(await res.text()).split('\n').filter(Boolean));
    after = res.headers.get('x-next-cursor');
    if (!after) break;
  }
  return lines;
}

/** OONI's parser over `lines`: its JSON summary. */
function oonidata(lines) {
  const python = execFileSync('bash', [join(ROOT, 'scripts/ooni-venv.sh')]).toString().trim();
  const file = join(work, `export-${Date.now()}.jsonl`);
  writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  try {
    return JSON.parse(execFileSync(python, [join(ROOT, 'wasm-tests/e2e/ooni_check.py'), file]).toString());
  } catch (e) {
    if (e.stdout?.length) return JSON.parse(e.stdout.toString());
    throw e;
  }
}

/** wrangler's own SQLite access to the local D1 may find workerd writing (SQLITE_BUSY): run it
 * again (each run starts wrangler anew, about a second apart; no sleeping). */
function retryBusy(fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return fn();
    } catch (e) {
      if (attempt >= 5 || !/SQLITE_BUSY|database is locked/.test(String(e.message))) throw e;
    }
  }
}

/** A report posted through the API from `ip`: its status and answer. */
async function post(body, ip) {
  const res = await fetch(`${COLLECTOR}/v1/reports`, { method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip } });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const timed = (r) => r.probes.some((p) => p.probe === 'fetch' && ['ok', 'error', 'timeout'].includes(p.outcome) && p.ms !== undefined);

test('an app run, sent: every web result with a timed fetch is one browser_web line; WebSocket and STUN are left out', async () => {
  const page = await chrome.context.newPage();
  const hosts = ['secure.test', 'nxdomain.test', 'secure-reset.test', 'secure-hole.test', 'blockpage.test', 'down.test',
    'secure-chat.test', 'calls.test', 'stun.test'];
  await page.goto(appUrl(`${LAB}/list.json?hosts=${hosts.join(',')}`));
  await waitDone(page, 90000);
  await page.click('#send');
  const id = (await page.locator('#report-id').textContent({ timeout: 15000 })).trim();
  await page.close();
  const stored = storedReport(id);
  // The export publishes a cell (country, ASN, URL) once three reports share it (docs/report.md):
  // two more visitors of this network ran the same list.
  for (let copy = 0; copy < 2; copy++) {
    const again = report({ browser: stored.browser, software: stored.software, list: stored.list, results: stored.results });
    assert.equal((await post(again, `198.51.100.${30 + copy}`)).status, 201);
  }
  const web = stored.results.filter((r) => /^https?:\/\//.test(r.url));
  assert.ok(stored.results.some((r) => !/^https?:\/\//.test(r.url)), 'the run has WebSocket or STUN targets');
  const mine = (await exportAll()).map((l) => JSON.parse(l)).filter((m) => m.x_report_id === id);
  assert.deepEqual(mine.map((m) => m.input).sort(), web.filter(timed).map((r) => r.url).sort());
  assert.ok(mine.length >= 5, `${mine.length} web results measured`);
  for (const m of mine) {
    const r = stored.results[m.x_idx];
    assert.equal(m.test_keys.x_verdict, r.verdict);
    assert.equal(m.test_keys.browser, 'chromium');
    assert.equal(m.test_keys.result, r.probes.some((p) => p.probe === 'fetch' && p.outcome === 'ok') ? 'ok' : 'error');
    assert.equal(m.probe_cc, 'US');
    assert.equal(m.probe_asn, 'AS395747');
    assert.match(m.report_id, new RegExp(`^\\d{8}T\\d{6}Z_browserweb_US_395747_ajar_${id}$`));
  }
});

test('reports from Tor (T1) and an unknown country (XX) are exported as ZZ', async () => {
  const ids = [];
  for (const [i, cc] of ['T1', 'XX', 'RU'].entries()) {
    const r = report({
      software: 'ajar-embed/0.1.0', browser: 'firefox',
      results: [
        { url: `https://site-${i}.example/`, category: 'NEWS', verdict: 'tls', confidence: 0.8,
          clues: [{ clue: 'failed_fast', ms: 40 }], probes: [{ probe: 'fetch', outcome: 'error', ms: 40 }], prefixes: [] },
        { url: `http://plain-${i}.example/`, category: 'MISC', verdict: 'ok', confidence: 0.9, clues: [],
          probes: [{ probe: 'fetch', outcome: 'ok', ms: 85 }, { probe: 'image', outcome: 'decoded', ms: 30 }], prefixes: [] },
        { url: `wss://chat-${i}.example/ws`, category: 'COMT', verdict: 'blocked_protocol', confidence: 0.7, clues: [],
          probes: [{ probe: 'web_socket', outcome: 'failed', ms: 12 }], prefixes: [] },
      ],
    });
    // Three reports from the network, so that its cells are published (docs/report.md).
    const copies = [r, { ...r, id: report().id }, { ...r, id: report().id }];
    for (const [k, c] of copies.entries()) {
      const res = await post(c, `198.51.100.${40 + 3 * i + k}`);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal((await fetch(`${COLLECTOR}/v1/reports/${c.id}`)).status, 200);
    }
    ids.push(r.id);
    // Expanded by the minute cron (reads never write; `results` is a view of expanded and
    // pending results), then the network Cloudflare would have named (wrangler dev's cf is fixed).
    assert.equal((await fetch(`${COLLECTOR}/__scheduled?cron=*+*+*+*+*`)).status, 200);
    const list = copies.map((c) => `'${c.id}'`).join(', ');
    retryBusy(() => d1Rows(`UPDATE results_expanded SET country = '${cc}', asn = ${64500 + i} WHERE report_id IN (${list})`));
  }
  const lines = (await exportAll()).map((l) => JSON.parse(l)).filter((m) => ids.includes(m.x_report_id));
  assert.equal(lines.length, 6, 'two web results per report; the WebSocket ones are left out');
  assert.deepEqual([...new Set(lines.map((m) => m.probe_cc))].sort(), ['RU', 'ZZ']);
  const tls = lines.find((m) => m.test_keys.x_verdict === 'tls');
  assert.equal(tls.test_keys.x_blocking, 'http-failure', 'ts-017: TLS interference');
  assert.equal(tls.software_name, 'ajar-embed');
  assert.equal(tls.software_version, '0.1.0');
  assert.equal(tls.test_keys.browser, 'firefox');
});

test('oonidata loads every line of the whole export with the test keys its model expects', (t) => {
  return exportAll().then((lines) => {
    const summary = oonidata(lines);
    t.diagnostic(`oonidata 0.3.0: ${summary.loaded} of ${summary.lines} lines loaded as ${JSON.stringify(summary.classes)}, ${summary.violations.length} with violations`);
    assert.deepEqual(summary.violations, [], JSON.stringify(summary.violations.slice(0, 5), null, 1));
    assert.equal(summary.loaded, lines.length);
    assert.ok(summary.lines >= 11, `${summary.lines} lines`);
    assert.deepEqual(Object.keys(summary.classes), ['BrowserWeb']);
  });
});

test('the checker itself refuses what the export used to be (ajar_web, no test_start_time, T1)', () => {
  // One line of the export before this format: OONI's parser must not take it.
  const old = { data_format_version: '0.2.0', test_name: 'ajar_web', software_name: 'ajar', input: 'https://x.example/',
    probe_cc: 'T1', probe_asn: 'AS1', measurement_start_time: '2026-11-30 16:00:00', report_id: '0123456789abcdef0123456789abcdef',
    annotations: { x_category: 'NEWS' }, test_keys: { blocking: 'tcp_ip', accessible: false, x_verdict: 'tls' }, x_campaign: null };
  const summary = oonidata([JSON.stringify(old)]);
  assert.equal(summary.loaded, 0);
  assert.equal(summary.violations.length, 1);
});
