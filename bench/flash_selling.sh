#!/usr/bin/env bash
# bench/README.md's "while the stock lasts" table: flash-sale orders on a position that still has
# stock, as PostgreSQL's flash runs measure (they never sell their 100,000 units within a run),
# rather than the matrix's flash runs, which sell out early and then mostly answer "sold out".
# One fresh omnistockd (durable) on 127.0.0.1:$PORT, then ROUNDS rounds of four runs, each short
# enough not to sell out: unary at 16 and 64 clients for 2 s, ReserveBatch of 100 at 16 and 64
# clients for 0.3 s, no warmup. Every run seeds its own flash position (100,000 units) and checks
# that nothing was oversold. Then, as root and with PEERS=1 (the default), PostgreSQL's plain
# transaction on `flash` at 16 and 64 clients (bench/peers/postgres.sh, 20 s runs), so that the
# ratios compare the same hour. Writes one JSON line per run to $RESULTS (replacing what an
# earlier run of the script left there); `python3
# bench/tables.py` prints the table from them, each rate against that PostgreSQL run (or, without
# one, against bench/results' flash runs), and marks a run that sold out within its window (a
# faster machine: shorten it).
#
#   bench/flash_selling.sh                 # 3 rounds, then PostgreSQL: about 3 minutes
#   ROUNDS=5 PEERS=0 bench/flash_selling.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
PEERS=${PEERS:-1}
PORT=${PORT:-50062}
RESULTS=${RESULTS:-bench/results/flash-selling/runs.jsonl}
bin=build/bin

[[ -x $bin/omnistock-bench && -x $bin/omnistockd ]] || make build
mkdir -p "$(dirname "$RESULTS")" var/bench-flash
: >"$RESULTS"
source bench/server.sh
rm -rf var/bench-flash/data
start_server $bin var/bench-flash 127.0.0.1:$PORT --log_level=warn

run() {
  echo ">> round $round: omnistock-bench $*" >&2
  $bin/omnistock-bench grpc --target 127.0.0.1:$PORT --workload flash --warmup 0 "$@" \
    --jsonl "$RESULTS" | grep -E 'answered/s|flash check' >&2
}

for round in $(seq 1 "$ROUNDS"); do
  for clients in 16 64; do run --clients $clients --duration 2; done
  for clients in 16 64; do run --clients $clients --batch 100 --duration 0.3; done
done
stop_server
if [[ $PEERS == 1 && $(id -u) -ne 0 ]]; then
  echo "not root: no PostgreSQL run (the ratios will use bench/results' flash runs)" >&2
elif [[ $PEERS == 1 ]]; then
  echo ">> PostgreSQL's plain transaction on flash, the same hour" >&2
  WORKLOADS=flash PG_VARIANTS=plain_tx CLIENTS="16 64" DURATION=20 WARMUP=3 \
    RESULTS="$(realpath "$RESULTS")" bench/peers/postgres.sh >&2
fi
echo "wrote $RESULTS; python3 bench/tables.py prints the table" >&2
