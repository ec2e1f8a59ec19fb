# shellcheck shell=bash disable=SC2034
# Shared helpers of the peer-baseline scripts (sourced by postgres.sh and redis.sh, never run).
#
# Settings every script reads from the environment (see README.md):
#   CLIENTS="16 64"   closed-loop client counts, one run per count and workload
#   DURATION=30       measured seconds per run
#   WARMUP=5          seconds run before the measured window, not counted
#   WORKLOADS="uniform skewed flash"
#   RESULTS=/tmp/peers.jsonl   where one JSON line per run is appended; point it at
#                              bench/results/peers.jsonl for the real measurements
#   KEEP=0            1 keeps the temporary server directory (data, logs) for inspection

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$PEERS_DIR/../.." && pwd)"

CLIENTS="${CLIENTS:-16 64}"
DURATION="${DURATION:-30}"
WARMUP="${WARMUP:-5}"
WORKLOADS="${WORKLOADS:-uniform skewed flash}"
RESULTS="${RESULTS:-/tmp/peers.jsonl}"
KEEP="${KEEP:-0}"

# The workloads: the same numbers as omnistock-bench.
SKUS=10000
LOCATIONS=50
UNIFORM_ON_HAND=1000000
# Only for testing the stock-out path quickly (a short PostgreSQL run never sells 100,000):
# FLASH_ON_HAND=2000. Every result line records on_hand_per_position.
FLASH_ON_HAND="${FLASH_ON_HAND:-100000}"
ZIPF_S=0.99

log() { printf '[peers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

check_settings() {
  local v
  for v in $CLIENTS; do
    [[ "$v" =~ ^[1-9][0-9]*$ ]] || die "CLIENTS must be positive integers, got '$CLIENTS'"
  done
  [[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a positive integer (seconds), got '$DURATION'"
  [[ "$FLASH_ON_HAND" =~ ^[1-9][0-9]*$ ]] || die "FLASH_ON_HAND must be a positive integer"
  [[ "$WARMUP" =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer (seconds), got '$WARMUP'"
  for v in $WORKLOADS; do
    case "$v" in uniform|skewed|flash) ;; *) die "unknown workload '$v' (uniform, skewed, flash)" ;; esac
  done
  # A relative RESULTS path is relative to the directory the script was started from.
  case "$RESULTS" in /*) ;; *) RESULTS="$PWD/$RESULTS" ;; esac
  mkdir -p "$(dirname "$RESULTS")"
}

pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# Waits while another apt-get/dpkg holds the package database (the project's bootstrap may be
# running at the same time), up to 15 minutes.
apt_busy() {
  local f
  for f in /proc/[0-9]*/comm; do
    case "$(cat "$f" 2>/dev/null)" in apt-get|apt|dpkg|unattended-upgr) return 0 ;; esac
  done
  return 1
}

wait_for_apt() {
  local i
  for ((i = 0; i < 45; i++)); do
    apt_busy || return 0
    log "another apt-get/dpkg is running; waiting 20 s"
    sleep 20
  done
  die "apt-get/dpkg still busy after 15 minutes"
}

# What runs the package manager and systemctl: sudo unless root.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# ensure_packages PKG...: installs the Debian packages that are not installed yet.
ensure_packages() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  wait_for_apt
  export DEBIAN_FRONTEND=noninteractive
  # Debian starts a server package's system service when it is installed (PostgreSQL's main
  # cluster on 5432, a redis-server on 6379), which would stay up beside every later benchmark.
  # The scripts run their own servers on other ports and stop them; a policy that refuses
  # service starts for the length of the install (invoke-rc.d's policy-rc.d, exit 101) keeps
  # the system ones from starting. An existing policy is left as it is.
  local policy=/usr/sbin/policy-rc.d made_policy="" status=0
  local enabled_before
  enabled_before=$(enabled_services)
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# bench/peers: no service starts while it installs packages\nexit 101\n' |
      $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy" && made_policy=1
  fi
  # An install from a stale package list fails; refresh it then try once more.
  if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
    $SUDO apt-get update -qq >&2 || status=$?
    [ "$status" -eq 0 ] &&
      { $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || status=$?; }
  fi
  [ -n "$made_policy" ] && $SUDO rm -f "$policy"
  disable_services_enabled_since "$enabled_before"
  return "$status"
}

# The server services the peers' packages bring (PostgreSQL's, Redis's) that are enabled to start
# at boot, one per line; nothing without systemctl.
peer_services=(postgresql redis-server)
enabled_services() {
  command -v systemctl >/dev/null || return 0
  local unit
  for unit in "${peer_services[@]}"; do
    [ "$(systemctl is-enabled "$unit" 2>/dev/null)" = enabled ] && echo "$unit"
  done
  return 0
}

# disable_services_enabled_since BEFORE: an install also enables the system services of the server
# packages it brings, which would start PostgreSQL's main cluster and a redis-server at the next
# boot. The scripts need neither (they run their own), so a service enabled by the install (not
# among BEFORE, enabled_services' answer before it) is disabled again; one enabled before is left.
disable_services_enabled_since() {
  local before="$1" unit
  for unit in $(enabled_services); do
    grep -qx "$unit" <<<"$before" && continue
    if $SUDO systemctl disable --quiet "$unit" >/dev/null 2>&1; then
      log "disabled the $unit service the install enabled (it would start at boot)"
    else
      log "could not disable the $unit service the install enabled: it will start at boot"
    fi
  done
}

# wait_port PORT SECONDS: true once something accepts connections on 127.0.0.1:PORT.
wait_port() {
  local port="$1" secs="$2" i
  for ((i = 0; i < secs * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The JSON lines of this invocation are collected in RUN_JSONL (a temp file) and appended to
# RESULTS at the end of each run, so a partial run leaves whole lines only.
record_result() {
  local line="$1"
  printf '%s\n' "$line" >>"$RUN_JSONL"
  printf '%s\n' "$line" >>"$RESULTS"
}

# run_child CMD...: runs CMD in the background and waits for it. bash runs a trap only once the
# foreground command has finished, so a long run in the foreground would hold off Ctrl-C or
# SIGTERM until its end; `wait` is interrupted at once. Returns CMD's exit status. The EXIT trap
# of the calling script calls kill_child. (A background command ignores SIGINT: the trap is
# what stops it, with SIGTERM.)
CHILD_PID=""
run_child() {
  "$@" &
  CHILD_PID=$!
  local rc=0
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=""
  return "$rc"
}

kill_child() {
  [ -n "$CHILD_PID" ] || return 0
  kill "$CHILD_PID" 2>/dev/null || true
  wait "$CHILD_PID" 2>/dev/null || true
  CHILD_PID=""
}
