// The second browser: ajar in Firefox ESR as it ships (https page, a CSV list, consent
// clicked), against the lab's demo scenario; the start page in both languages at both widths;
// the embed on a partner's page, in both its variants.
// Each verdict must equal what Firefox can honestly reach (lab/src/scenario/host.rs
// `Host::expected`, and docs/verdicts.md for where Firefox differs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { APP, COLLECTOR, LAB, SCREENSHOTS, partnerCampaign, partnerUrl, storedReport } from './helpers.mjs';
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

// The embed's notice lives in a shadow root on the page it is in.
const embedButton = (which) => {
  const host = Array.from(document.body.children).find((e) => e.shadowRoot && e.shadowRoot.querySelector('[role="dialog"]'));
  const button = host && host.shadowRoot.querySelector(which);
  if (button) button.click();
  return !!button;
};

test('Firefox: the embed on a partner page measures after a yes and its report arrives', { skip: !present && 'no firefox-esr/geckodriver' }, async () => {
  const campaign = await partnerCampaign('Partner embed (Firefox)');
  await ff.setSize(1280, 900);
  await ff.goto(partnerUrl(campaign, { lang: 'en' }));
  await ff.waitFor(() => window.ajarEmbed && window.ajarEmbed.state === 'asking');
  assert.equal(await ff.run(() => window.partnerScriptsRan), true);
  await ff.screenshot(`${SCREENSHOTS}firefox-embed-notice-desktop.png`);
  assert.equal(await ff.run(embedButton, 'button.y'), true);
  const ns = await ff.waitFor(() => window.ajarEmbed && ['done', 'error'].includes(window.ajarEmbed.state) && window.ajarEmbed, 90000);
  assert.equal(ns.state, 'done', JSON.stringify(ns));
  const stored = storedReport(ns.result.sent.stored);
  // Firefox reports the removed name as not resolving (ICE error 701): the same verdicts as Chromium.
  assert.deepEqual(ns.result.verdicts.map((v) => v.verdict), ['ok', 'dns'], JSON.stringify(stored.results));
  assert.equal(stored.campaign, campaign);
  assert.equal(stored.software, 'ajar-embed/0.1.0');
});

test('Firefox: the iframe variant remembers a "no" under partitioned third-party storage', { skip: !present && 'no firefox-esr/geckodriver' }, async () => {
  const campaign = await partnerCampaign('Partner embed (Firefox, iframe)');
  await ff.setSize(360, 740);
  await ff.goto(partnerUrl(campaign, { variant: 'iframe', lang: 'ru' }));
  await ff.waitFor(() => document.querySelector('iframe[title="ajar"]'));
  await ff.frame(0);
  await ff.waitFor(() => window.ajarEmbed && window.ajarEmbed.state === 'asking');
  await ff.frame(null);
  // The reserved box is further down the article: in view, as a reader scrolling to it sees it.
  await ff.run(() => document.querySelector('iframe[title="ajar"]').scrollIntoView({ block: 'center' }));
  await ff.screenshot(`${SCREENSHOTS}firefox-embed-iframe-ru-phone.png`);
  await ff.frame(0);
  assert.equal(await ff.run(embedButton, 'button.n'), true);
  assert.equal(await ff.run(() => window.ajarEmbed.state), 'declined');
  await ff.frame(null);
  await ff.goto(partnerUrl(campaign, { variant: 'iframe', lang: 'ru' }));
  await ff.waitFor(() => document.querySelector('iframe[title="ajar"]'));
  await ff.frame(0);
  const state = await ff.waitFor(() => window.ajarEmbed && ['declined', 'asking'].includes(window.ajarEmbed.state) && window.ajarEmbed.state);
  await ff.frame(null);
  assert.equal(state, 'declined', 'not asked again, and nothing measured');
});
