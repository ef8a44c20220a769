#!/usr/bin/env bash
# Builds the app (release, by Trunk) into dist/, the embed's probe-only wasm into dist/embed/,
# and the collector (worker-build) into worker/build/.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
trunk build --release
# Trunk starts the app with an inline module script; moved to a file of its own so that the
# app's CSP needs no 'unsafe-inline' for scripts (www/_headers). Fails if any inline script is left.
node -e '
  const fs = require("fs"), crypto = require("crypto");
  let html = fs.readFileSync("dist/index.html", "utf8");
  html = html.replace(/<script type="module"([^>]*)>([\s\S]*?)<\/script>/g, (_, attrs, code) => {
    const name = `init-${crypto.createHash("sha256").update(code).digest("hex").slice(0, 16)}.js`;
    fs.writeFileSync(`dist/${name}`, code);
    return `<script type="module"${attrs} src="/${name}"></script>`;
  });
  if (/<script(?![^>]*\ssrc=)[^>]*>/.test(html)) { console.error("dist/index.html: an inline script is left"); process.exit(1); }
  fs.writeFileSync("dist/index.html", html);'
# The embed: no yew, built by wasm-bindgen directly (trunk builds pages, not libraries).
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
