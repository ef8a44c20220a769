#!/usr/bin/env bash
# Browser and end-to-end tests: the lab, the collector on workerd with a fresh local D1,
# wasm-bindgen-test in headless Chromium and Firefox ESR, then the node suites (collector API, app end to end).
# Run inside scripts/netns.sh.
set -euo pipefail
source "$(dirname "$0")/services.sh"
cd "$ROOT"
trap stop_all EXIT
STATE=$(mktemp -d /tmp/ajar-d1-XXXXXX)
mkdir -p target/screenshots
# Targets on ports 80 and 443 as on the real web, and the app over https (TLS terminated by
# the lab in front of each collector, as Cloudflare's edge does): https://ajar.test for the
# lab's deployment, https://public.test for the one below that allows no unattended runs.
start_lab --web-ports --front ajar.test=127.0.0.1:8787 --front public.test=127.0.0.1:8788
# The lab is this collector's "outside": its control may reach loopback and asks the lab's DoH.
# Its canary configuration is the lab's (the lab serves the canaries behind its DPI box).
# UNATTENDED_RUNS lets the tests' ?autorun=1 links run without a click (docs/automation.md);
# the lab's partner page may frame the embed (EMBED_FRAME_ANCESTORS, docs/embed.md).
start_collector "$STATE" 8787 --var CONTROL_DOH:http://127.0.0.1:8470/dns-query \
  --var CONTROL_CONNECT:127.0.0.1:8470 --var CONTROL_ALLOW_PRIVATE:1 --var CONTROL_ANY_TARGET:1 --var UNATTENDED_RUNS:1 \
  --var CONTROLS:stun:stun-control.test:3478,https://control.test/ \
  --var "EMBED_FRAME_ANCESTORS:http://partner.test:8470 https://partner.test" \
  --var "CANARIES:$("$ROOT/target/debug/ajar-lab" canary-config)" --test-scheduled
# A deployment as the public gets it (no unattended runs, no partner may frame the embed),
# for the tests that a link or a framing page alone starts nothing.
PUBLIC_STATE=$(mktemp -d /tmp/ajar-d1-XXXXXX)
start_collector "$PUBLIC_STATE" 8788
export AJAR_COLLECTOR=http://127.0.0.1:8787 AJAR_D1_STATE="$STATE" AJAR_LAB_BIN="$ROOT/target/debug/ajar-lab"
export AJAR_PUBLIC_COLLECTOR=http://127.0.0.1:8788 AJAR_PUBLIC_APP=https://public.test

echo "== browser tests (wasm-bindgen-test, headless Chromium)"
RULES=$("$ROOT/target/debug/ajar-lab" rules)
WEBDRIVER_JSON="$ROOT/target/webdriver.json"
node -e '
  const args = require(process.argv[1]).chromiumArgs(process.argv[2]);
  console.log(JSON.stringify({"goog:chromeOptions": {args}}));' "$ROOT/wasm-tests/e2e/args.cjs" "$RULES" > "$WEBDRIVER_JSON"
# Chromium (started by chromedriver) reads its trusted CAs from $HOME/.pki/nssdb: a throwaway
# HOME trusting the lab CA, with cargo's and rustup's homes kept where they are.
NSS_HOME=$(node wasm-tests/e2e/nss.cjs)
[ -n "${SKIP_WASM:-}" ] || WASM_BINDGEN_TEST_WEBDRIVER_JSON="$WEBDRIVER_JSON" WASM_BINDGEN_TEST_TIMEOUT=120 \
  WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1 CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" \
  RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" HOME="$NSS_HOME" \
  cargo test -p ajar-wasm-tests --target wasm32-unknown-unknown --tests
rm -rf "$NSS_HOME"
echo "== browser tests (wasm-bindgen-test, headless Firefox ESR)"
if [ -z "${SKIP_WASM:-}" ]; then
  FIREFOX_JSON="$ROOT/target/webdriver-firefox.json"
  # Capabilities to the file; the throwaway profile's directory (stderr) kept for removal.
  FIREFOX_DIR=$(node wasm-tests/e2e/firefox-caps.mjs 2>&1 >"$FIREFOX_JSON")
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$FIREFOX_JSON" WASM_BINDGEN_TEST_TIMEOUT=120 \
    WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1 GECKODRIVER="${CARGO_HOME:-$HOME/.cargo}/bin/geckodriver" \
    cargo test -p ajar-wasm-tests --target wasm32-unknown-unknown --tests
  rm -rf "$FIREFOX_DIR"
fi

echo "== collector and end-to-end tests (node, workerd, Chromium)"
# E2E_ONLY=wasm-tests/e2e/x.test.mjs runs one suite (while developing).
# A test still running after 10 min fails (the longest takes about 70 s): a hang is then named,
# not left to CI's time limit.
node --test --test-concurrency=1 --test-timeout=600000 ${E2E_ONLY:-wasm-tests/e2e/*.test.mjs}
