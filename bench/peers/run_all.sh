#!/usr/bin/env bash
# Both peer baselines, one after the other (never at the same time: they would share the two
# cores): PostgreSQL (postgres.sh), then Redis (redis.sh), with the same settings; then the table
# of every run of this invocation and, with CHARTS=1 (the default), the charts. See README.md.
#
#   bench/peers/run_all.sh                                   # full runs, results in /tmp/peers.jsonl
#   RESULTS=bench/results/peers.jsonl bench/peers/run_all.sh # the real measurements
#   CLIENTS=16 DURATION=5 WARMUP=1 bench/peers/run_all.sh    # a short validation run
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CHARTS="${CHARTS:-1}"
SYSTEMS="${SYSTEMS:-postgres redis}"

check_settings
export CLIENTS DURATION WARMUP WORKLOADS RESULTS KEEP
for s in $SYSTEMS; do
  case "$s" in postgres|redis) ;; *) die "unknown SYSTEMS entry '$s' (postgres, redis)" ;; esac
done

trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

touch "$RESULTS"
before=$(wc -l <"$RESULTS")
log "settings: CLIENTS='$CLIENTS' DURATION=$DURATION WARMUP=$WARMUP WORKLOADS='$WORKLOADS' RESULTS=$RESULTS"
for s in $SYSTEMS; do
  log "=== $s ==="
  bash "$PEERS_DIR/$s.sh"
done

RUN_JSONL="$(mktemp /tmp/omnistock-peers-all.XXXXXX)"
trap 'rm -f "$RUN_JSONL"' EXIT
tail -n +"$((before + 1))" "$RESULTS" >"$RUN_JSONL"
echo
echo "All peer baselines of this invocation ($(wc -l <"$RUN_JSONL") runs, appended to $RESULTS)"
python3 "$PEERS_DIR/peers.py" table "$RUN_JSONL"

if [ "$CHARTS" = 1 ]; then
  # With RESULTS in bench/results, every *.jsonl there (omnistock's own results too) is drawn
  # into bench/results/{throughput,latency}.svg; otherwise only $RESULTS, into $CHART_DIR
  # (default /tmp/omnistock-peers-charts).
  if [ "$(dirname "$RESULTS")" -ef "$REPO_ROOT/bench/results" ]; then
    python3 "$PEERS_DIR/chart.py" --out "${CHART_DIR:-$REPO_ROOT/bench/results}" >&2
  else
    python3 "$PEERS_DIR/chart.py" --out "${CHART_DIR:-/tmp/omnistock-peers-charts}" "$RESULTS" >&2
  fi
fi
