// Consent that no third party can skip: a link (`?autorun=1`) runs nothing without the
// deployment's UNATTENDED_RUNS setting; a page or a frame's URL (`consent=controls-only` with
// its own `controls=` list) probes nothing before the reader's yes; a "no" that cannot be
// remembered means asking again, never running; embed_skip_countries fails closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './browser.mjs';
import { APP, COLLECTOR, LAB, appUrl, labRules } from './helpers.mjs';

const PUBLIC = process.env.AJAR_PUBLIC_COLLECTOR;
// The same app from that deployment, over https as visitors get it.
const PUBLIC_APP = process.env.AJAR_PUBLIC_APP;
const hourOffset = (h) => new Date((Math.floor(Date.now() / 3600000) + h) * 3600000).toISOString().replace('.000Z', 'Z');
let chrome;

before(async () => { chrome = await launch(labRules()); });
after(async () => { await chrome?.close(); });

/** A fresh context whose requests to the lab's measured hosts (any *.test but the partner
 *  page, the lab's own files and the app's and collectors' origins) are recorded. */
async function watched(init) {
  const context = await chrome.browser.newContext();
  if (init) await context.addInitScript(init);
  const probes = [];
  const ours = new Set(['partner.test', 'lab.test',
    ...[APP, PUBLIC_APP, COLLECTOR, PUBLIC].filter(Boolean).map((u) => new URL(u).hostname)]);
  context.on('request', (r) => {
    const host = new URL(r.url()).hostname;
    if (host.endsWith('.test') && !ours.has(host)) probes.push(r.url());
  });
  return { context, probes, page: await context.newPage() };
}

const partner = (extra) => `http://partner.test:8470/?${new URLSearchParams({ collector: COLLECTOR, ...extra })}`;
const embedState = (frame) => frame.evaluate(() => window.ajarEmbed && window.ajarEmbed.state);
const isEmbedFrame = (f) => f.url().includes('/embed-frame');
const frameOf = async (page) => page.frames().find(isEmbedFrame)
  || page.waitForEvent('framenavigated', { predicate: isEmbedFrame, timeout: 30000 });

test('a link with autorun=1 runs nothing where the deployment does not allow unattended runs', { skip: !PUBLIC_APP }, async () => {
  const { context, probes, page } = await watched();
  // Even naming a collector that allows them: the setting is read from the page's own origin.
  const link = appUrl(`${LAB}/list.json?hosts=ok.test,nxdomain.test`, { lang: 'en', collector: APP }).replace(`${APP}/?`, `${PUBLIC_APP}/?`);
  await page.goto(link);
  await page.waitForFunction(() => window.ajar && window.ajar.waiting === 'consent', null, { timeout: 30000 });
  await page.waitForSelector('#start');
  assert.match(await page.textContent('main'), /starts only when you agree/);
  assert.equal(await page.isChecked('#consent'), false);
  assert.deepEqual(probes, [], 'nothing probed before the visitor agreed');
  await context.close();
});

test('with UNATTENDED_RUNS, the same link runs', async () => {
  const { context, probes, page } = await watched();
  await page.goto(appUrl(`${LAB}/list.json?hosts=ok.test`, { lang: 'en' }));
  await page.waitForFunction(() => window.ajar && window.ajar.done === true, null, { timeout: 60000 });
  assert.ok(probes.some((u) => /^https?:\/\/ok\.test\//.test(u)), JSON.stringify(probes));
  await context.close();
});

test('controls-only with a list chosen by the page: asked first; "no" probes nothing', async () => {
  const { context, probes, page } = await watched();
  await page.goto(partner({ consent: 'controls-only', controls: `${LAB}/controls.json`, lang: 'en' }));
  await page.getByRole('button', { name: 'No' }).click({ timeout: 30000 });
  assert.equal(await embedState(page), 'declined');
  await page.reload();
  await page.waitForFunction(() => window.ajarEmbed && window.ajarEmbed.state === 'declined');
  assert.deepEqual(probes, []);
  await context.close();
});

test('controls-only with no list: no question, only the collector itself is measured', async () => {
  const { context, probes, page } = await watched();
  await page.goto(partner({ consent: 'controls-only' }));
  await page.waitForFunction(() => window.ajarEmbed && ['done', 'error'].includes(window.ajarEmbed.state), null, { timeout: 60000 });
  const ns = await page.evaluate(() => window.ajarEmbed);
  assert.equal(ns.state, 'done', JSON.stringify(ns));
  assert.deepEqual(ns.result.verdicts.map((v) => v.url), [`${COLLECTOR}/`]);
  assert.deepEqual(probes, []);
  await context.close();
});

test('a third party framing /embed-frame?consent=controls-only&controls=…: asked in the frame; "no" probes nothing, and holds', async () => {
  const { context, probes, page } = await watched();
  await page.goto(partner({ variant: 'iframe', consent: 'controls-only', controls: `${LAB}/controls.json`, lang: 'en' }));
  const frame = page.frameLocator('iframe[title="ajar"]');
  await frame.getByRole('button', { name: 'No' }).click({ timeout: 30000 });
  assert.equal(await embedState(await frameOf(page)), 'declined');
  await page.reload();
  const again = await frameOf(page);
  await again.waitForFunction(() => window.ajarEmbed && window.ajarEmbed.state === 'declined', null, { timeout: 30000 });
  assert.deepEqual(probes, []);
  await context.close();
});

test('where the frame cannot keep a "no" (storage blocked), it asks again instead of running', async () => {
  const blocked = () => {
    if (window.top !== window) {
      Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('blocked', 'SecurityError'); } });
    }
  };
  const { context, probes, page } = await watched(blocked);
  await page.goto(partner({ variant: 'iframe', consent: 'controls-only', lang: 'en' }));
  const frame = page.frameLocator('iframe[title="ajar"]');
  await frame.getByRole('button', { name: 'No' }).click({ timeout: 30000 });
  await page.reload();
  const again = await frameOf(page);
  await again.waitForFunction(() => window.ajarEmbed && window.ajarEmbed.state === 'asking', null, { timeout: 30000 });
  assert.equal(await page.frameLocator('iframe[title="ajar"]').getByRole('button', { name: 'No' }).count(), 1);
  assert.deepEqual(probes, []);
  await context.close();
});

test('embed_skip_countries fails closed: if the reader\'s country cannot be told, nothing is measured', async () => {
  const created = await (await fetch(`${COLLECTOR}/v1/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.70' },
    body: JSON.stringify({ name: 'skip IR', targets: [{ url: 'http://ok.test:8470/', category: 'NEWS' }], embed_skip_countries: ['IR'],
      starts_hour: hourOffset(-1), expires_hour: hourOffset(24) }) })).json();
  const { context, probes, page } = await watched();
  await context.route('**/v1/whoami', (route) => route.abort());
  await page.goto(partner({ campaign: created.id, lang: 'en' }));
  await page.getByRole('button', { name: 'Yes' }).click({ timeout: 30000 });
  await page.waitForFunction(() => window.ajarEmbed && ['done', 'error'].includes(window.ajarEmbed.state), null, { timeout: 60000 });
  const ns = await page.evaluate(() => window.ajarEmbed);
  assert.match(JSON.stringify(ns), /country could not be told/);
  assert.deepEqual(probes, []);
  await context.close();
});

test('only the partners a deployment lists may frame the embed (a framing page could cover the "Yes")', async () => {
  const csp = async (base) => (await fetch(`${base}/embed-frame?consent=controls-only`)).headers.get('content-security-policy');
  assert.match(await csp(COLLECTOR), /frame-ancestors http:\/\/partner\.test:8470 https:\/\/partner\.test$/);
  if (PUBLIC) assert.match(await csp(PUBLIC), /frame-ancestors 'none'$/);
  // A page the deployment does not list frames it anyway: the frame never loads.
  const { context, probes, page } = await watched();
  const framed = page.waitForEvent('framenavigated', { predicate: (f) => f !== page.mainFrame(), timeout: 30000 });
  await page.goto(`data:text/html,<iframe title="ajar" src="${COLLECTOR}/embed-frame?consent=controls-only&lang=en"></iframe>`);
  const frame = await framed;
  await frame.waitForLoadState('load').catch(() => {});
  const state = await frame.evaluate(() => window.ajarEmbed && window.ajarEmbed.state).catch(() => undefined);
  assert.equal(state, undefined, `the embed ran in a frame it may not be in (${frame.url()})`);
  assert.ok(!frame.url().startsWith(COLLECTOR), `the frame loaded: ${frame.url()}`);
  assert.deepEqual(probes, []);
  await context.close();
});
