#!/usr/bin/env bash
# Runs a command in a private network namespace with only loopback and a veth pair inside
# it, so that nothing a test starts (Chromium's background lookups, mDNS) can leave the machine.
# In its own mount namespace too, where /etc/resolv.conf names 127.0.0.1 only: the
# system resolver is then the lab's (lab/src/dns.rs; AJAR_LAB_RESOLVER says so).
# Falls back to the host's network (still loopback-only by Chromium's resolver rules)
# where namespaces are not allowed.
set -euo pipefail
if [ "$(id -u)" = 0 ] && unshare -n -m true 2>/dev/null; then
  RESOLV=$(mktemp /tmp/ajar-resolv-XXXXXX)
  printf '# the lab resolver (scripts/netns.sh)\nnameserver 127.0.0.1\noptions timeout:5 attempts:2\n' > "$RESOLV"
  chmod 644 "$RESOLV"
  exec unshare -n -m bash -c '
    ip link set lo up
    # A network of its own besides loopback (a veth pair, both ends in here, forwarding
    # off): browsers then have a default route and a host address, so Firefox gathers ICE
    # candidates; anything sent to an address not on loopback or this /30 is dropped here.
    if ip link add ajar0 type veth peer name ajar1 2>/dev/null; then
      ip addr add 10.99.0.1/30 dev ajar0 && ip addr add 10.99.0.2/30 dev ajar1
      ip link set ajar0 up && ip link set ajar1 up
      ip route add default via 10.99.0.2 dev ajar0
    fi
    resolv=$1; shift
    if [ -e /etc/resolv.conf ] && mount --bind "$resolv" /etc/resolv.conf 2>/dev/null; then
      export AJAR_LAB_RESOLVER=1
    fi
    rm -f "$resolv"
    exec "$@"' -- "$RESOLV" "$@"
fi
echo "note: cannot create a network namespace here; running on the host's loopback" >&2
exec "$@"
