#!/usr/bin/env bash
# Checkout while watchers replay the journal: paced unary Reserve calls, measured with 0, 2 and
# 4 watchers replaying a long journal over and over (bench/README.md, "Checkout while watchers
# replay the journal"). Starts a fresh omnistockd on 127.0.0.1:50062 with its data under
# ./var/bench-replay, fills its journal with a batched `uniform` run, and stops what it started.
#
#   bench/replay_load.sh                   # about a minute
#   SEED_SECONDS=5 RATE=300 bench/replay_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SEED_SECONDS=${SEED_SECONDS:-10}  # the batched run that fills the journal
RATE=${RATE:-500}                 # paced Reserve calls per second
DURATION=${DURATION:-10}
WATCHERS=${WATCHERS:-"0 2 4"}
PORT=${PORT:-50062}
bin=build/bin
work=var/bench-replay
target=127.0.0.1:$PORT

[[ -x $bin/omnistock-bench && -x $bin/omnistockd && -x $bin/omnistock ]] || make build
rm -rf "$work"
watcher_pids=()
on_exit() { kill "${watcher_pids[@]}" 2>/dev/null || true; }  # the loops, if the script ends early
source bench/server.sh
start_server $bin $work $target --log_level=warn

echo ">> filling the journal: $SEED_SECONDS s of batched uniform" >&2
$bin/omnistock-bench grpc --target $target --workload uniform --clients 16 --batch 100 \
  --duration "$SEED_SECONDS" --warmup 0 --catalog main | grep -E "orders answered"
# The watched SKU's only change is the newest movement: a replay from 0 reads everything.
$bin/omnistock --target $target receive BENCH-L0001 REPLAY-MARKER 1 >/dev/null
start=$(date +%s%N)
$bin/omnistock --target $target watch --sku REPLAY-MARKER --after 0 --count 1 --timeout 300 \
  >/dev/null
echo ">> one replay of the whole journal alone: $((($(date +%s%N) - start) / 1000000)) ms" >&2

for watchers in $WATCHERS; do
  watcher_pids=()
  for ((w = 0; w < watchers; w++)); do
    (end=$((SECONDS + DURATION + 3))
    while ((SECONDS < end)); do
      $bin/omnistock --target $target watch --sku REPLAY-MARKER --after 0 --count 1 \
        --timeout 300 >/dev/null 2>&1 || true
    done) &
    watcher_pids+=($!)
  done
  sleep 1
  echo ">> $watchers watcher(s) replaying; Reserve paced at $RATE/s for $DURATION s" >&2
  $bin/omnistock-bench grpc --target $target --workload uniform --clients 8 --rate "$RATE" \
    --duration "$DURATION" --warmup 1 --catalog main | grep -E "orders answered|^  reserve "
  for pid in "${watcher_pids[@]}"; do wait "$pid" || true; done
done
