#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + libFuzzer) in their
# own build directory and runs each for a bounded time over its seed corpus.
# Exits non-zero on any crash, leak, timeout, out-of-memory or sanitizer
# report; the reproducer is left in <build>/fuzz-artifacts/. CI runs this
# from tests/run-tests.sh.
#
#   tests/fuzz/run-fuzzers.sh                      every fuzzer, 60 s each
#   CVM_FUZZ_SECONDS=10 tests/fuzz/run-fuzzers.sh kubeconfig json
#   CVM_FUZZ_BUILD_DIR=out-fuzz tests/fuzz/run-fuzzers.sh
#   CVM_FUZZ_PARALLEL=1 tests/fuzz/run-fuzzers.sh  one at a time
#
# Fuzzers run CVM_FUZZ_PARALLEL at a time (default CVM_JOBS, else nproc):
# each is one single-threaded process, so on 2 cores two at a time get the
# same CPU time each as one after another, in half the wall time. Every
# fuzzer is waited for; the run fails if any of them failed.
#
# Needs clang and libclang-rt-14-dev (release/deps.sh). The working corpora
# grow in <build>/tests/fuzz/corpus-work/<name> and are reused by later runs;
# tests/fuzz/corpus/<name> holds the committed seeds.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

build_dir=${CVM_FUZZ_BUILD_DIR:-build-fuzz}
seconds=${CVM_FUZZ_SECONDS:-60}
jobs=${CVM_JOBS:-$(nproc)}
parallel=${CVM_FUZZ_PARALLEL:-$jobs}
if ! [[ "$parallel" =~ ^[1-9][0-9]*$ ]]; then parallel=1; fi
all=(msgpack json kubeconfig exec_credential)
names=("$@")
if ((${#names[@]} == 0)); then names=("${all[@]}"); fi

cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCVM_BUILD_FUZZERS=ON -DCVM_BUILD_TESTS=OFF -DCVM_BUILD_BENCHMARKS=OFF -DCVM_WERROR=ON \
  >/dev/null
targets=()
for name in "${names[@]}"; do targets+=("${name}_fuzzer"); done
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"

artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"
# Leaks fail the run (libFuzzer's -detect_leaks is on by default with ASan);
# UBSan reports abort (-fno-sanitize-recover=all at compile time).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# run_fuzzer <name>: runs one fuzzer for $seconds; its exit status is the
# fuzzer's.
run_fuzzer() {
  local name=$1
  local work="$build_dir/tests/fuzz/corpus-work/$name"
  mkdir -p "$work"
  local dict=()
  if [[ -f "tests/fuzz/$name.dict" ]]; then
    dict=(-dict="tests/fuzz/$name.dict")
  fi
  "$build_dir/tests/fuzz/${name}_fuzzer" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name-" "${dict[@]}" \
    "$work" "tests/fuzz/corpus/$name"
}

failed=()
# Batches of $parallel: start each fuzzer of the batch in the background,
# then wait for every one of them (wait <pid> gives that fuzzer's status).
for ((first = 0; first < ${#names[@]}; first += parallel)); do
  batch=("${names[@]:first:parallel}")
  pids=()
  start=$SECONDS
  for name in "${batch[@]}"; do
    echo "== $name: ${seconds}s (log: $artifacts/$name.log)"
    run_fuzzer "$name" >"$artifacts/$name.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!batch[@]}"; do
    name=${batch[i]}
    log="$artifacts/$name.log"
    if wait "${pids[i]}"; then
      echo "   $name ok in $((SECONDS - start))s: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$log" || true)"
    else
      echo "   FAILED ($name): last lines of $log:" >&2
      tail -n 40 "$log" >&2 || true
      failed+=("$name")
    fi
  done
done
if ((${#failed[@]})); then
  echo "fuzzers with findings: ${failed[*]} (reproducers in $artifacts)" >&2
  exit 1
fi
