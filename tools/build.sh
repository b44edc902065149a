#!/usr/bin/env bash
# Configures and builds everything into build/ (or $HV_BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HV_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" -- --no-print-directory >/dev/null
