#!/usr/bin/env bash
# Installs every tool ajar needs, from package registries only, idempotently.
# Versions and traps are explained in docs/toolchain.md.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal wasm-bindgen in Cargo.lock
WORKER_BUILD_VERSION=0.8.7
GECKODRIVER_VERSION=0.37.1
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1m[install]\033[0m %s\n' "$*" >&2; }
have_version() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -q -- "$2"; }

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# Chromium and its driver, Firefox ESR (the second browser); certutil (libnss3-tools) makes
# the NSS databases through which test browsers trust the lab CA, as visitors' browsers trust
# public CAs.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v certutil >/dev/null \
   || ! command -v firefox-esr >/dev/null; then
  log "apt-get install chromium chromium-driver libnss3-tools firefox-esr"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver libnss3-tools firefox-esr >/dev/null
fi

# npm: wrangler (carries workerd), node 22 for wrangler, binaryen's wasm-opt, playwright-core.
# `npm ci` fails here (workerd's foreign-platform optional packages are absent); install uses the lockfile.
if [ ! -f node_modules/.ajar-installed ] || [ package.json -nt node_modules/.ajar-installed ] \
   || [ package-lock.json -nt node_modules/.ajar-installed ]; then
  log "npm install"
  npm install --no-audit --no-fund --loglevel=error
  touch node_modules/.ajar-installed
fi

if ! have_version wasm-bindgen "$WASM_BINDGEN_VERSION" || ! command -v wasm-bindgen-test-runner >/dev/null; then
  # Its shipped lockfile pins webpki-roots 1.0.11, which this registry lacks: unpack, downgrade, install.
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (4-8 min)"
  src=$(mktemp -d)
  crate=$(ls "$HOME"/.cargo/registry/cache/*/wasm-bindgen-cli-$WASM_BINDGEN_VERSION.crate 2>/dev/null | head -1 || true)
  if [ -z "$crate" ]; then
    (cd "$src" && cargo new -q fetcher && cd fetcher \
      && cargo add -q "wasm-bindgen-cli@=$WASM_BINDGEN_VERSION" && cargo fetch -q) || true
    crate=$(ls "$HOME"/.cargo/registry/cache/*/wasm-bindgen-cli-$WASM_BINDGEN_VERSION.crate | head -1)
  fi
  tar -xzf "$crate" -C "$src"
  (cd "$src/wasm-bindgen-cli-$WASM_BINDGEN_VERSION" \
    && cargo update -q -p webpki-roots --precise 1.0.10 \
    && cargo install --locked --path . --force)
  rm -rf "$src"
fi

if ! have_version worker-build "$WORKER_BUILD_VERSION"; then
  log "cargo install worker-build $WORKER_BUILD_VERSION (~11 min)"
  cargo install --locked worker-build --version "$WORKER_BUILD_VERSION"
fi
# OONI's own parser for the export test (wasm-tests/e2e/ooni.test.mjs), in a venv of its own.
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  log "apt-get install python3-venv"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
bash scripts/ooni-venv.sh >/dev/null
if ! have_version geckodriver "$GECKODRIVER_VERSION"; then
  log "cargo install geckodriver $GECKODRIVER_VERSION (~3 min)"
  cargo install --locked geckodriver --version "$GECKODRIVER_VERSION"
fi
log "all tools present"
