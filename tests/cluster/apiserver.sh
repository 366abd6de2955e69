#!/usr/bin/env bash
# Stops and restarts only the kube-apiserver of a cluster started by
# tests/cluster/start.sh, for fault tests (an API server that goes away in the
# middle of an apply). etcd, the controllers and the simulator keep running;
# they reconnect on their own once it is back.
#
# Usage: tests/cluster/apiserver.sh stop|kill|start STATE_DIR
#   stop    SIGTERM (graceful shutdown), wait until the process is gone
#   kill    SIGKILL (a crash: connections reset), wait until it is gone
#   start   launch it again with the same command line on the same port and
#           wait for /readyz; updates CVM_APISERVER_PID in STATE_DIR/env
# The command line is saved to STATE_DIR/run/kube-apiserver.cmdline by the
# first stop/kill. Use a private STATE_DIR: never the shared ctest fixture.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

[[ $# -eq 2 ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
action=$1
dir=${2%/}
[[ "$dir" == /* ]] || dir=$PWD/$dir
[[ -f "$dir/.cvm-cluster" && -f "$dir/env" ]] || cvm_die "$dir is not a running cluster state dir"
pidfile=$dir/run/kube-apiserver.pid
cmdfile=$dir/run/kube-apiserver.cmdline

case "$action" in
  stop|kill)
    pid=$(cat "$pidfile")
    cvm_pid_ours "$pid" "$dir" || cvm_die "kube-apiserver (pid $pid) is not running"
    cp "/proc/$pid/cmdline" "$cmdfile"
    if [[ "$action" == kill ]]; then kill -KILL "$pid"; else kill -TERM "$pid"; fi
    deadline=$((SECONDS + 30))
    while cvm_pid_ours "$pid" "$dir"; do
      ((SECONDS < deadline)) || cvm_die "kube-apiserver (pid $pid) did not exit"
      sleep 0.05
    done
    cvm_log "kube-apiserver (pid $pid) stopped ($action)"
    ;;
  start)
    [[ -s "$cmdfile" ]] || cvm_die "no saved command line; stop it with this script first"
    mapfile -d '' cmd <"$cmdfile"
    setsid "${cmd[@]}" >>"$dir/logs/kube-apiserver.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$pidfile"
    sed -i "s/^CVM_APISERVER_PID=.*/CVM_APISERVER_PID=$pid/" "$dir/env"
    # shellcheck disable=SC1091
    host=$(. "$dir/env" && echo "$KUBE_HOST")
    deadline=$((SECONDS + ${CVM_APISERVER_TIMEOUT:-90}))
    until curl -sf --max-time 2 --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" \
        --key "$dir/pki/admin.key" "$host/readyz" >/dev/null 2>&1; do
      cvm_pid_ours "$pid" "$dir" || cvm_die "kube-apiserver exited during restart (see $dir/logs/kube-apiserver.log)"
      ((SECONDS < deadline)) || cvm_die "kube-apiserver not ready after restart"
      sleep 0.2
    done
    cvm_log "kube-apiserver (pid $pid) ready again on $host"
    ;;
  *) cvm_die "unknown action: $action (stop, kill or start)" ;;
esac
