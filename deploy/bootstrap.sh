#!/usr/bin/env bash
# Installs every build and test dependency of omnistock from Debian 12 packages.
# Idempotent: packages already present are skipped, so `make run` / `make test`
# call it every time at almost no cost.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libboost-dev
  libjemalloc-dev  # omnistockd's allocator (services/tuning.h says why)
  libsystemd-dev   # sd_notify: omnistockd tells systemd when it serves (Type=notify)
  catch2 libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  prometheus-cpp-dev  # omnistockd's /metrics endpoint
  libtomlplusplus-dev  # omnistockd --routing_config (a TOML file)
  tzdata       # local days of daily capacity (abseil reads the system zone database)
  glpk-utils   # bench/routing cross-checks the planner against an ILP solved by glpsol
  git          # a ctest checks that bench/ablation.patch still applies (bench/ablate.sh --check)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
