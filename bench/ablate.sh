#!/usr/bin/env bash
# What each part of a single-line Reserve costs in engine mode: builds omnistock-bench from this
# commit with bench/ablation.patch applied, once per variant below (each skips more of Reserve's
# work), and runs the variants in alternating rounds (the VM's speed drifts by 20-30% between
# runs, so alternate and compare means). The variants are measuring tools, not correct ledgers:
# they drop holds, commits, expiry and records that the real one keeps. bench/README.md, "Where
# the time goes", has the results. Uses its own git worktree of this commit and its own build
# directory (about 5 minutes of building the first time), then about 3 minutes of runs.
# `git worktree remove --force /tmp/omnistock-ablate` removes it afterwards.
#
#   bench/ablate.sh                    # 3 rounds of 6 s runs
#   ROUNDS=5 DURATION=10 bench/ablate.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6}
WORK=${WORK:-/tmp/omnistock-ablate}

# name|macros it defines|what it leaves out
variants=(
  "full||leaves out nothing: the ledger as it is"
  "lean|HOLDS COMMIT_ROWS EXPIRY ANSWER|leaves out the hold, the rows copied into the commit, the deadline, the copy into the answer"
  "untabled|HOLDS COMMIT_ROWS EXPIRY ANSWER TABLE|as lean, and the record is in no table (still allocated, and kept)"
  "arena|HOLDS COMMIT_ROWS EXPIRY ANSWER TABLE_ARENA|as untabled, the record from a bump arena instead of malloc"
  "unrecorded|HOLDS COMMIT_ROWS EXPIRY ANSWER RECORD|as lean, and no record at all"
  "floor|HOLDS COMMIT_ROWS EXPIRY ANSWER RECORD POSITION|as unrecorded, and no position lookup"
)

if [[ ! -d $WORK/.git && ! -f $WORK/.git ]]; then
  echo "== worktree $WORK at $(git rev-parse --short HEAD)"
  git worktree add --detach "$WORK" HEAD
else
  echo "== reusing the worktree $WORK, moved to $(git rev-parse --short HEAD)"
  git -C "$WORK" checkout -q -- engine/ledger.cc
  git -C "$WORK" checkout -q --detach "$(git rev-parse HEAD)"
fi
if ! git -C "$WORK" apply --check "$root/bench/ablation.patch"; then
  echo "bench/ablation.patch no longer applies to engine/ledger.cc: update it to Reserve as it is now" >&2
  exit 1
fi
git -C "$WORK" apply "$root/bench/ablation.patch"
[[ -f $WORK/build/build.ninja ]] ||
  cmake -S "$WORK" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
mkdir -p "$WORK/variants"
for variant in "${variants[@]}"; do
  IFS='|' read -r name macros why <<<"$variant"
  echo "== building '$name': $why"
  {
    echo "// Written by bench/ablate.sh for the variant '$name'."
    for macro in $macros; do echo "#define ABLATE_$macro 1"; done
  } >"$WORK/engine/ablation.h"
  cmake --build "$WORK/build" -j 2 --target omnistock-bench >/dev/null
  cp "$WORK/build/bin/omnistock-bench" "$WORK/variants/$name"
done

results=$(mktemp)
for round in $(seq 1 "$ROUNDS"); do
  for variant in "${variants[@]}"; do
    IFS='|' read -r name _ _ <<<"$variant"
    rate=$("$WORK/variants/$name" engine --workload uniform --max-lines 1 --clients 2 \
      --duration "$DURATION" --warmup 1 2>/dev/null | awk '/orders answered\/s/ {print $NF}')
    echo "round $round/$ROUNDS  $name  $rate orders/s"
    echo "$name $rate" >>"$results"
  done
done

echo
echo "variant     mean orders/s   us of one core per order   runs"
for variant in "${variants[@]}"; do
  IFS='|' read -r name _ _ <<<"$variant"
  awk -v n="$name" '$1 == n {s += $2; c++; runs = runs " " $2}
    END {printf "%-11s %14.0f %26.2f  %s\n", n, s / c, 2e6 / (s / c), runs}' "$results"
done
rm -f "$results"
