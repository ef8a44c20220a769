// Launches Debian's Chromium for tests, isolated: every name resolves only as the
// lab's rules say, nothing leaves loopback. We spawn it ourselves (and connect over
// CDP) so that our --disable-features is the only one (Chromium keeps the last).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { chromiumArgs } = require('./args.cjs');
const { labHome } = require('./nss.cjs');
export { chromiumArgs };

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Starts Chromium and returns { browser, context, close }. */
export async function launch(rules, { extra = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ajar-chromium-'));
  // The profile and a HOME whose NSS database trusts the lab CA, thrown away together.
  const home = labHome(join(dir, 'home'));
  const child = spawn(CHROMIUM, [...chromiumArgs(rules, extra), '--remote-debugging-port=0', `--user-data-dir=${join(dir, 'profile')}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, HOME: home } });
  const endpoint = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${buf}`)), 30000);
    child.stderr.on('data', (d) => {
      buf += d;
      const m = buf.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => reject(new Error(`Chromium exited (${code}): ${buf}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint);
  const context = browser.contexts()[0];
  return {
    browser, context,
    async close() {
      await browser.close().catch(() => {});
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // The whole group: renderers and utilities too, or they keep writing the profile.
      try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
      await exited;
      try { rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); } catch { /* a temp dir */ }
    },
  };
}

/** Waits until window.ajar.done, returns window.ajar. */
export async function waitDone(page, timeout = 120000) {
  await page.waitForFunction(() => window.ajar && window.ajar.done === true, null, { timeout, polling: 100 });
  return page.evaluate(() => window.ajar);
}
