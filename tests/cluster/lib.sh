# Shared helpers for the tests/cluster scripts. Source it; do not run it.
# shellcheck shell=bash

# Upstream Kubernetes version of Debian bookworm's `kubernetes` source package.
# The binary cache is keyed by it.
CVM_KUBE_VERSION=1.20.2
CVM_KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler)
# The real node (tests/cluster/node/): built from the same source, cached beside.
CVM_KUBE_NODE_BINARIES=(kubelet)

cvm_log() { printf '[cluster] %s\n' "$*" >&2; }

# Any unexpected failure (set -e) names the command and where it was.
set -E
trap 'cvm_log "error: \"$BASH_COMMAND\" failed (exit $?) at ${BASH_SOURCE[0]##*/}:$LINENO"' ERR
cvm_die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

# Root of the per-machine cache (outside the repository).
cvm_cache_root() {
  printf '%s\n' "${CVM_CACHE_DIR:-${HOME:-/root}/.cache/terraform-provider-cvm}"
}

# Directory holding the three control-plane binaries (CVM_KUBE_BIN_DIR overrides).
cvm_kube_bin_dir() {
  printf '%s\n' "${CVM_KUBE_BIN_DIR:-$(cvm_cache_root)/kube-${CVM_KUBE_VERSION}/bin}"
}

# True when every control-plane binary (and, with --node, the kubelet) is
# present in $1.
cvm_have_binaries() {
  local b names=("${CVM_KUBE_BINARIES[@]}")
  [[ "${2:-}" == --node ]] && names+=("${CVM_KUBE_NODE_BINARIES[@]}")
  for b in "${names[@]}"; do
    [[ -x "$1/$b" ]] || return 1
  done
  [[ -f "$1/BUILD-INFO" ]]
}

# Seconds since the epoch with fractions, for timing.
cvm_now() { date +%s.%N; }
cvm_elapsed() { awk -v a="$1" -v b="$(cvm_now)" 'BEGIN { printf "%.1f", b - a }'; }

# True when process $1 is alive (not a zombie) and its command line mentions $2
# (the state dir), so a recycled pid of an unrelated process never matches.
cvm_pid_ours() {
  local pid=$1 dir=$2 cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ "$cmdline" == *"$dir"* ]]
}
