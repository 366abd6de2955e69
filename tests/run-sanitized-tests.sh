#!/usr/bin/env bash
# The unit and integration suites under AddressSanitizer (with LeakSanitizer)
# and UndefinedBehaviorSanitizer, in their own build directory. Exits
# non-zero when a test fails or when any process (a test binary or the
# provider binary a test starts) printed a sanitizer report. CI runs this
# from tests/run-tests.sh.
#
#   tests/run-sanitized-tests.sh          unit and cluster tests
#   CVM_ASAN_BUILD_DIR=out-asan tests/run-sanitized-tests.sh
#
# What runs: every ctest label "unit" (which includes the process tests that
# start the built provider, tests/e2e/process_test.cc) and every label
# "cluster" test but the terraform end-to-end ones (the Kubernetes client
# against the local API server, started by the cvm_cluster fixture in
# <build>/cluster). The terraform end-to-end tests (Python, labels
# e2e;cluster;terraform) are left out: they drive the same provider binary
# the process tests exercise here, and they run (unsanitized) in the main
# suite. One ctest run for both, so the control plane starts while the unit
# tests run. Expects the control plane binaries
# (tests/cluster/ensure-control-plane.sh, run by tests/run-tests.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build_dir=${CVM_ASAN_BUILD_DIR:-build-asan}
jobs=${CVM_JOBS:-$(nproc)}

# -O0 -g1: the build is most of this script's time, and -O0 compiles 40%
# faster than -O1 under the sanitizers (tests/kube/client_test.cc: 54 s ->
# 32 s) while the tests take about 2 minutes either way; line tables are all
# a report needs. lld links 2-3x faster than ld.bfd.
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O0 -g1" \
  -DCVM_SANITIZE=address,undefined -DCVM_WERROR=ON \
  -DCVM_BUILD_BENCHMARKS=OFF -DCVM_BUILD_FUZZERS=OFF -DCVM_STATIC_DEPS=OFF \
  >/dev/null
cmake --build "$build_dir" -j "$jobs"

# Every sanitizer report goes to a file <reports>/<tool>.<pid> as well as
# being fatal to the process, so a report from a child process (the
# provider a process test starts) fails the run even when the test itself
# passes.
reports="$(cd "$build_dir" && pwd)/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
supp="$root/tests/sanitizers"
export ASAN_OPTIONS="log_path=$reports/asan:log_exe_name=1:detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="log_path=$reports/ubsan:log_exe_name=1:print_stacktrace=1:halt_on_error=1"

export CVM_REQUIRE_CLUSTER=1
status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 900 \
  -L '^(unit|cluster)$' -LE '^terraform$' || status=1

shopt -s nullglob
found=("$reports"/*)
if ((${#found[@]})); then
  echo "sanitizer reports (${#found[@]}):" >&2
  for f in "${found[@]}"; do
    echo "== $f" >&2
    head -n 60 "$f" >&2
  done
  status=1
fi
exit "$status"
