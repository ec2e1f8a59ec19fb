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
#   bench/ablate.sh --check CXX FLAGS  # only whether the patch applies and every variant
#                                      # compiles (a test in `make test`, so the tool cannot rot)
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

stale_patch="bench/ablation.patch no longer applies to engine/ledger.cc: update it to Reserve as it is now"

# The engine/ablation.h of variant $1 (its macros $2), written to $3.
write_ablation_header() {
  {
    echo "// Written by bench/ablate.sh for the variant '$1'."
    for macro in $2; do echo "#define ABLATE_$macro 1"; done
  } >"$3"
}

if [[ ${1:-} == --check ]]; then
  shift
  [[ $# -ge 1 ]] || { echo "usage: bench/ablate.sh --check CXX [FLAGS...]" >&2; exit 2; }
  cxx=$1
  shift
  copy=$(mktemp -d)
  trap 'rm -rf "$copy"' EXIT
  mkdir -p "$copy/engine"
  cp engine/ledger.cc "$copy/engine/"
  # A repository of its own: inside another work tree (TMPDIR in a checkout), git apply would
  # skip the paths outside the current directory and still succeed.
  git init -q "$copy"
  (cd "$copy" && git apply "$root/bench/ablation.patch") &&
    grep -q '#include "engine/ablation.h"' "$copy/engine/ledger.cc" || {
    echo "ablate: $stale_patch" >&2
    exit 1
  }
  for variant in "${variants[@]}"; do
    IFS='|' read -r name macros _ <<<"$variant"
    write_ablation_header "$name" "$macros" "$copy/engine/ablation.h"
    # The copy's directory first: its engine/ablation.h, the rest from the source tree.
    "$cxx" -I"$copy" "$@" -fsyntax-only "$copy/engine/ledger.cc" || {
      echo "ablate: the variant '$name' ($macros) does not compile" >&2
      exit 1
    }
  done
  echo "ablate --check: bench/ablation.patch applies and its ${#variants[@]} variants compile"
  exit 0
fi

log=$WORK.log  # the builds' and runs' own output, for when one fails
: >"$log"
fail() {
  echo "ablate: $1 (output in $log)" >&2
  exit 1
}

git worktree prune  # forget a worktree whose directory was removed
if [[ -e $WORK ]]; then
  # Only ever a worktree of this repository: its engine/ledger.cc is overwritten below.
  [[ $(git -C "$WORK" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) == \
    "$(git rev-parse --path-format=absolute --git-common-dir)" &&
    $(git -C "$WORK" rev-parse --show-toplevel) != "$root" ]] ||
    fail "$WORK exists and is not a worktree of this repository: set WORK or remove it"
  echo "== reusing the worktree $WORK, moved to $(git rev-parse --short HEAD)"
  git -C "$WORK" checkout -q -f --detach "$(git rev-parse HEAD)"
else
  echo "== worktree $WORK at $(git rev-parse --short HEAD)"
  git worktree add -q --detach "$WORK" HEAD
fi
git -C "$WORK" apply --check "$root/bench/ablation.patch" 2>>"$log" ||
  fail "$stale_patch"
git -C "$WORK" apply "$root/bench/ablation.patch"
# The build type `make` uses, so that the variant 'full' is the engine the other figures measure.
[[ -f $WORK/build/build.ninja ]] ||
  cmake -S "$WORK" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >>"$log" 2>&1 ||
  fail "cmake could not configure $WORK/build"
mkdir -p "$WORK/variants"
for variant in "${variants[@]}"; do
  IFS='|' read -r name macros why <<<"$variant"
  echo "== building '$name': $why"
  write_ablation_header "$name" "$macros" "$WORK/engine/ablation.h"
  cmake --build "$WORK/build" -j 2 --target omnistock-bench >>"$log" 2>&1 ||
    fail "the variant '$name' did not build"
  cp "$WORK/build/bin/omnistock-bench" "$WORK/variants/$name"
done

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq 1 "$ROUNDS"); do
  for variant in "${variants[@]}"; do
    IFS='|' read -r name _ _ <<<"$variant"
    output=$("$WORK/variants/$name" engine --workload uniform --max-lines 1 --clients 2 \
      --duration "$DURATION" --warmup 1 2>>"$log") || fail "the variant '$name' failed to run"
    rate=$(awk '/orders answered\/s/ {print $NF}' <<<"$output")
    [[ -n $rate ]] || fail "the variant '$name' printed no rate"
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
