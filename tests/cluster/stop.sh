#!/usr/bin/env bash
# Stops the local control plane started by tests/cluster/start.sh and removes
# its state dir (certificates, tokens, etcd data, logs).
#
# Usage: tests/cluster/stop.sh [STATE_DIR]   (default $CVM_CLUSTER_DIR or /tmp/cvm-cluster)
#
# Only processes recorded in STATE_DIR/run/*.pid whose command line mentions
# STATE_DIR are signalled (TERM, then KILL after 10 s). Only a directory that
# start.sh made (it holds a .cvm-cluster marker) is removed. Idempotent.
# CVM_KEEP_LOGS=DIR copies the logs (incl. the audit log) to DIR first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
esac
dir=${1:-${CVM_CLUSTER_DIR:-/tmp/cvm-cluster}}
[[ "$dir" == /* ]] || dir=$PWD/$dir
dir=${dir%/}

if [[ ! -e "$dir" ]]; then
  cvm_log "nothing to stop: $dir does not exist"
  exit 0
fi
[[ -f "$dir/.cvm-cluster" ]] \
  || cvm_die "refusing to touch $dir: it has no .cvm-cluster marker, so start.sh did not make it"

ours() { cvm_pid_ours "$1" "$dir"; }

# A real node first: its pods are deleted through the API server.
if [[ -d "$dir/node" ]]; then
  cvm_log "stopping the real node"
  "$here/node/real-node.sh" stop "$dir" || cvm_log "stopping the real node failed; continuing"
fi

pids=()
names=()
# Clients first, etcd last.
for name in simulator kube-scheduler kube-controller-manager kube-apiserver etcd; do
  file=$dir/run/$name.pid
  [[ -f "$file" ]] || continue
  pid=$(cat "$file")
  if ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
    names+=("$name")
  fi
done
if ((${#pids[@]})); then
  cvm_log "stopping ${names[*]}"
  deadline=$((SECONDS + 10))
  for i in "${!pids[@]}"; do
    while ours "${pids[$i]}" && ((SECONDS < deadline)); do sleep 0.1; done
    if ours "${pids[$i]}"; then
      cvm_log "${names[$i]} (pid ${pids[$i]}) ignored TERM; killing it"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
fi

if [[ -n "${CVM_KEEP_LOGS:-}" && -d "$dir/logs" ]]; then
  mkdir -p "$CVM_KEEP_LOGS"
  cp -r "$dir/logs/." "$CVM_KEEP_LOGS/"
  cvm_log "logs copied to $CVM_KEEP_LOGS"
fi
rm -rf "$dir"
cvm_log "stopped; removed $dir"
