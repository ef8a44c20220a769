// Shared by the end-to-end suites.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The collector's API, plain HTTP on loopback: for node's own requests. */
export const COLLECTOR = process.env.AJAR_COLLECTOR || 'http://127.0.0.1:8787';
/** The app as visitors get it: https, TLS terminated in front of the collector (the lab's
 * front for ajar.test, as Cloudflare's edge in production), a certificate the browser trusts. */
export const APP = process.env.AJAR_APP || 'https://ajar.test';
/** The lab's API over https (an https page may not fetch plain HTTP). */
export const LAB = 'https://lab.test:8471';
/** The lab's DNS-over-HTTPS resolver, standing outside the censored network. */
export const LAB_DOH = 'https://doh.test:8471/dns-query';
export const SCREENSHOTS = new URL('../../target/screenshots/', import.meta.url).pathname;
mkdirSync(SCREENSHOTS, { recursive: true });

/** The lab's resolver rules, for Chromium. */
export function labRules() {
  const bin = process.env.AJAR_LAB_BIN || new URL('../../target/debug/ajar-lab', import.meta.url).pathname;
  return execFileSync(bin, ['rules']).toString().trim();
}

/** The app's URL driving a run against the lab (see docs/automation.md). The outside view is
 * the product's default: the collector's /v1/control, reaching the lab from outside. */
export function appUrl(list, extra = {}) {
  const q = new URLSearchParams({
    list, autorun: '1', controls: `${LAB}/controls.json`, doh: LAB_DOH,
    timeout: '3000', ice_timeout: '3000', resolve_timeout: '1500',
    // Canary checks have their own suite (canaries.test.mjs); elsewhere they would only add time.
    canaries: 'off', ...extra,
  });
  return `${APP}/?${q}`;
}

/** A campaign for a partner's embed (the lab's ok.test and its DNS-removed nxdomain.test),
 * open from an hour ago for two days; returns its id. */
export async function partnerCampaign(name = 'Partner embed') {
  const hour = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
  const res = await fetch(`${COLLECTOR}/v1/campaigns`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.77' },
    body: JSON.stringify({ name, description: 'Readers of The Daily Example', countries: [],
      targets: [{ url: 'http://ok.test:8470/', category: 'NEWS' }, { url: 'http://nxdomain.test:8470/', category: 'COMT' }],
      starts_hour: hour(-1), expires_hour: hour(48) }),
  });
  return (await res.json()).id;
}

/** The lab's partner news site carrying the embed of `campaign`, with `extra` parameters. */
export const partnerUrl = (campaign, extra = {}) =>
  `http://partner.test:8470/?${new URLSearchParams({ collector: COLLECTOR, campaign, ...extra })}`;

/** Fetches lab ground truth through Chromium's view of names (node cannot resolve *.test). */
export async function labJson(page, path) {
  return page.evaluate(async (u) => (await fetch(u)).json(), `${LAB}${path}`);
}

/** The current hour as reports carry it. */
export function hourNow() {
  return new Date(Math.floor(Date.now() / 3600000) * 3600000).toISOString().replace('.000Z', 'Z');
}
/** A realistic report (two results), with `overrides`. */
export function report(overrides = {}) {
  return {
    schema: 'ajar.report/1', id: randomBytes(16).toString('hex'), created_hour: hourNow(),
    software: 'ajar/0.1.0', browser: 'chromium', list: 'ru',
    results: [
      { url: 'https://www.youtube.com/', category: 'MMED', verdict: 'dns', confidence: 0.96,
        clues: [{ clue: 'failed_fast', ms: 7 }, { clue: 'doh_resolves' }, { clue: 'not_resolved_locally' }],
        probes: [{ probe: 'fetch', outcome: 'error', ms: 7 }], prefixes: ['142.250.74.0/24'] },
      { url: 'https://telegram.org/', category: 'COMT', verdict: 'blackhole', confidence: 0.95, clues: [], probes: [], prefixes: [] },
    ],
    ...overrides,
  };
}

/** Rows of a query against the collector's local D1 (`AJAR_D1_STATE`), read through wrangler. */
export function d1Rows(query) {
  // The collector may be writing at that moment: SQLite answers SQLITE_BUSY, so try again.
  for (let attempt = 0; ; attempt++) {
    try {
      return JSON.parse(execFileSync('npx', ['wrangler', 'd1', 'execute', 'DB', '--local', '--persist-to', process.env.AJAR_D1_STATE,
        '--json', '--command', query], { cwd: new URL('../../worker', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'pipe'] }).toString())[0].results;
    } catch (e) {
      const text = `${e.stdout || ''}${e.stderr || ''}`;
      if (attempt >= 10 || !/SQLITE_BUSY|database is locked/.test(text)) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200 * (attempt + 1));
    }
  }
}

/** Every file of the collector's local D1, as text: to prove what is *not* stored. */
export function d1Files() {
  const files = [];
  const walk = (d) => readdirSync(d).forEach((f) => { const p = join(d, f); statSync(p).isDirectory() ? walk(p) : files.push(p); });
  walk(join(process.env.AJAR_D1_STATE, 'v3', 'd1'));
  return files.map((path) => ({ path, text: readFileSync(path).toString('latin1') }));
}

/** A report as the collector stored it, every result of it, read from its local D1
 * (`AJAR_D1_STATE`): `GET /v1/reports/:id` serves only published results (docs/report.md). */
export function storedReport(given) {
  const id = String(given).trim();
  if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`not a report id: ${id}`);
  const [row] = d1Rows(`SELECT json_object('id', id, 'created_hour', created_hour, 'received_hour', received_hour,
    'country', country, 'asn', asn, 'software', software, 'browser', browser, 'list', list, 'campaign', campaign,
    'result_count', result_count, 'patterns', json(coalesce(patterns, '[]')),
    'results', (SELECT json_group_array(json_object('url', url, 'category', category, 'verdict', verdict,
      'confidence', confidence, 'clues', json(clues), 'probes', json(probes), 'prefixes', json(prefixes)))
      FROM (SELECT * FROM results WHERE report_id = r.id ORDER BY idx))) AS report FROM reports r WHERE r.id = '${id}'`);
  return row ? JSON.parse(row.report) : null;
}
