#!/usr/bin/env bash
# bench/README.md's "while the stock lasts" table: flash-sale orders on a position that still has
# stock, as PostgreSQL's flash runs measure (they never sell their 100,000 units within a run),
# rather than the matrix's flash runs, which sell out early and then mostly answer "sold out".
# One fresh omnistockd (durable) on 127.0.0.1:$PORT, then ROUNDS rounds of four runs, each short
# enough not to sell out: unary at 16 and 64 clients for 2 s, ReserveBatch of 100 at 16 and 64
# clients for 0.3 s, no warmup. Every run seeds its own flash position (100,000 units) and checks
# that nothing was oversold. Then, with PEERS=1 (the default; through sudo unless root), PostgreSQL's plain
# transaction on `flash` at 16 and 64 clients (bench/peers/postgres.sh, 20 s runs), so that the
# ratios compare the same hour. Writes one JSON line per run to $RESULTS (replacing what an
# earlier run of the script left there, once it is done); `python3
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

# PostgreSQL's runs install and start it as root (bench/peers/postgres.sh): through sudo unless
# root. Said before the rounds rather than after them.
sudo=()
if [[ $PEERS == 1 && $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "bench/flash_selling.sh: PostgreSQL's runs need root, and sudo is not installed: run" \
      "as root, install sudo, or set PEERS=0 (the ratios then use bench/results' flash runs)" >&2
    exit 2
  fi
  sudo=(sudo)
fi
[[ -x $bin/omnistock-bench && -x $bin/omnistockd ]] || make build
mkdir -p "$(dirname "$RESULTS")" var/bench-flash
# This run's records, put in place of the old ones only at the end: a run that fails leaves them.
new_results=$(mktemp "$RESULTS.XXXXXX")
on_exit() { rm -f "$new_results"; }
source bench/server.sh
rm -rf var/bench-flash/data
start_server $bin var/bench-flash 127.0.0.1:$PORT --log_level=warn

failed=0
run() {
  echo ">> round $round: omnistock-bench $*" >&2
  local status=0 out
  out=$($bin/omnistock-bench grpc --target "127.0.0.1:$PORT" --workload flash --warmup 0 "$@" \
    --jsonl "$new_results") || status=$?
  grep -E 'answered/s|flash check|^(PASS|FAIL|NOT CHECKED)$' <<<"$out" >&2 || true
  if [[ $status -ne 0 ]]; then
    echo "   exit $status: this run is not in the table's rounds as it should be" >&2
    failed=$((failed + 1))
  fi
}

for round in $(seq 1 "$ROUNDS"); do
  for clients in 16 64; do run --clients $clients --duration 2; done
  for clients in 16 64; do run --clients $clients --batch 100 --duration 0.3; done
done
stop_server
if [[ $PEERS == 1 ]]; then
  echo ">> PostgreSQL's plain transaction on flash, the same hour" >&2
  "${sudo[@]}" env WORKLOADS=flash PG_VARIANTS=plain_tx CLIENTS="16 64" DURATION=20 WARMUP=3 \
    RESULTS="$(realpath "$new_results")" bench/peers/postgres.sh >&2 || {
    echo "PostgreSQL's runs failed: the ratios will use bench/results' flash runs" >&2
    failed=$((failed + 1))
  }
  [[ ${#sudo[@]} -eq 0 ]] || sudo chown "$(id -u):$(id -g)" "$new_results"
fi
mv "$new_results" "$RESULTS"
echo "wrote $RESULTS; python3 bench/tables.py prints the table" >&2
if [[ $failed -gt 0 ]]; then
  echo "$failed run(s) failed (above)" >&2
  exit 1
fi
