#!/usr/bin/env bash
# Peer baseline: the omnistock reservation workloads on Redis (a Lua script per order), driven
# by redis_bench (redis_bench.c, built here against Debian's libhiredis).
#
# Every run gets a fresh redis-server on 127.0.0.1:$REDIS_PORT (data under /tmp, AOF on,
# appendfsync always or everysec), its catalog loaded with pipelined HSETs, then the closed-loop
# run; the flash invariant is checked; the server is stopped and its files removed. Prints a
# results table on stdout and appends one JSON line per run to $RESULTS. Stops everything it
# started on exit, Ctrl-C included. See README.md.
#
#   CLIENTS="16 64" DURATION=30 WARMUP=5 RESULTS=bench/results/peers.jsonl bench/peers/redis.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REDIS_PORT="${REDIS_PORT:-56379}"
REDIS_FSYNC="${REDIS_FSYNC:-always everysec}"
BUILD_DIR="${PEERS_BUILD_DIR:-$PEERS_DIR/build}"

check_settings
for v in $REDIS_FSYNC; do
  case "$v" in always|everysec) ;; *) die "unknown REDIS_FSYNC entry '$v' (always, everysec)" ;; esac
done

ensure_packages redis-server redis-tools libhiredis-dev gcc libc6-dev python3

# redis_bench: rebuilt when the source is newer than the binary.
BENCH_BIN="$BUILD_DIR/redis_bench"
if [ ! -x "$BENCH_BIN" ] || [ "$PEERS_DIR/redis_bench.c" -nt "$BENCH_BIN" ]; then
  mkdir -p "$BUILD_DIR"
  log "building $BENCH_BIN"
  gcc -O2 -Wall -Wextra -pthread "$PEERS_DIR/redis_bench.c" -o "$BENCH_BIN" -lhiredis -lm
fi

port_free "$REDIS_PORT" || die "127.0.0.1:$REDIS_PORT is already in use (set REDIS_PORT)"
REDIS_VERSION="$(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')"

TMP="$(mktemp -d /tmp/omnistock-peers-redis.XXXXXX)"
WORK="$TMP/work"
mkdir -p "$WORK"
RUN_JSONL="$WORK/results.jsonl"
: >"$RUN_JSONL"
REDIS_PID=""

stop_redis() {
  [ -n "$REDIS_PID" ] || return 0
  if kill -0 "$REDIS_PID" 2>/dev/null; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$REDIS_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$REDIS_PID" 2>/dev/null; then kill -9 "$REDIS_PID" 2>/dev/null || true; fi
  fi
  wait "$REDIS_PID" 2>/dev/null || true
  REDIS_PID=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  kill_child
  if [ -n "$REDIS_PID" ]; then
    log "stopping Redis"
    stop_redis
  fi
  if [ "$KEEP" = 1 ]; then log "kept $TMP (KEEP=1)"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# start_redis DIR FSYNC: a fresh server whose only files live in DIR.
start_redis() {
  local dir="$1" fsync="$2"
  mkdir -p "$dir"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes --daemonize no \
    --dir "$dir" --logfile "$dir/redis.log" \
    --appendonly yes --appendfsync "$fsync" --save "" \
    --auto-aof-rewrite-percentage 0 --maxclients 10000 &
  REDIS_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then return 0; fi
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$dir/redis.log" >&2 || true
  die "redis-server did not start"
}

run_one() {
  local fsync="$1" workload="$2" clients="$3"
  local variant="aof_$fsync"
  local on_hand=$UNIFORM_ON_HAND
  [ "$workload" = flash ] && on_hand=$FLASH_ON_HAND
  local dir="$WORK/$variant-$workload-c$clients"
  log "redis $variant $workload: fresh server, loading the catalog"
  # The catalog is written with appendfsync everysec (its durability is not what is measured),
  # then the run's policy is set.
  start_redis "$dir" everysec
  local t_load=$SECONDS
  run_child "$BENCH_BIN" load --port "$REDIS_PORT" --workload "$workload" --skus "$SKUS" \
    --locations "$LOCATIONS" --on-hand "$on_hand"
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config set appendfsync "$fsync" >/dev/null
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config get appendfsync | tail -n 1)" = "$fsync" ] \
    || die "could not set appendfsync $fsync"
  log "loaded in $((SECONDS - t_load)) s; $clients clients, ${WARMUP} s warmup + ${DURATION} s measured"
  run_child "$BENCH_BIN" run --port "$REDIS_PORT" --workload "$workload" --skus "$SKUS" \
    --locations "$LOCATIONS" --on-hand "$on_hand" --zipf-s "$ZIPF_S" --clients "$clients" --duration "$DURATION" \
    --warmup "$WARMUP" --system redis --variant "$variant" >"$dir/result.json"
  local extra
  extra="$(printf '{"variant_label":"Lua script via EVALSHA, AOF appendfsync %s","server":"Redis %s","config":"appendonly yes, appendfsync %s, no RDB snapshots, no automatic AOF rewrite; redis_bench: one connection per client thread over TCP 127.0.0.1, no pipelining"}' \
    "$fsync" "$REDIS_VERSION" "$fsync")"
  local line
  line="$(python3 "$PEERS_DIR/peers.py" merge --extra "$extra" <"$dir/result.json")"
  record_result "$line"
  log "$(python3 "$PEERS_DIR/peers.py" summary "$line")"
  stop_redis
  [ "$KEEP" = 1 ] || rm -rf "$dir"
}

for w in $WORKLOADS; do
  for fsync in $REDIS_FSYNC; do
    for c in $CLIENTS; do
      run_one "$fsync" "$w" "$c"
    done
  done
done

echo
echo "Redis $REDIS_VERSION peer baseline (results appended to $RESULTS)"
python3 "$PEERS_DIR/peers.py" table "$RUN_JSONL"
