// Debian's Firefox ESR for tests, driven by geckodriver over the W3C WebDriver protocol (a few
// HTTP calls: no client library, nothing that downloads drivers). Isolated like Chromium:
// lab names resolve to loopback through `network.dns.localDomains` (Firefox has no resolver
// rules; every other name fails, as a removed one does), and the lab CA is trusted through
// the profile's own NSS database (`certutil`), never through a certificate-ignoring option.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const { CA } = createRequire(import.meta.url)('./nss.cjs');
export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
export const GECKODRIVER = process.env.GECKODRIVER || join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin', 'geckodriver');

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** The lab names Firefox may resolve (to loopback), from `ajar-lab firefox-domains`. */
export function labDomains(labArgs = []) {
  const bin = process.env.AJAR_LAB_BIN || new URL('../../target/debug/ajar-lab', import.meta.url).pathname;
  return execFileSync(bin, ['firefox-domains', ...labArgs]).toString().trim();
}

/** A throwaway profile trusting the lab CA (its own NSS database); returns its directories. */
export function makeProfile() {
  const dir = mkdtempSync(join(tmpdir(), 'ajar-firefox-'));
  const profile = join(dir, 'profile');
  mkdirSync(profile);
  execFileSync('certutil', ['-d', `sql:${profile}`, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', `sql:${profile}`, '-A', '-t', 'C,,', '-n', 'ajar-lab-ca', '-i', CA]);
  return { dir, profile };
}

/** The preferences of a test Firefox: lab names only, the system resolver for the rest, quiet. */
export function labPrefs(domains, lang = 'en') {
  return {
    'network.dns.localDomains': domains,
    'network.dns.disableIPv6': true,
    'network.trr.mode': 5,
    'network.proxy.type': 0,
    'intl.accept_languages': lang,
    // WebRTC on the namespace's own network: host addresses shown, loopback allowed.
    'media.peerconnection.ice.loopback': true,
    'media.peerconnection.ice.obfuscate_host_addresses': false,
    // Nothing in the background.
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'app.update.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.enabled': false,
  };
}

/** Starts Firefox; returns a small page API: goto, run (a function's source, in the page), screenshot, close. */
export async function launchFirefox(domains, { lang = 'en', extraPrefs = {} } = {}) {
  const { dir, profile } = makeProfile();
  const port = await freePort();
  const driver = spawn(GECKODRIVER, ['--host', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let driverLog = '';
  driver.stderr.on('data', (d) => { driverLog = (driverLog + d).slice(-4000); });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const json = await res.json();
    if (json.value && json.value.error) throw new Error(`${method} ${path}: ${json.value.error}: ${json.value.message}`);
    return json.value;
  };
  for (let i = 0; ; i++) {
    try { if ((await call('GET', '/status')).ready) break; } catch { /* not up yet */ }
    if (i > 100) throw new Error(`geckodriver did not start: ${driverLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const prefs = { ...labPrefs(domains, lang), ...extraPrefs };
  const session = await call('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'firefox', acceptInsecureCerts: false,
      'moz:firefoxOptions': { binary: FIREFOX, args: ['-headless', '-profile', profile], prefs } } },
  });
  const s = `/session/${session.sessionId}`;
  return {
    version: session.capabilities.browserVersion,
    goto: (url) => call('POST', `${s}/url`, { url }),
    /** Runs `fn` (a function) in the page with `args`; returns its (awaited) value. */
    run: (fn, ...args) => call('POST', `${s}/execute/async`, {
      script: `const done = arguments[arguments.length - 1];
        Promise.resolve((${fn.toString()})(...Array.from(arguments).slice(0, -1))).then(done, (e) => done({ __error: String(e) }));`,
      args,
    }),
    async waitFor(fn, timeoutMs = 60000, ...args) {
      const t0 = Date.now();
      for (;;) {
        const v = await call('POST', `${s}/execute/sync`, { script: `return (${fn.toString()})(...arguments);`, args }).catch(() => null);
        if (v) return v;
        if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${fn}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    setSize: (width, height) => call('POST', `${s}/window/rect`, { width, height }),
    /** Scripts and `run` act in the page's `index`th frame from now on; `null`: the top page. */
    frame: (index) => (index === null ? call('POST', `${s}/frame`, { id: null }) : call('POST', `${s}/frame`, { id: index })),
    async screenshot(path) { writeFileSync(path, Buffer.from(await call('GET', `${s}/screenshot`), 'base64')); },
    async close() {
      await call('DELETE', s).catch(() => {});
      const exited = new Promise((resolve) => driver.once('exit', resolve));
      try { process.kill(-driver.pid, 'SIGKILL'); } catch { driver.kill('SIGKILL'); }
      await exited;
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}
