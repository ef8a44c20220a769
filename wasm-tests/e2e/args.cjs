// Chromium's flags for tests, shared by browser.mjs (playwright) and scripts/e2e.sh (chromedriver).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
// The hash of the lab certificate's key (lab/src/tls.rs checks it against the certificate).
const LAB_SPKI = readFileSync(join(__dirname, '../../lab/certs/canary.spki'), 'utf8').trim();
function chromiumArgs(rules, extra = []) {
  return [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-default-apps', '--disable-extensions', '--no-default-browser-check',
    '--disable-dev-shm-usage', '--mute-audio', '--password-store=basic', '--use-mock-keychain',
    // Phones overlay their scrollbars: screenshots and widths should not lose 15 px to one.
    '--hide-scrollbars',
    `--host-resolver-rules=${rules}`,
    // The lab's canaries speak real TLS with a lab certificate: trust exactly its key (lab/src/tls.rs).
    `--ignore-certificate-errors-spki-list=${LAB_SPKI}`,
    // WebRTC on a loopback-only network: allow loopback candidates, no mDNS hiding.
    '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns,Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,PrivacySandboxSettings4',
    ...extra,
  ];
}
module.exports = { chromiumArgs };
