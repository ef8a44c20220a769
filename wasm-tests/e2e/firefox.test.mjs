// The second browser: ajar in Firefox ESR as it ships (https page, a CSV list, consent
// clicked), against the lab's demo scenario; the start page in both languages at both widths.
// Each verdict must equal what Firefox can honestly reach (lab/src/scenario.rs
// `Host::expected`, and docs/verdicts.md for where Firefox differs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { APP, LAB, SCREENSHOTS } from './helpers.mjs';
import { FIREFOX, GECKODRIVER, launchFirefox, labDomains } from './firefox.mjs';

const present = existsSync(FIREFOX) && existsSync(GECKODRIVER);
let ff;
before(async () => { if (present) ff = await launchFirefox(labDomains()); });
after(async () => { await ff?.close(); });

test('Firefox: the start page in English and Russian, at 1280 and 360 px', { skip: !present && 'no firefox-esr/geckodriver' }, async () => {
  for (const [name, width] of [['desktop', 1280], ['phone', 360]]) {
    await ff.setSize(width, 900);
    await ff.goto(`${APP}/?lang=en`);
    await ff.waitFor(() => document.querySelector('#start'));
    assert.equal(await ff.run(() => document.querySelector('#start').disabled), true, 'no run without consent');
    await ff.screenshot(`${SCREENSHOTS}firefox-start-${name}.png`);
    await ff.goto(`${APP}/?lang=ru`);
    await ff.waitFor(() => document.querySelector('main') && /риски/.test(document.querySelector('main').innerText));
    await ff.screenshot(`${SCREENSHOTS}firefox-start-ru-${name}.png`);
  }
});

test('Firefox: as it ships, every lab technique gets its honest verdict', { skip: !present && 'no firefox-esr/geckodriver' }, async () => {
  await ff.setSize(1280, 900);
  await ff.goto(`${APP}/?${new URLSearchParams({ list: `${LAB}/list.csv`, lang: 'en' })}`);
  await ff.waitFor(() => document.querySelector('#consent'));
  await ff.run(() => document.querySelector('#consent').click());
  await ff.waitFor(() => !document.querySelector('#start').disabled);
  await ff.run(() => document.querySelector('#start').click());
  const result = await ff.waitFor(() => window.ajar && window.ajar.done === true && window.ajar, 180000).catch(async (e) => {
    await ff.screenshot(`${SCREENSHOTS}firefox-stuck.png`);
    const state = await ff.run(() => JSON.stringify({ ajar: window.ajar, rows: Array.from(document.querySelectorAll('tr[data-url]')).map((r) => [r.dataset.url, r.dataset.verdict]) }));
    throw new Error(`${e.message}: ${state}`);
  });
  const truth = await ff.run(async (u) => (await fetch(u)).json(), `${LAB}/truth.json?page=https&images=0&browser=firefox`);
  const blocked = (v) => !['ok', 'down', 'inconclusive'].includes(v);
  const wrong = [];
  for (const t of truth) {
    const got = result.results.find((r) => r.url === t.url);
    if (got?.verdict !== t.expected) wrong.push(`${t.url} (${t.technique}): expected ${t.expected}, got ${JSON.stringify(got)}`);
    if (!blocked(t.expected) && (!got || blocked(got.verdict))) wrong.push(`NEVER BLOCKED: ${t.url}`);
  }
  await ff.screenshot(`${SCREENSHOTS}firefox-results-desktop.png`);
  assert.deepEqual(wrong, []);
});
