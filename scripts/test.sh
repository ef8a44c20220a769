#!/usr/bin/env bash
# Every test: formatting and lints (native and wasm32), native unit tests, the release
# builds, then browser and end-to-end tests in a private network namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
bash scripts/install.sh
source scripts/env.sh

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== clippy (native)"
cargo clippy -q -p ajar-core -p ajar-lab --all-targets -- -D warnings
echo "== clippy (wasm32)"
cargo clippy -q --target wasm32-unknown-unknown -p ajar -p ajar-core -p ajar-worker -p ajar-wasm-tests -p ajar-embed --all-targets -- -D warnings
# The app crate without yew (probes, runner, collector client) must keep building for the embed.
cargo clippy -q --target wasm32-unknown-unknown -p ajar --no-default-features -- -D warnings
echo "== native tests"
cargo test -q -p ajar-core -p ajar-lab -p ajar-worker
echo "== build (app and collector)"
bash scripts/build.sh
echo "== browser and end-to-end tests"
bash scripts/netns.sh bash scripts/e2e.sh
echo "== all tests passed in $(( $(date +%s) - START )) s"
