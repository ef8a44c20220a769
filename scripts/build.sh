#!/usr/bin/env bash
# Builds the app (release, scripts/pack-app.mjs) into dist/, the embed's probe-only wasm into dist/embed/,
# and the collector (worker-build) into worker/build/.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
node scripts/pack-app.mjs
# The embed: no yew, built by wasm-bindgen directly (a library, not a page).
cargo build -q --release --target wasm32-unknown-unknown -p ajar-embed
wasm-bindgen --target web --no-typescript --out-dir dist/embed --out-name ajar_embed \
  target/wasm32-unknown-unknown/release/ajar_embed.wasm
wasm-opt -Oz -Oz --strip-producers --strip-target-features --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  dist/embed/ajar_embed_bg.wasm -o dist/embed/ajar_embed_bg.wasm
# Partners' readers download the loader and the glue: minified (their readable sources are
# www/embed.js and wasm-bindgen's output).
esbuild --minify --format=esm --log-level=warning --allow-overwrite dist/embed/ajar_embed.js --outfile=dist/embed/ajar_embed.js
esbuild --minify --log-level=warning --allow-overwrite dist/embed.js --outfile=dist/embed.js
(cd worker && worker-build --release)
