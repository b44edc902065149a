#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, then ctest
# (unit tests on the host, integration tests booting the real image in
# Bochs and QEMU). Extra arguments go to ctest, e.g. -L unit or -R bochs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HV_BUILD_DIR:-$root/build}
"$root/tools/deps.sh"
"$root/tools/build.sh"
cd "$build"
exec ctest --output-on-failure -j"$(nproc)" "$@"
