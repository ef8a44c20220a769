#!/usr/bin/env bash
# Builds the app (release, by Trunk) into dist/, the embed's probe-only wasm into dist/embed/,
# and the collector (worker-build) into worker/build/.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
trunk build --release
# The embed: no yew, built by wasm-bindgen directly (trunk builds pages, not libraries).
cargo build -q --release --target wasm32-unknown-unknown -p ajar-embed
wasm-bindgen --target web --no-typescript --out-dir dist/embed --out-name ajar_embed \
  target/wasm32-unknown-unknown/release/ajar_embed.wasm
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  dist/embed/ajar_embed_bg.wasm -o dist/embed/ajar_embed_bg.wasm
(cd worker && worker-build --release)
