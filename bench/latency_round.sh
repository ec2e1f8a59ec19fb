#!/usr/bin/env bash
# One round of "Latency at half the peak rate" (bench/README.md): a fresh omnistockd, a 10 s
# closed-loop peak of unary `uniform` Reserve calls at 16 clients, 30 s of quiet (RocksDB
# flushes what the peak wrote), then 20 s paced at RATE, with the server's own histograms read
# before and after the paced window: what share of its calls (accepted to answered) and of its
# synced writes (RocksDB's write, fsync included) took under 0.5, 1, 2, 5, 10 and 20 ms. Stops
# what it started.
#
#   bench/latency_round.sh 4000            # about 80 s after the seeding
#   CLIENTS=64 bench/latency_round.sh 6000
#   SERVER=/path/to/other/omnistockd bench/latency_round.sh 4000   # an A/B, alternating builds
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${1:?usage: bench/latency_round.sh RATE (paced Reserve calls per second)}
CLIENTS=${CLIENTS:-16}
PEAK_SECONDS=${PEAK_SECONDS:-10}
QUIET_SECONDS=${QUIET_SECONDS:-30}
PACED_SECONDS=${PACED_SECONDS:-20}
PORT=${PORT:-50076}
METRICS_PORT=${METRICS_PORT:-9479}
bin=build/bin
work=var/bench-latency
target=127.0.0.1:$PORT
metrics=http://127.0.0.1:$METRICS_PORT/metrics

[[ -x $bin/omnistock-bench && -x $bin/omnistockd ]] || make build
server_bin=$bin
if [[ -n ${SERVER:-} ]]; then  # start_server runs BIN_DIR/omnistockd
  server_bin=$work/server-bin
  mkdir -p "$server_bin"
  ln -sf "$(realpath "$SERVER")" "$server_bin/omnistockd"
fi
rm -rf "$work/data"
source bench/server.sh
start_server "$server_bin" "$work" "$target" --metrics_listen=127.0.0.1:$METRICS_PORT \
  --log_level=warn

bench=("$bin/omnistock-bench" grpc --target "$target" --workload uniform --clients "$CLIENTS"
  --catalog main)
echo ">> the peak: $PEAK_SECONDS s closed loop at $CLIENTS clients" >&2
"${bench[@]}" --duration "$PEAK_SECONDS" | grep -E "seeded|orders answered/s|^  reserve "
echo ">> $QUIET_SECONDS s of quiet" >&2
sleep "$QUIET_SECONDS"
histograms() {
  curl -sf "$metrics" | grep -E \
    'rpc_duration_seconds_bucket\{method="/omnistock.v1.Reservations/Reserve"|commit_write_seconds_bucket' \
    >"$1"
}
histograms "$work/before"
echo ">> $PACED_SECONDS s paced at $RATE/s" >&2
"${bench[@]}" --duration "$PACED_SECONDS" --rate "$RATE" |
  grep -E "orders answered/s|^  reserve |paced starts|rate not kept|less wake-up"
histograms "$work/after"
python3 - "$work/before" "$work/after" <<'PY'
import re
import sys


def load(path):
    buckets = {}
    for line in open(path):
        m = re.match(r'(\w+)_bucket\{.*le="([^"]+)"\} (\S+)', line)
        if m:
            buckets[(m.group(1), m.group(2))] = float(m.group(3))
    return buckets


before, after = load(sys.argv[1]), load(sys.argv[2])
labels = {"omnistock_rpc_duration_seconds": "server, Reserve calls",
          "omnistock_commit_write_seconds": "disk, synced writes"}
for name in sorted({k[0] for k in after}):
    total = after[(name, "+Inf")] - before.get((name, "+Inf"), 0)
    if total <= 0:
        continue
    shares = []
    for le in ["0.0005", "0.001", "0.002", "0.005", "0.01", "0.02"]:
        if (name, le) in after:
            share = (after[(name, le)] - before.get((name, le), 0)) / total
            shares.append(f"<{float(le) * 1000:g} ms {100 * share:.1f}%")
    print(f"  {labels.get(name, name):24s} {int(total):8d}  " + "  ".join(shares))
PY
