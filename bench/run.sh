#!/usr/bin/env bash
# The omnistock side of bench/README.md's tables: runs every workload of the comparison at 16 and
# 64 clients, unary and with ReserveBatch, plus engine mode, and appends one JSON line per run to
# bench/results/omnistock.jsonl. Every gRPC run gets a fresh omnistockd (durable: synced WAL,
# group commit) on 127.0.0.1:50061 with its data under ./var/bench, which it seeds itself, as
# every peer run gets a fresh Redis or a PostgreSQL with its reservations truncated
# (bench/peers): no run measures a server an earlier run filled. Stops what it started.
#
#   bench/run.sh                         # the full matrix, 20 s per run (about 12 minutes)
#   DURATION=5 CLIENTS="16" bench/run.sh # shorter
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
CLIENTS=${CLIENTS:-"16 64"}
BATCH=${BATCH:-100}
RESULTS=${RESULTS:-bench/results/omnistock.jsonl}
PORT=${PORT:-50061}
bin=build/bin

[[ -x $bin/omnistock-bench && -x $bin/omnistockd ]] || make build
mkdir -p "$(dirname "$RESULTS")" var/bench
source bench/server.sh

run() {
  echo ">> omnistock-bench $*" >&2
  $bin/omnistock-bench "$@" --duration "$DURATION" --warmup "$WARMUP" --jsonl "$RESULTS"
}

# A gRPC run against a fresh server: the last one stopped (clean shutdown), its data removed.
run_fresh() {
  stop_server
  rm -rf var/bench/data
  start_server $bin var/bench 127.0.0.1:$PORT --log_level=warn
  run grpc --target 127.0.0.1:$PORT "$@"
}

# Engine mode: the core alone, 2 threads (this machine's cores), then as many threads as the
# gRPC runs have clients, for the tables' rows at every client count.
for clients in 2 $CLIENTS; do
  for workload in uniform skewed flash; do
    run engine --workload $workload --clients "$clients"
  done
done
# The engine target counts single-line reservations.
run engine --workload uniform --clients 2 --max-lines 1

# Over gRPC, durable.
for clients in $CLIENTS; do
  for workload in uniform skewed flash; do
    run_fresh --workload $workload --clients "$clients"
    run_fresh --workload $workload --clients "$clients" --batch "$BATCH"
  done
done
first_clients=${CLIENTS%% *}
# The orders/s of the last uniform run of VARIANT ("grpc", "grpc, batch 100") with the first
# client count, or nothing.
peak_of() {
  grep "\"variant\":\"$1\"" "$RESULTS" | grep '"workload":"uniform"' |
    grep "\"clients\":$first_clients," | tail -n 1 |
    sed -n 's/.*"ops_per_s":\([0-9.]*\).*/\1/p' || true
}
# Latency at half the peak: the unary uniform run with the first client count, paced at half
# the rate it reached (open loop: latency counts from each order's scheduled start).
peak=$(peak_of grpc)
if [[ -n "$peak" ]]; then
  run_fresh --workload uniform --clients "$first_clients" \
    --rate "$(awk -v p="$peak" 'BEGIN { printf "%d", p / 2 }')"
fi
# The same for ReserveBatch: calls of $BATCH orders paced at half the orders/s it reached.
peak=$(peak_of "grpc, batch $BATCH")
if [[ -n "$peak" ]]; then
  run_fresh --workload uniform --clients "$first_clients" --batch "$BATCH" \
    --rate "$(awk -v p="$peak" -v b="$BATCH" 'BEGIN { printf "%d", p / 2 / b }')"
fi
for workload in lifecycle omnichannel; do
  run_fresh --workload $workload --clients "$first_clients"
done
# WMS cycle counts: a few warehouse integrations streaming 50,000-row stock takes.
run_fresh --workload counts --clients 4
stop_server
run engine --workload counts --clients 2
echo "results appended to $RESULTS" >&2
