#!/usr/bin/env bash
# Runs a command in a private network namespace with only loopback, so that
# nothing a test starts (Chromium's background lookups, mDNS) can leave the machine.
# Falls back to the host's network (still loopback-only by Chromium's resolver rules)
# where namespaces are not allowed.
set -euo pipefail
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  exec unshare -n bash -c 'ip link set lo up && exec "$@"' -- "$@"
fi
echo "note: cannot create a network namespace here; running on the host's loopback" >&2
exec "$@"
