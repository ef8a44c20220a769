#!/usr/bin/env bash
# `make bench`: numbers, printed and written as JSON under target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
source scripts/env.sh
[ -d dist ] && ls dist/*.wasm >/dev/null 2>&1 || bash scripts/build.sh
mkdir -p target/bench
wasm=$(ls dist/*_bg.wasm | head -1)
raw=$(stat -c %s "$wasm")
gz=$(gzip -9c "$wasm" | wc -c)
printf '{"wasm_bytes":%d,"wasm_gzip_bytes":%d}\n' "$raw" "$gz" | tee target/bench/app.json
cargo build -q -p ajar-lab
bash scripts/netns.sh bash scripts/bench-run.sh
