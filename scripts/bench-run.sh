#!/usr/bin/env bash
# The benchmarks that need the lab, the collector and Chromium. Run inside scripts/netns.sh.
set -euo pipefail
source "$(dirname "$0")/services.sh"
cd "$ROOT"
trap stop_all EXIT
# AJAR_BENCH_ONLY="accuracy scan" runs just those sections (deploy app embed accuracy canaries
# scan slow_phone control collector); unset runs them all.
want() { [[ -z "${AJAR_BENCH_ONLY:-}" || " $AJAR_BENCH_ONLY " == *" $1 "* ]]; }
# The lab's collector on a fresh D1 and edge cache, and a fresh isolate (the control's answers
# cached in memory): the scans and the control bench name the same hosts, and a second run must
# not find the first's answers. UNATTENDED_RUNS: the benchmarks' ?autorun=1 links run without
# a click (docs/automation.md).
fresh_collector() {
  stop_all
  STATE=$(mktemp -d /tmp/ajar-d1-XXXXXX)
  start_collector "$STATE" 8787 --var CONTROL_DOH:http://127.0.0.1:8470/dns-query \
    --var CONTROL_CONNECT:127.0.0.1:8470 --var CONTROL_ALLOW_PRIVATE:1 --var CONTROL_ANY_TARGET:1 --var UNATTENDED_RUNS:1 \
    --var CONTROLS:stun:stun-control.test:3478,https://control.test/
}
# Starts the lab with the given arguments, runs the node bench script with them in
# AJAR_LAB_ARGS (JSON), stops the lab.
bench_with_lab() { # script, lab args...
  local script="$1"
  shift
  start_lab "$@"
  AJAR_LAB_ARGS=$(printf '%s\n' "$@" | node -e 'console.log(JSON.stringify(require("fs").readFileSync(0,"utf8").trim().split("\n")))') \
    node "$script"
  stop_lab
}
fresh_collector
export AJAR_COLLECTOR=http://127.0.0.1:8787 AJAR_LAB_BIN="$ROOT/target/debug/ajar-lab"
if want deploy; then
  echo "== deploy: the Worker bundle of wrangler deploy --dry-run (offline), its gzip size against the free plan's 3 MB"
  node wasm-tests/bench/deploy.mjs
fi
if want app; then
  echo "== app: wasm size and time to the first verdict"
  start_lab --web-ports
  node wasm-tests/bench/app.mjs
  stop_lab
fi
if want embed; then
  echo "== embed: sizes, longest task, load-event delay on the partner page"
  start_lab --web-ports
  node wasm-tests/bench/embed.mjs
  stop_lab
fi
if want accuracy; then
  echo "== accuracy: seeded random scenarios, every technique, as ajar ships and with the lab's hints"
  rm -f target/bench/accuracy-*.json
  for SEED in ${AJAR_BENCH_SEEDS:-42 7 1234}; do
    # The lab's path on: 50 ms round trip and 1% loss on every connection (lab/src/link.rs).
    bench_with_lab wasm-tests/bench/accuracy.mjs --generate "${AJAR_BENCH_TARGETS:-400}" --seed "$SEED" --web-ports --rtt-ms 50 --loss 0.01
  done
  node wasm-tests/bench/accuracy-summary.mjs
fi
if want canaries; then
  echo "== canaries: attribution of canary failures, SNI throttle detection (adds to accuracy.json)"
  bench_with_lab wasm-tests/bench/canaries.mjs --generate 100 --seed 42 --web-ports
fi
if want scan; then
  fresh_collector
  echo "== scan: 1,000 targets, 50 ms RTT, 10% blackholed"
  bench_with_lab wasm-tests/bench/scan.mjs --scan 1000 --blackholed-share 0.1 --latency-ms 50 --web-ports
fi
if want slow_phone; then
  fresh_collector
  echo "== scan, slow phone: 200 targets, 300 ms RTT, 1 Mbit/s shared, 1% loss, 10% blackholed"
  AJAR_SCAN_PROFILE=slow_phone bench_with_lab wasm-tests/bench/scan.mjs --scan 200 --blackholed-share 0.1 --latency-ms 0 --web-ports --rtt-ms 300 --rate-kbit 1000 --loss 0.01
fi
if want control; then
  fresh_collector
  echo "== control: the outside view's targets per second per isolate, and its cache hit rate"
  bench_with_lab wasm-tests/bench/control.mjs --scan 200 --blackholed-share 0.1 --web-ports --rtt-ms 50
fi
if want collector; then
  echo "== collector: 32 clients posting 50-result reports for 10 s, then the same load on a no-op route"
  stop_all
  STATE=$(mktemp -d /tmp/ajar-d1-XXXXXX)
  start_collector "$STATE" 8787 --var RATE_LIMIT_PER_MIN:100000000 --test-scheduled
  AJAR_D1_STATE="$STATE" node wasm-tests/bench/collector.mjs
fi
