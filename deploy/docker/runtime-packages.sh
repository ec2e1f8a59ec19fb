#!/usr/bin/env bash
# Prints the Debian packages that provide the shared libraries the given binaries load, one per
# line: what a runtime image must install for them (the build stage of deploy/docker/Dockerfile
# runs it, so the list follows the build instead of being kept by hand).
#   deploy/docker/runtime-packages.sh build/bin/omnistockd build/bin/omnistock
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: $0 BINARY..." >&2
  exit 2
fi
for binary in "$@"; do
  if ! libraries=$(ldd "$binary"); then
    echo "runtime-packages: cannot read the libraries of $binary" >&2
    exit 1
  fi
  if grep -q "not found" <<<"$libraries"; then
    echo "runtime-packages: $binary needs a library that is not installed:" >&2
    grep "not found" <<<"$libraries" >&2
    exit 1
  fi
  awk '$3 ~ /^\// { print $3 }' <<<"$libraries"
done | sort -u | while read -r library; do
  # Debian 12 merges /lib into /usr/lib: dpkg may know a library by either path. Its answer is
  # "package[:arch][, other]: path" lines, after any "diversion by ..." ones.
  owner=$(dpkg -S "$library" 2>/dev/null || dpkg -S "/usr$library" 2>/dev/null ||
          dpkg -S "$(readlink -f "$library")" 2>/dev/null) || {
    echo "runtime-packages: no package provides $library" >&2
    exit 1
  }
  owner=$(grep -v '^diversion by ' <<<"$owner" | head -n 1)
  owner=${owner%%: /*}   # the package list
  owner=${owner%%,*}     # its first package
  echo "${owner%%:*}"    # without the architecture
done | sort -u
