#!/usr/bin/env bash
# Starts a real local Kubernetes 1.20 control plane for tests: etcd,
# kube-apiserver, kube-controller-manager and kube-scheduler on free loopback
# ports, plus the node simulator (tests/cluster/node_simulator.py) that plays
# the kubelets and the volume provisioner.
#
# Usage: tests/cluster/start.sh [options] [STATE_DIR]
#   STATE_DIR          private state dir (default $CVM_CLUSTER_DIR or /tmp/cvm-cluster)
#   --nodes PRESET     node set: a preset name from tests/cluster/nodes/ (default,
#                      gpu, aws, rhel, mixed) or a path to a JSON config
#                      (default $CVM_CLUSTER_NODES or "default")
#   --no-simulator     start no node simulator (no nodes: pods stay Pending)
#   --real-node        also start a real node on this machine (root; containerd,
#                      runc, a kubelet, the test images: tests/cluster/node/);
#                      needs CVM_DOUBLE_BINARY. Use with --nodes none for a
#                      cluster whose pods all really run.
#   --timeout SECONDS  how long to wait for readiness (default 90)
#
# Writes into STATE_DIR:
#   env                  KEY=value lines (shell-sourceable): KUBE_HOST, KUBE_CA_FILE,
#                        KUBE_CLIENT_CERT_FILE/KEY_FILE, KUBE_TOKEN_ADMIN/VIEWER/NOBODY,
#                        CVM_KUBECONFIG, CVM_KUBECONFIG_TOKEN, CVM_AUDIT_LOG, ports, pids
#   kubeconfig           admin, client certificate (system:masters), inline data
#   kubeconfig-token     bearer tokens, file paths; contexts admin (current), viewer, nobody
#   pki/ tokens/ logs/ (incl. logs/audit.log) run/ (pid files) etcd/
# Idempotent: when the cluster in STATE_DIR already runs it only reports it.
# Stop with tests/cluster/stop.sh STATE_DIR.
#
# Environment: CVM_CLUSTER_DIR, CVM_CLUSTER_NODES, CVM_KUBE_BIN_DIR,
#   CVM_CACHE_DIR (see build-control-plane.sh), CVM_ETCD (etcd binary),
#   CVM_PYTHON (interpreter for the simulator; default /usr/bin/python3).
# Exit status 3: the control-plane binaries are not built yet, or --real-node
# without root (1 instead when CVM_REQUIRE_CLUSTER=1, so CI fails rather than
# skips).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit "${1:-0}"
}

dir=${CVM_CLUSTER_DIR:-/tmp/cvm-cluster}
nodes=${CVM_CLUSTER_NODES:-default}
simulator=1
real_node=0
timeout=90
while (($#)); do
  case "$1" in
    --nodes) [[ $# -ge 2 ]] || usage 2; nodes=$2; shift 2 ;;
    --nodes=*) nodes=${1#*=}; shift ;;
    --no-simulator) simulator=0; shift ;;
    --real-node) real_node=1; shift ;;
    --timeout) [[ $# -ge 2 ]] || usage 2; timeout=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) cvm_log "unknown option: $1"; usage 2 ;;
    *) dir=$1; shift ;;
  esac
done

# --- checks -------------------------------------------------------------------
[[ "$dir" == /* ]] || dir=$PWD/$dir
dir=${dir%/}
[[ "$dir" =~ ^[A-Za-z0-9_./+-]+$ ]] \
  || cvm_die "state dir '$dir' must consist of letters, digits and ._+-/ (it is written unquoted into env files)"
pid_alive() { cvm_pid_ours "${1:-}" "$dir"; }

# --- already running? ---------------------------------------------------------
if [[ -f "$dir/env" ]]; then
  # shellcheck disable=SC1091
  running=$(
    source "$dir/env"
    # With --real-node, its kubelet and containerd must run too.
    if ((real_node)) && [[ -z "${CVM_REAL_NODE:-}" ]]; then exit 0; fi
    for pid in "$CVM_ETCD_PID" "$CVM_APISERVER_PID" "$CVM_CONTROLLER_MANAGER_PID" \
               "$CVM_SCHEDULER_PID" ${CVM_SIMULATOR_PID:+"$CVM_SIMULATOR_PID"} \
               ${CVM_REAL_NODE_KUBELET_PID:+"$CVM_REAL_NODE_KUBELET_PID"} \
               ${CVM_REAL_NODE_CONTAINERD_PID:+"$CVM_REAL_NODE_CONTAINERD_PID"}; do
      pid_alive "$pid" || exit 0
    done
    curl -sf --max-time 5 --cacert "$KUBE_CA_FILE" --cert "$KUBE_CLIENT_CERT_FILE" \
      --key "$KUBE_CLIENT_KEY_FILE" "$KUBE_HOST/readyz" >/dev/null && echo yes
  ) || true
  if [[ "$running" == yes ]]; then
    cvm_log "cluster already running in $dir ($(grep '^KUBE_HOST=' "$dir/env"))"
    exit 0
  fi
fi
bin_dir=$(cvm_kube_bin_dir)
need=()
if ((real_node)); then need=(--node); fi  # the kubelet too
if ! cvm_have_binaries "$bin_dir" "${need[@]}"; then
  cvm_log "error: the control-plane binaries are not in $bin_dir."
  cvm_log "Build them once (as root, takes minutes): tests/cluster/ensure-control-plane.sh"
  [[ "${CVM_REQUIRE_CLUSTER:-0}" == 1 ]] && exit 1
  exit 3
fi
if ((real_node)) && ((EUID != 0)); then
  cvm_log "error: --real-node needs root (containerd, runc, mounts, cgroups)"
  [[ "${CVM_REQUIRE_CLUSTER:-0}" == 1 ]] && exit 1
  exit 3
fi
etcd_bin=${CVM_ETCD:-$(command -v etcd || echo /usr/bin/etcd)}
[[ -x "$etcd_bin" ]] || cvm_die "etcd not found; install Debian's etcd-server (release/deps.sh --cluster)"
for tool in openssl curl base64 setsid; do
  command -v "$tool" >/dev/null || cvm_die "$tool is required (release/deps.sh)"
done
# Debian's python3 when there is one: version-manager shims (pyenv) cost a
# second or more per start on a busy machine. The simulator needs only the stdlib.
python=${CVM_PYTHON:-}
if [[ -z "$python" ]]; then
  if [[ -x /usr/bin/python3 ]]; then python=/usr/bin/python3; else python=$(command -v python3 || true); fi
fi
[[ -n "$python" ]] || cvm_die "python3 is required (release/deps.sh)"
if [[ "$simulator" == 1 ]]; then
  if [[ "$nodes" == */* || "$nodes" == *.json ]]; then
    nodes_file=$nodes
  else
    nodes_file=$here/nodes/$nodes.json
  fi
  [[ -f "$nodes_file" ]] || cvm_die "node set '$nodes' not found (presets: $(find "$here/nodes" -name '*.json' -printf '%f\n' | sed 's/\.json$//' | sort | paste -sd' '))"
  nodes_file=$(cd "$(dirname "$nodes_file")" && pwd)/$(basename "$nodes_file")
else
  nodes_file=
fi

if [[ -e "$dir" ]]; then
  if [[ -f "$dir/.cvm-cluster" ]]; then
    cvm_log "stale or half-started cluster in $dir; stopping it first"
    "$here/stop.sh" "$dir"
  elif [[ -n "$(ls -A "$dir" 2>/dev/null)" ]]; then
    cvm_die "$dir exists, is not empty and is not a cluster state dir; choose another"
  fi
fi

started=$(cvm_now)
step() { cvm_log "(+$(cvm_elapsed "$started")s) $*"; }
mkdir -p "$dir"/{pki,tokens,logs,run,etcd}
chmod 700 "$dir"
touch "$dir/.cvm-cluster"
pki=$dir/pki
run=$dir/run
logs=$dir/logs

# failed_start MESSAGE [LOG]: reports, shows the end of LOG, stops what started.
failed_start() {
  cvm_log "error: $1"
  if [[ -n "${2:-}" && -s "$2" ]]; then
    cvm_log "--- last lines of $2:"
    tail -n 30 "$2" >&2
    cvm_log "---"
  fi
  cvm_log "stopping what started; the logs are removed with $dir (set CVM_KEEP_FAILED=1 to keep them)"
  if [[ "${CVM_KEEP_FAILED:-0}" == 1 ]]; then
    local p
    for p in "$run"/*.pid; do
      if [[ -f "$p" ]]; then kill "$(cat "$p")" 2>/dev/null || true; fi
    done
  else
    "$here/stop.sh" "$dir" || true
  fi
  exit 1
}

# --- processes --------------------------------------------------------------------------
# launch NAME COMMAND...: in its own session (Ctrl-C or ctest ending the caller
# does not kill it), stdio on files (ctest waits for inherited pipes to close).
launch() {
  local name=$1
  shift
  setsid "$@" >"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
}
pid_of() { cat "$run/$1.pid" 2>/dev/null || true; }
# wait_for WHAT CHECK-COMMAND...: polls until the command succeeds.
wait_for() {
  local what=$1 pidfile=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    local log
    log=$logs/$(basename "$pidfile" .pid).log
    pid_alive "$(cat "$pidfile")" || failed_start "$what exited during startup" "$log"
    ((SECONDS < deadline)) || failed_start "$what not ready after ${timeout}s" "$log"
    sleep 0.2
  done
}
admin_curl() {
  curl -sf --max-time 10 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$@"
}

# --- free ports -----------------------------------------------------------------
# Bind five sockets to port 0 at once (so they differ), report them, release them.
read -r etcd_port etcd_peer_port api_port kcm_port sched_port < <("$python" - <<'EOF'
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
EOF
)
api=https://127.0.0.1:$api_port

step "starting etcd on 127.0.0.1:$etcd_port"
launch etcd "$etcd_bin" --name cvm --data-dir "$dir/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
  --initial-cluster "cvm=http://127.0.0.1:$etcd_peer_port" --initial-cluster-state new \
  --initial-cluster-token "cvm-$etcd_port" --logger zap --log-outputs stderr

# --- certificates (openssl) ---------------------------------------------------------
# ECDSA P-256 keys: fast to make; every component and libcurl accept them.
service_cidr=10.0.0.0/24
service_ip=10.0.0.1
openssl_quiet() { openssl "$@" 2>>"$logs/openssl.log"; }
ec_key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
# sign NAME SUBJECT EXTENSIONS: a key and a certificate signed by the CA.
sign() {
  openssl_quiet req -new "${ec_key[@]}" -keyout "$pki/$1.key" -subj "$2" -out "$pki/$1.csr"
  printf '%b\n' "$3" >"$pki/$1.ext"
  openssl_quiet x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -set_serial "0x$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" -days 3650 -sha256 \
    -extfile "$pki/$1.ext" -out "$pki/$1.crt"
  rm -f "$pki/$1.csr" "$pki/$1.ext"
}
client_ext='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
openssl_quiet req -x509 -new "${ec_key[@]}" -keyout "$pki/ca.key" -subj "/CN=cvm-test-ca" -days 3650 -sha256 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
  -out "$pki/ca.crt" || failed_start "openssl could not make the CA" "$logs/openssl.log"
# The leaf certificates in parallel.
jobs_pids=()
sign apiserver "/CN=kube-apiserver" \
  "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$service_ip" &
jobs_pids+=($!)
sign admin "/O=system:masters/CN=cvm-admin" "$client_ext" & jobs_pids+=($!)
sign simulator "/O=system:masters/CN=cvm-node-simulator" "$client_ext" & jobs_pids+=($!)
sign controller-manager "/CN=system:kube-controller-manager" "$client_ext" & jobs_pids+=($!)
sign scheduler "/CN=system:kube-scheduler" "$client_ext" & jobs_pids+=($!)
# The API server's identity towards kubelets (logs, exec of real-node pods).
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client_ext" \
  & jobs_pids+=($!)
# Service-account token signing key (RSA: RS256 tokens, as on most clusters).
{ openssl_quiet genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key" \
  && openssl_quiet pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub"; } & jobs_pids+=($!)
for job in "${jobs_pids[@]}"; do
  wait "$job" || failed_start "openssl could not make the certificates" "$logs/openssl.log"
done
chmod 600 "$pki"/*.key

# --- tokens ---------------------------------------------------------------------------
token_admin=$(openssl rand -hex 24)
token_viewer=$(openssl rand -hex 24)
token_nobody=$(openssl rand -hex 24)
printf '%s\n' "$token_admin" >"$dir/tokens/admin"
printf '%s\n' "$token_viewer" >"$dir/tokens/viewer"
printf '%s\n' "$token_nobody" >"$dir/tokens/nobody"
# token,user,uid,"groups": admin is cluster-admin through system:masters; viewer
# gets the `view` ClusterRole in namespace default only; nobody has no binding.
cat >"$dir/tokens/token-auth.csv" <<EOF
$token_admin,cvm-admin-token,cvm-admin-token,"system:masters"
$token_viewer,cvm-viewer,cvm-viewer
$token_nobody,cvm-nobody,cvm-nobody
EOF
chmod 600 "$dir"/tokens/*

# --- kubeconfigs ----------------------------------------------------------------------
b64() { base64 -w0 <"$1"; }
# component_kubeconfig NAME: client-certificate kubeconfig with file paths.
component_kubeconfig() {
  cat >"$dir/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cvm-local
  cluster:
    server: $api
    certificate-authority: $pki/ca.crt
users:
- name: $1
  user:
    client-certificate: $pki/$1.crt
    client-key: $pki/$1.key
contexts:
- name: $1
  context: {cluster: cvm-local, user: $1}
current-context: $1
EOF
}
component_kubeconfig controller-manager
component_kubeconfig scheduler
cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cvm-local
  cluster:
    server: $api
    certificate-authority-data: $(b64 "$pki/ca.crt")
users:
- name: cvm-admin
  user:
    client-certificate-data: $(b64 "$pki/admin.crt")
    client-key-data: $(b64 "$pki/admin.key")
contexts:
- name: cvm-local
  context: {cluster: cvm-local, user: cvm-admin, namespace: default}
current-context: cvm-local
EOF
cat >"$dir/kubeconfig-token" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cvm-local
  cluster:
    server: $api
    certificate-authority: $pki/ca.crt
users:
- name: cvm-admin-token
  user: {token: $token_admin}
- name: cvm-viewer
  user: {token: $token_viewer}
- name: cvm-nobody
  user: {token: $token_nobody}
contexts:
- name: admin
  context: {cluster: cvm-local, user: cvm-admin-token, namespace: default}
- name: viewer
  context: {cluster: cvm-local, user: cvm-viewer, namespace: default}
- name: nobody
  context: {cluster: cvm-local, user: cvm-nobody, namespace: default}
current-context: admin
EOF
chmod 600 "$dir"/kubeconfig*

# Every request at Metadata level, one line per request (no RequestReceived
# stage), so benchmarks can count requests per user.
cat >"$dir/audit-policy.yaml" <<EOF
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
EOF

wait_for etcd "$run/etcd.pid" curl -sf --max-time 2 "http://127.0.0.1:$etcd_port/health"
step "starting kube-apiserver on $api"
# PodSecurity admission exists only from 1.22 (alpha): 1.20 has no pod-security
# labels enforcement, so namespace labels pod-security.kubernetes.io/* are inert here.
launch kube-apiserver "$bin_dir/kube-apiserver" \
  --advertise-address=127.0.0.1 --bind-address=127.0.0.1 --secure-port="$api_port" --insecure-port=0 \
  --etcd-servers="http://127.0.0.1:$etcd_port" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" --token-auth-file="$dir/tokens/token-auth.csv" \
  --authorization-mode=Node,RBAC --allow-privileged=true \
  --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,DefaultTolerationSeconds,StorageObjectInUseProtection,PersistentVolumeClaimResize,RuntimeClass,Priority,TaintNodesByCondition,NodeRestriction,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ResourceQuota \
  --service-cluster-ip-range="$service_cidr" \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --api-audiences=https://kubernetes.default.svc.cluster.local \
  --audit-policy-file="$dir/audit-policy.yaml" --audit-log-path="$logs/audit.log" \
  --audit-log-maxsize=500 --audit-log-maxbackup=1 \
  --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP,Hostname \
  --event-ttl=1h --profiling=false
wait_for kube-apiserver "$run/kube-apiserver.pid" admin_curl "$api/readyz"

step "starting kube-controller-manager, kube-scheduler${nodes_file:+ and the node simulator ($(basename "$nodes_file" .json) nodes)}"
launch kube-controller-manager "$bin_dir/kube-controller-manager" \
  --kubeconfig="$dir/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$dir/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$dir/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$kcm_port" --port=0 --leader-elect=false \
  --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
  --use-service-account-credentials=true \
  --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --service-cluster-ip-range="$service_cidr" --allocate-node-cidrs=false \
  --controllers='*' --kube-api-qps=100 --kube-api-burst=200
launch kube-scheduler "$bin_dir/kube-scheduler" \
  --kubeconfig="$dir/scheduler.kubeconfig" \
  --authentication-kubeconfig="$dir/scheduler.kubeconfig" \
  --authorization-kubeconfig="$dir/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$sched_port" --port=0 --leader-elect=false \
  --kube-api-qps=100 --kube-api-burst=200
simulator_extra=()
# The real node's claims need real directories (made by the provisioner).
if ((real_node)); then simulator_extra=(--volume-dir "$dir/volumes"); fi
if [[ "$simulator" == 1 ]]; then
  # Without CVM_CLUSTER_DIR: the simulator would read DIR/env, not written yet.
  launch simulator env -u CVM_CLUSTER_DIR "$python" "$here/node_simulator.py" --server "$api" --ca-file "$pki/ca.crt" \
    --cert-file "$pki/simulator.crt" --key-file "$pki/simulator.key" --config "$nodes_file" \
    --ready-file "$run/simulator.ready" "${simulator_extra[@]}"
fi

# The limited token user: read-only in namespace default (403 everywhere else).
admin_curl -X POST -H 'Content-Type: application/json' \
  "$api/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings" \
  -d '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding",
       "metadata":{"name":"cvm-viewer"},
       "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
       "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"cvm-viewer"}]}' \
  >/dev/null || failed_start "creating the cvm-viewer RoleBinding failed" "$logs/kube-apiserver.log"

wait_for kube-controller-manager "$run/kube-controller-manager.pid" \
  curl -sfk --max-time 2 "https://127.0.0.1:$kcm_port/healthz"
wait_for kube-scheduler "$run/kube-scheduler.pid" \
  curl -sfk --max-time 2 "https://127.0.0.1:$sched_port/healthz"
# Pods are rejected until the token controller gave `default` its token secret.
sa_has_token() {
  [[ "$(admin_curl "$api/api/v1/namespaces/default/serviceaccounts/default")" == *'"secrets":'* ]]
}
wait_for "service account default/default (token controller)" "$run/kube-controller-manager.pid" sa_has_token
node_names=
if [[ "$simulator" == 1 ]]; then
  wait_for "node simulator" "$run/simulator.pid" test -s "$run/simulator.ready"
  node_names=$(paste -sd, "$run/simulator.ready")
fi

# --- env file (written last: its presence means the cluster is ready) ---------------------------
cat >"$dir/env.tmp" <<EOF
# Written by tests/cluster/start.sh; KEY=value, shell-sourceable.
CVM_CLUSTER_DIR=$dir
CVM_KUBE_VERSION=$CVM_KUBE_VERSION
CVM_KUBE_BIN_DIR=$bin_dir
KUBE_HOST=$api
KUBE_CA_FILE=$pki/ca.crt
KUBE_CLIENT_CERT_FILE=$pki/admin.crt
KUBE_CLIENT_KEY_FILE=$pki/admin.key
KUBE_TOKEN_ADMIN=$token_admin
KUBE_TOKEN_VIEWER=$token_viewer
KUBE_TOKEN_NOBODY=$token_nobody
CVM_KUBECONFIG=$dir/kubeconfig
CVM_KUBECONFIG_TOKEN=$dir/kubeconfig-token
CVM_AUDIT_LOG=$logs/audit.log
CVM_ETCD_URL=http://127.0.0.1:$etcd_port
CVM_ETCD_PORT=$etcd_port
CVM_APISERVER_PORT=$api_port
CVM_CONTROLLER_MANAGER_PORT=$kcm_port
CVM_SCHEDULER_PORT=$sched_port
CVM_ETCD_PID=$(pid_of etcd)
CVM_APISERVER_PID=$(pid_of kube-apiserver)
CVM_CONTROLLER_MANAGER_PID=$(pid_of kube-controller-manager)
CVM_SCHEDULER_PID=$(pid_of kube-scheduler)
CVM_SIMULATOR_PID=$(pid_of simulator)
CVM_NODES=$node_names
EOF
if ((real_node)); then
  # It reads env.tmp: env appears only once the whole cluster is ready.
  step "starting the real node (tests/cluster/node/real-node.sh)"
  "$here/node/real-node.sh" start "$dir" || failed_start "the real node did not start" "$logs/kubelet.log"
  node_names=${node_names:+$node_names,}$(sed -n 's/^CVM_REAL_NODE=//p' "$dir/node/env")
  { grep -v '^CVM_NODES=' "$dir/env.tmp"; cat "$dir/node/env"; echo "CVM_NODES=$node_names"; } \
    >"$dir/env.tmp2"
  mv "$dir/env.tmp2" "$dir/env.tmp"
fi
mv "$dir/env.tmp" "$dir/env"

cvm_log "cluster ready in $(cvm_elapsed "$started")s: $api"
cvm_log "  kubeconfig: $dir/kubeconfig (admin, client certificate), $dir/kubeconfig-token (tokens)"
cvm_log "  env:        $dir/env; nodes: ${node_names:-none (no simulator)}"
cvm_log "  stop with:  $here/stop.sh $dir"
