#!/usr/bin/env bash
# The test command (README.md and .ci/run): from nothing on a Debian bookworm
# machine, installs the packages, builds or reuses the local Kubernetes
# control plane, builds the provider and runs every test: unit, process,
# Kubernetes client against the real API server, and terraform end to end.
#
#   tests/run-tests.sh            everything
#   CVM_BUILD_DIR=out tests/run-tests.sh
# Run as root (apt), or with sudo available.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
as_root=()
if [[ $EUID -ne 0 ]]; then as_root=(sudo -E); fi

"${as_root[@]}" release/deps.sh --cluster
"${as_root[@]}" tests/cluster/ensure-control-plane.sh

build_dir=${CVM_BUILD_DIR:-build}
jobs=${CVM_JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build_dir" -j "$jobs"

# Every test must run: a missing cluster is a failure here, not a skip.
export CVM_REQUIRE_CLUSTER=1
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 1500
