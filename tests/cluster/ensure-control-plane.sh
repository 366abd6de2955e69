#!/usr/bin/env bash
# Makes the local control plane usable on this machine, for .ci/run and the
# README: installs the cluster packages (release/deps.sh --cluster, needs root
# unless they are all present) and builds the control-plane binaries, or reuses
# the cached ones (tests/cluster/build-control-plane.sh). Prints the binary dir.
#
# Usage: tests/cluster/ensure-control-plane.sh
# Environment: as build-control-plane.sh (CVM_CACHE_DIR, CVM_KUBE_BIN_DIR, ...).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
  "") ;;
  *) cvm_die "unknown argument: $1 (see --help)" ;;
esac

packages=$(sed -n '/^cluster_packages=(/,/^)/p' "$here/../../release/deps.sh" | sed '1d;$d' | tr -s ' \n' ' ')
missing=()
for p in $packages; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  ((EUID == 0)) || cvm_die "missing packages: ${missing[*]}; run as root: release/deps.sh --cluster"
  cvm_log "installing ${missing[*]} (release/deps.sh --cluster)"
  "$here/../../release/deps.sh" --cluster >&2
fi
exec "$here/build-control-plane.sh"
