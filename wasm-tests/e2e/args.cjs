// Chromium's flags for tests, shared by browser.mjs (playwright) and scripts/e2e.sh (chromedriver).
// Certificates: the lab CA is trusted through an NSS database in the browser's HOME
// (nss.cjs), never through certificate-ignoring flags.
function chromiumArgs(rules, extra = []) {
  return [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-default-apps', '--disable-extensions', '--no-default-browser-check',
    '--disable-dev-shm-usage', '--mute-audio', '--password-store=basic', '--use-mock-keychain',
    // Phones overlay their scrollbars: screenshots and widths should not lose 15 px to one.
    '--hide-scrollbars',
    `--host-resolver-rules=${rules}`,
    // WebRTC on a loopback-only network: allow loopback candidates, no mDNS hiding.
    '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns,Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,PrivacySandboxSettings4',
    ...extra,
  ];
}
module.exports = { chromiumArgs };
