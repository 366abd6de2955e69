#!/usr/bin/env bash
# Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
#
# The benchmark, in one command. Builds the provider (RelWithDebInfo:
# -O2 -g) in its own build dir, makes sure the local control plane and a
# kubectl of the same Kubernetes 1.20.2 source are built (cached after the
# first run), builds the Go go-plugin floor (../shared/anchors/go-plugin-floor,
# cached) and measures start-up and idle memory with bench/startup.sh,
# ours and the floor interleaved, then starts a private
# control plane with the node simulator (tests/cluster/start.sh, own state
# dir, stopped at the end), and runs bench/scale.py: for N = 10, 100, 300
# envbox workspaces `terraform apply` (wait for Ready), `terraform plan` (no
# changes), `terraform destroy` (for N >= 100 also apply and destroy with
# `-parallelism=50`), and the same objects with
# `kubectl apply --server-side` + `kubectl wait`, `kubectl get` and
# `kubectl delete --wait`. Prints one Markdown table with every target marked
# met or not, including issue 16's ratios: start-up and idle RSS ours/Go
# floor, provider CPU per workspace ours/kubectl, apply + Ready ours/kubectl.
#
# Usage: bench/run.sh [--sizes 10,100,300] [--provider PATH] [--no-startup]
#                     [--no-baseline] [--json FILE] [--keep]
#   --sizes LIST     workspace counts, comma-separated (default 10,100,300;
#                    `--sizes 3` is a quick smoke run)
#   --provider PATH  use this provider binary instead of building one
#                    (schema_bench is still taken from the build dir if built)
#   --no-startup     skip bench/startup.sh
#   --no-baseline    skip the kubectl baseline (a quicker look at our own
#                    figures; its rows say NOT MEASURED)
#   --json FILE      also write the raw figures as JSON
#   --keep           keep the temp dirs and the cluster's logs (printed)
# Environment: CVM_BENCH_BUILD_DIR (default <repo>/build-bench),
# CVM_GO_FLOOR_SRC (default <repo>/../shared/anchors/go-plugin-floor), and
# CVM_CACHE_DIR/CVM_KUBE_BIN_DIR as for tests/cluster/build-control-plane.sh.
# Needs: cmake, ninja, terraform (1.11) on PATH, python3; root the first time
# (Debian packages, the Kubernetes build).
set -euo pipefail

# Everything runs from main, so bash has read the whole file before it starts
# (editing this script during a run cannot break the run).
main() {
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
sizes=10,100,300
provider=
schema_bench=
startup=1
baseline=1
json=
keep=0
while (($#)); do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --sizes=*) sizes=${1#*=}; shift ;;
    --provider) provider=$2; shift 2 ;;
    --no-startup) startup=0; shift ;;
    --no-baseline) baseline=0; shift ;;
    --json) json=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$sizes" =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "bench/run.sh: --sizes wants e.g. 10,100,300" >&2; exit 2; }

say() { printf '[bench] %s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
started=$SECONDS
command -v terraform >/dev/null || { say "terraform is not on PATH"; exit 1; }

# --- build ---------------------------------------------------------------------
if [[ -z "$provider" ]]; then
  build=${CVM_BENCH_BUILD_DIR:-$root/build-bench}
  if [[ ! -f "$build/build.ninja" ]]; then
    say "configuring $build"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCVM_BUILD_BENCHMARKS=ON -DCVM_WERROR=ON >&2
  fi
  # schema_bench (idle memory, GetProviderSchema) when this tree has it.
  targets=(terraform-provider-cvm)
  if ninja -C "$build" -t targets all 2>/dev/null | grep -q '^bench/schema_bench:'; then
    targets+=(bench/schema_bench)
  fi
  say "building ${targets[*]} in $build"
  ninja -C "$build" -j"$(nproc)" "${targets[@]}" >&2
  provider=$build/provider/terraform-provider-cvm
  [[ -x "$build/bench/schema_bench" ]] && schema_bench=$build/bench/schema_bench
fi
[[ -x "$provider" ]] || { say "$provider is not an executable"; exit 1; }
if [[ -z "$schema_bench" && -x "${CVM_BENCH_BUILD_DIR:-$root/build-bench}/bench/schema_bench" ]]; then
  schema_bench=${CVM_BENCH_BUILD_DIR:-$root/build-bench}/bench/schema_bench
fi
provider=$(cd "$(dirname "$provider")" && pwd)/$(basename "$provider")

# --- the Go floor ------------------------------------------------------------------
# The go-plugin server every Go provider runs before its own code (issue 16's
# anchor), built by its own script from Debian packages, cached by the hash
# of its source, its build script and the Go toolchain and packages.
floor=
floor_src=${CVM_GO_FLOOR_SRC:-$root/../shared/anchors/go-plugin-floor}
[[ -d "$floor_src" ]] && floor_src=$(cd "$floor_src" && pwd)
if ((startup)) && [[ -f "$floor_src/build.sh" && -f "$floor_src/main.go" ]]; then
  floor_key=$( { cat "$floor_src/main.go" "$floor_src/build.sh"
                 go version 2>/dev/null || true
                 dpkg-query -W golang-go golang-github-hashicorp-go-plugin-dev \
                   golang-google-grpc-dev 2>/dev/null || true; } | sha256sum | cut -c1-16)
  floor=${CVM_CACHE_DIR:-${HOME:-/root}/.cache/terraform-provider-cvm}/go-plugin-floor/$floor_key/go-plugin-floor
  if [[ ! -x "$floor" ]]; then
    say "building the Go floor ($floor_src) into $floor"
    if ! bash "$floor_src/build.sh" "$floor" >&2; then
      say "the Go floor did not build; the ratio rows say NOT MEASURED"
      floor=
    fi
  fi
elif ((startup)); then
  say "no Go floor at $floor_src (CVM_GO_FLOOR_SRC); the ratio rows say NOT MEASURED"
fi

say "control plane and kubectl 1.20.2 (built once, then cached)"
"$root/tests/cluster/ensure-control-plane.sh" >/dev/null
kubectl=$("$root/tests/cluster/build-control-plane.sh" --kubectl)

work=$(mktemp -d /tmp/cvm-bench-run-XXXXXX)
cluster=$work/cluster
cleanup() {
  local code=$?
  if ((keep)); then
    CVM_KEEP_LOGS=$work/cluster-logs "$root/tests/cluster/stop.sh" "$cluster" >&2 || true
    say "kept $work (cluster logs in $work/cluster-logs)"
  else
    "$root/tests/cluster/stop.sh" "$cluster" >&2 || true
    rm -rf "$work"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- start-up (before the cluster runs, on a quiet machine) ---------------------
# bench/startup.sh (exec to handshake; its --json line when it has one) and
# schema_bench (idle memory, GetProviderSchema) belong to the start-up rows.
startup_out=
schema_out=
if ((startup)); then
  if [[ -x "$here/startup.sh" ]]; then
    json_flag=()
    grep -q -- '--json' "$here/startup.sh" && json_flag=(--json)
    [[ -n "$floor" ]] && json_flag+=(--floor "$floor")
    say "start-up: bench/startup.sh ${json_flag[*]} $provider 50 (interleaved with the Go floor)"
    startup_out=$work/startup.txt
    if ! "$here/startup.sh" "${json_flag[@]}" "$provider" 50 >"$startup_out" 2>"$work/startup.err"; then
      say "bench/startup.sh failed: $(tail -n 3 "$work/startup.err")"
    fi
  fi
  if [[ -n "$schema_bench" ]]; then
    say "start-up: $schema_bench $provider 20"
    schema_out=$work/schema.txt
    if ! "$schema_bench" "$provider" 20 >"$schema_out" 2>"$work/schema.err"; then
      say "schema_bench failed: $(tail -n 3 "$work/schema.err")"
    fi
  fi
fi

# --- scale ----------------------------------------------------------------------
say "starting the control plane in $cluster"
"$root/tests/cluster/start.sh" --nodes "$here/nodes.json" --timeout 180 "$cluster" >&2
scale_args=(--cluster-dir "$cluster" --provider "$provider" --kubectl "$kubectl" --sizes "$sizes")
[[ -n "$startup_out" ]] && scale_args+=(--startup-output "$startup_out")
[[ -n "$schema_out" ]] && scale_args+=(--schema-output "$schema_out")
[[ -n "$json" ]] && scale_args+=(--json "$json")
((keep)) && scale_args+=(--keep)
((baseline)) || scale_args+=(--no-baseline)
status=0
python3 "$here/scale.py" "${scale_args[@]}" || status=$?
say "done in $((SECONDS - started)) s (sizes $sizes)"
exit "$status"
}

main "$@"
