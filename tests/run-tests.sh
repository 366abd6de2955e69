#!/usr/bin/env bash
# The test command (README.md and .ci/run): from nothing on a Debian bookworm
# machine, installs the packages, builds or reuses the local Kubernetes
# control plane, builds the provider and runs every test: unit, process,
# Kubernetes client against the real API server, and terraform end to end;
# then the unit and cluster suites again under ASan+UBSan
# (tests/run-sanitized-tests.sh, build-asan/) and each libFuzzer target for
# CVM_FUZZ_SECONDS (default 60) with clang (tests/fuzz/run-fuzzers.sh,
# build-fuzz/). Any failure, sanitizer report or fuzzer finding fails it.
#
#   tests/run-tests.sh            everything
#   CVM_BUILD_DIR=out tests/run-tests.sh
#   CVM_SANITIZERS=0 CVM_FUZZ=0 tests/run-tests.sh   without those two passes
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
# CI time: -g1 (line tables: enough for a backtrace) instead of -g compiles
# 30% faster (tests/kube/client_test.cc: 27.3 s -> 18.9 s), and lld links
# the ~60 test binaries and the static provider 2-3x faster than ld.bfd.
# Release builds (release/build-release.sh) keep their own flags and linker.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCVM_WERROR=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld
cmake --build "$build_dir" -j "$jobs"

# Every test must run: a missing cluster is a failure here, not a skip.
export CVM_REQUIRE_CLUSTER=1
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 1500

# The same suites under the sanitizers, then the fuzzers. Each
# step prints its duration (CI budget: the whole suite well under 30 min).
if [[ "${CVM_SANITIZERS:-1}" != 0 ]]; then
  start=$SECONDS
  CVM_JOBS="$jobs" tests/run-sanitized-tests.sh
  echo "sanitizer suite: $((SECONDS - start)) s"
fi
if [[ "${CVM_FUZZ:-1}" != 0 ]]; then
  start=$SECONDS
  CVM_JOBS="$jobs" tests/fuzz/run-fuzzers.sh
  echo "fuzzers: $((SECONDS - start)) s"
fi
