#!/usr/bin/env bash
# `make run`: install what is missing, build the app and the collector, apply D1 migrations,
# start the lab and the collector (wrangler dev on workerd, local D1) serving the app, print the URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
source scripts/services.sh
bash scripts/build.sh
trap stop_all EXIT INT TERM
start_lab
# A lab on loopback: the printed ?autorun=1 link may run without a click (UNATTENDED_RUNS,
# docs/automation.md); a public deployment leaves it unset.
# The lab's controls, not the default real sites (the lab reaches nothing outside loopback).
start_collector "$ROOT/worker/.wrangler/state" "${PORT:-8787}" --var UNATTENDED_RUNS:1 \
  --var CONTROLS:stun:stun-control.test:3478,https://control.test/ \
  --var "EMBED_FRAME_ANCESTORS:http://partner.test:8470 https://partner.test"
URL="http://127.0.0.1:${PORT:-8787}/"
# An empty local D1 gets the lab's generated demo data (documentation networks, .test sites; the
# explorer says it is demo data), so that the explorer has something to show. AJAR_DEMO_DATA=0: none.
EMPTY=$(curl -s "${URL}v1/aggregates?window=all" || true)
if [ "${AJAR_DEMO_DATA:-1}" = 1 ] && grep -q '"cells":\[\]' <<<"$EMPTY" && grep -q '"withheld":0' <<<"$EMPTY"; then
  echo "Seeding the empty local D1 with generated demo data (ajar-lab demo-reports)..."
  "$ROOT/target/debug/ajar-lab" demo-reports --collector "127.0.0.1:${PORT:-8787}"
fi
LAB_RUN="${URL}?list=http://lab.test:8470/list.json&controls=http://lab.test:8470/controls.json&doh=http://doh.test:8470/dns-query&outside=http://lab.test:8470/outside&canaries=http://lab.test:8470/canary.json&timeout=3000&autorun=1"
cat <<MSG

  ajar is running: $URL

  The collector (API under ${URL}v1/) serves the app; reports go to its local D1
  (worker/.wrangler/state). The explorer (${URL}#/explorer) shows generated demo data
  until you delete that directory (AJAR_DEMO_DATA=0 make run: no demo data). The lab censors on purpose on 127.0.0.1 (HTTP :8470).
  Lab names (*.test) resolve only in a browser started with the lab's resolver rules; its
  certificates are trusted through a throwaway HOME whose NSS database holds the lab CA:

    HOME=\$(node wasm-tests/e2e/nss.cjs) chromium --user-data-dir=\$(mktemp -d) \\
      --allow-loopback-in-peer-connection --disable-features=WebRtcHideLocalIpsWithMdns \\
      --host-resolver-rules="\$(target/debug/ajar-lab rules)" '$LAB_RUN'

  Ctrl-C stops everything.
MSG
wait
