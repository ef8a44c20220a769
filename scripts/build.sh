#!/usr/bin/env bash
# Builds the app (release, by Trunk) into dist/ and the collector (worker-build) into worker/build/.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
trunk build --release
(cd worker && worker-build --release)
