#!/usr/bin/env bash
# `make bench`: numbers, printed and written as JSON under target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
source scripts/env.sh
[ -d dist ] && ls dist/*.wasm >/dev/null 2>&1 || bash scripts/build.sh
cargo build -q -p ajar-lab
bash scripts/netns.sh bash scripts/bench-run.sh
