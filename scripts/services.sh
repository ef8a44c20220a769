# Sourced: start and stop the lab and the collector (wrangler dev on workerd, local D1).
# Each service runs in its own process group so that stopping it leaves nothing behind.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
AJAR_PIDS=()

wait_http() { # url, what
  for _ in $(seq 1 120); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.5
  done
  echo "error: $2 did not come up at $1" >&2
  return 1
}

start_lab() { # extra args for ajar-lab serve
  local log="$ROOT/target/lab.log"
  cargo build -q -p ajar-lab
  : >"$log"
  setsid "$ROOT/target/debug/ajar-lab" serve "$@" >"$log" 2>&1 &
  LAB_PID=$!
  AJAR_PIDS+=($LAB_PID)
  for _ in $(seq 1 60); do grep -q "ajar lab:" "$log" 2>/dev/null && return 0; sleep 0.25; done
  echo "error: the lab did not start:" >&2; cat "$log" >&2; return 1
}

start_collector() { # persist dir, port, extra wrangler dev args
  local state="$1" port="${2:-8787}"
  local log="$ROOT/target/collector.log"
  [ "$port" = 8787 ] || log="$ROOT/target/collector-$port.log"
  shift 2 || true
  (cd "$ROOT/worker" && npx wrangler d1 migrations apply DB --local --persist-to "$state" >"$log" 2>&1) \
    || { echo "error: D1 migrations failed:" >&2; cat "$log" >&2; return 1; }
  (cd "$ROOT/worker" && exec setsid npx wrangler dev --local --ip 127.0.0.1 --port "$port" --persist-to "$state" --show-interactive-dev-session=false "$@" >>"$log" 2>&1) &
  AJAR_PIDS+=($!)
  wait_http "http://127.0.0.1:$port/v1/whoami" "the collector" || { cat "$log" >&2; return 1; }
}

stop_lab() {
  [ -n "${LAB_PID:-}" ] && { kill -- -"$LAB_PID" 2>/dev/null || kill "$LAB_PID" 2>/dev/null || true; }
  # Wait until its ports are free again.
  for _ in $(seq 1 40); do curl -s -o /dev/null --max-time 0.2 http://127.0.0.1:8470/ || break; sleep 0.1; done
  LAB_PID=""
}

stop_all() {
  for pid in "${AJAR_PIDS[@]}"; do
    kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  done
  AJAR_PIDS=()
}
