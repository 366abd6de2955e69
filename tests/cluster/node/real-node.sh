#!/usr/bin/env bash
# A real Kubernetes node for a cluster started by tests/cluster/start.sh:
# Debian's containerd and runc, a kubelet built from the same 1.20.2 source
# as the control plane, a CNI bridge inside this machine, and the test
# images (tests/cluster/node/images.py) imported from local tars.
#
# Usage: tests/cluster/node/real-node.sh start|stop STATE_DIR
#   start   needs root, a running control plane in STATE_DIR (its env, or
#           env.tmp while start.sh is still writing it) and CVM_DOUBLE_BINARY
#           (the static cvm-double, CMake target cvm-double). Writes
#           STATE_DIR/node/env (CVM_REAL_NODE, its containerd socket and
#           pids, CVM_SYSTEMD_IMAGE, CVM_REAL_NODE_REGISTRY) and returns when the node is Ready and
#           schedulable; at once when this node already runs. On any failure
#           it undoes what it did.
#   stop    deletes the node's pods, stops the kubelet, kills what is left
#           in containerd, stops containerd, and unmounts everything under
#           STATE_DIR; when this node holds the machine (below) it also
#           removes the bridges and the pods' log files and restores the
#           kernel parameters the kubelet set. Idempotent.
#
# Nothing leaves the machine: the kubelet listens on a host-scope address of
# a port-less bridge and on loopback, containerd on a unix socket, every
# registry resolves to a stub registry on loopback that holds no image
# (node/stub_registry.py: 404 MANIFEST_UNKNOWN, so a missing image fails at
# once with ErrImagePull and containerd's NotFound, as on a real registry),
# pods sit on bridge cvm-cni0 without a gateway or NAT, and the kubelet's
# AWS credential provider does not look for instance metadata.
# One real node per machine (bridges, /var/log/pods, cgroups and kernel
# parameters are machine-wide): /run/cvm-real-node names the state dir that
# holds the machine, and a second start fails while that node runs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"

node_name=cvm-real-node
bridge=cvm-cni0
# kubelet 1.20 refuses a loopback node IP, so the node's address is a
# documentation address (TEST-NET-1, never routed) with host scope on a
# bridge without ports: reachable from this machine only.
node_link=cvm-node0
node_ip=192.0.2.1
pod_subnet=10.88.0.0/24
holder=/run/cvm-real-node
# What the kubelet sets at start (container_manager_linux.go setupKernelTunables).
kernel_parameters=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
                   kernel.keys.root_maxkeys kernel.keys.root_maxbytes)

action=${1:-}
dir=${2:-}
[[ "$action" == start || "$action" == stop ]] && [[ -n "$dir" ]] \
  || cvm_die "usage: $0 start|stop STATE_DIR"
[[ "$dir" == /* ]] || dir=$PWD/$dir
dir=${dir%/}
node=$dir/node
sock=$node/containerd/containerd.sock
python=${CVM_PYTHON:-/usr/bin/python3}
ctr_k8s() { ctr --address "$sock" --namespace k8s.io "$@"; }
holds_machine() { [[ "$(cat "$holder" 2>/dev/null)" == "$dir" ]]; }
alive() { [[ -f "$node/pids/$1" ]] && cvm_pid_ours "$(cat "$node/pids/$1")" "$dir"; }
# The cluster's env file: env, or env.tmp while start.sh has not finished.
cluster_env() { if [[ -f "$dir/env" ]]; then echo "$dir/env"; else echo "$dir/env.tmp"; fi; }

# Unmounts every mount under $1, deepest first.
unmount_under() {
  local m
  awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# Asks the API server to delete the node's pods; the kubelet stops them and
# tears their networks down.
delete_pods() {
  local env
  env=$(cluster_env)
  [[ -f "$env" ]] || return 0
  # shellcheck disable=SC1090
  (source "$env"
   curl -sf --max-time 10 --cacert "$KUBE_CA_FILE" --cert "$KUBE_CLIENT_CERT_FILE" \
     --key "$KUBE_CLIENT_KEY_FILE" "$KUBE_HOST/api/v1/pods?fieldSelector=spec.nodeName%3D$node_name" |
     "$python" -c '
import json, sys
for p in json.load(sys.stdin)["items"]:
    print(p["metadata"]["namespace"], p["metadata"]["name"])' |
     while read -r ns name; do
       curl -sf --max-time 10 -X DELETE --cacert "$KUBE_CA_FILE" --cert "$KUBE_CLIENT_CERT_FILE" \
         --key "$KUBE_CLIENT_KEY_FILE" \
         "$KUBE_HOST/api/v1/namespaces/$ns/pods/$name?gracePeriodSeconds=0" >/dev/null || true
     done) || true
}

# The network namespaces our containerd's sandboxes live in.
sandbox_netns() {
  local id
  for id in $(ctr_k8s containers ls -q 2>/dev/null || true); do
    ctr_k8s containers info "$id" 2>/dev/null | "$python" -c '
import json, sys
for ns in json.load(sys.stdin).get("Spec", {}).get("linux", {}).get("namespaces", []):
    if ns.get("type") == "network" and ns.get("path", "").startswith("/var/run/netns/"):
        print(ns["path"][len("/var/run/netns/"):])' 2>/dev/null || true
  done | sort -u
}

stop_pid() {
  local file=$node/pids/$1 pid
  [[ -f "$file" ]] || return 0
  pid=$(cat "$file")
  if cvm_pid_ours "$pid" "$dir"; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while cvm_pid_ours "$pid" "$dir" && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

stop_node() {
  [[ -d "$node" ]] || return 0
  if alive kubelet; then
    delete_pods
    local deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)) && [[ -n "$(ctr_k8s tasks ls -q 2>/dev/null || true)" ]]; do
      sleep 0.5
    done
  fi
  stop_pid kubelet
  local netns=() id ns
  if [[ -S "$sock" ]] && alive containerd; then
    mapfile -t netns < <(sandbox_netns)
    for id in $(ctr_k8s tasks ls -q 2>/dev/null || true); do
      ctr_k8s tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    sleep 0.5
    for id in $(ctr_k8s tasks ls -q 2>/dev/null || true); do
      ctr_k8s tasks delete -f "$id" >/dev/null 2>&1 || true
    done
    for id in $(ctr_k8s containers ls -q 2>/dev/null || true); do
      ctr_k8s containers delete "$id" >/dev/null 2>&1 || true
    done
  fi
  stop_pid containerd
  stop_pid registry
  # Shims outlive containerd by design; ours name our socket.
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $sock" 2>/dev/null || true
  for ns in "${netns[@]}"; do ip netns delete "$ns" 2>/dev/null || true; done
  unmount_under "$dir"
  if holds_machine; then
    ip link delete "$bridge" 2>/dev/null || true
    ip link delete "$node_link" 2>/dev/null || true
    # The pods' log files (kubelet 1.20 writes them under /var/log/pods
    # whatever its root dir) and what it made under /var/lib/kubelet.
    local entry line
    if [[ -f "$node/var-log-pods-before" ]]; then
      for entry in /var/log/pods/*; do
        [[ -e "$entry" ]] || continue
        grep -qxF "$entry" "$node/var-log-pods-before" || rm -rf "$entry"
      done
      find /var/log/containers -maxdepth 1 -xtype l -delete 2>/dev/null || true
    fi
    if [[ -f "$node/var-lib-kubelet-made" ]]; then rm -rf /var/lib/kubelet; fi
    # hostPath sources the runtime created for the pods (containerd makes a
    # missing one), when they are still empty.
    if [[ -f "$node/host-paths-made" ]]; then
      while read -r entry; do rmdir "$entry" 2>/dev/null || true; done <"$node/host-paths-made"
    fi
    if [[ -f "$node/kernel-parameters-before" ]]; then
      while read -r line; do sysctl -q -w "$line" >/dev/null 2>&1 || true; done \
        <"$node/kernel-parameters-before"
    fi
    rm -f "$holder"
  fi
}

if [[ "$action" == stop ]]; then
  stop_node
  exit 0
fi

# --- start ----------------------------------------------------------------------------
((EUID == 0)) || cvm_die "the real node needs root (containerd, runc, mounts, cgroups)"
env_file=$(cluster_env)
[[ -f "$env_file" ]] || cvm_die "no running cluster in $dir (tests/cluster/start.sh first)"
# shellcheck disable=SC1090
source "$env_file"
kubelet=$CVM_KUBE_BIN_DIR/kubelet
[[ -x "$kubelet" ]] || cvm_die "no kubelet in $CVM_KUBE_BIN_DIR; run tests/cluster/ensure-control-plane.sh"
for tool in containerd ctr runc ip sysctl flock; do
  command -v "$tool" >/dev/null || cvm_die "$tool is missing; run release/deps.sh --cluster"
done
[[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] \
  || cvm_die "the CNI plugins are missing (containernetworking-plugins); run release/deps.sh --cluster"
double=${CVM_DOUBLE_BINARY:-}
[[ -x "$double" ]] || cvm_die "set CVM_DOUBLE_BINARY to the built cvm-double (cmake --build BUILD --target cvm-double)"
pause_source=$(ls "$(cvm_cache_root)/kube-$CVM_KUBE_VERSION"/src/kubernetes-*/build/pause/linux/pause.c \
  2>/dev/null | head -n1 || true)
[[ -f "$pause_source" ]] || cvm_die "pause.c not found in the Kubernetes source cache; run tests/cluster/ensure-control-plane.sh"

# Who holds the machine is decided under a lock.
exec 9>"$holder.lock"
flock 9
if holds_machine && alive kubelet && alive containerd && alive registry && [[ -f "$node/env" ]]; then
  cvm_log "the real node of $dir already runs"
  exit 0
fi
other=$(cat "$holder" 2>/dev/null || true)
if [[ -n "$other" && "$other" != "$dir" && -f "$other/node/pids/kubelet" ]] \
   && cvm_pid_ours "$(cat "$other/node/pids/kubelet")" "$other"; then
  cvm_die "another real node runs on this machine (cluster $other); stop it first: tests/cluster/stop.sh $other"
fi
echo "$dir" >"$holder"
stop_node  # whatever a killed start of this dir left behind
mkdir -p "$node"
echo "$dir" >"$holder"
exec 9>&-
# From here every failure undoes the start.
trap 'status=$?; if ((status != 0)); then cvm_log "the real node did not start; cleaning up"; stop_node; fi' EXIT

started=$(cvm_now)
step() { cvm_log "(node +$(cvm_elapsed "$started")s) $*"; }
mkdir -p "$node"/{pids,containerd/root,containerd/state,certs.d/_default,cni/net.d,cni/ipam,kubelet,images,logs}
logs=$dir/logs
# What stop puts back or removes: only what the node adds.
for p in "${kernel_parameters[@]}"; do
  value=$(sysctl -n "$p" 2>/dev/null || true)
  if [[ -n "$value" ]]; then echo "$p=$value"; fi
done >"$node/kernel-parameters-before"
find /var/log/pods -mindepth 1 -maxdepth 1 2>/dev/null >"$node/var-log-pods-before" || true
if [[ ! -e /var/lib/kubelet ]]; then touch "$node/var-lib-kubelet-made"; fi
for p in /usr/src /lib/modules /var/lib /var/run; do
  if [[ ! -e "$p" ]]; then echo "$p"; fi
done >"$node/host-paths-made"

failed() {
  cvm_log "error: $1"
  if [[ -n "${2:-}" && -s "$2" ]]; then
    cvm_log "--- last lines of $2:"
    tail -n 30 "$2" >&2
  fi
  exit 1
}

# --- the registry: a stub on loopback that holds no image -------------------------------
step "starting the stub registry"
rm -f "$node/registry.port"
setsid "$python" "$here/stub_registry.py" --port-file "$node/registry.port" \
  >"$logs/registry.log" 2>&1 </dev/null &
echo $! >"$node/pids/registry"
deadline=$((SECONDS + 10))
until [[ -s "$node/registry.port" ]]; do
  cvm_pid_ours "$(cat "$node/pids/registry")" "$dir" || failed "the stub registry exited" "$logs/registry.log"
  ((SECONDS < deadline)) || failed "the stub registry did not start in 10 s" "$logs/registry.log"
  sleep 0.1
done
registry=127.0.0.1:$(cat "$node/registry.port")

# --- containerd: private socket, root and state; runc for both handlers ---------------
cat >"$node/certs.d/_default/hosts.toml" <<EOF
# Every registry: the stub registry on loopback, which has no image.
server = "http://$registry"
[host."http://$registry"]
  capabilities = ["pull", "resolve"]
EOF
cat >"$node/containerd.toml" <<EOF
version = 2
root = "$node/containerd/root"
state = "$node/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$node/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "k8s.gcr.io/pause:3.2"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # runc cannot set a negative oom_score_adj without CAP_SYS_RESOURCE.
  restrict_oom_score_adj = true
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    # The Sysbox RuntimeClass's handler, run by plain runc: sysbox-mode pods
    # start, without Sysbox's isolation (tests/cluster/README.md).
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.sysbox-runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$node/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$node/certs.d"
EOF
# No gateway, no NAT: pods reach only each other on the bridge.
cat >"$node/cni/net.d/10-cvm.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "cvm-test",
 "plugins": [{"type": "bridge", "bridge": "$bridge", "isGateway": false, "ipMasq": false,
              "ipam": {"type": "host-local", "dataDir": "$node/cni/ipam",
                       "ranges": [[{"subnet": "$pod_subnet"}]]}}]}
EOF
step "starting containerd ($sock)"
# Registry traffic that escapes hosts.toml still only reaches loopback (and
# Go never proxies a request to loopback, so the stub is reached directly).
HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY= \
  setsid containerd --config "$node/containerd.toml" >"$logs/containerd.log" 2>&1 </dev/null &
echo $! >"$node/pids/containerd"
deadline=$((SECONDS + 30))
until ctr --address "$sock" version >/dev/null 2>&1; do
  cvm_pid_ours "$(cat "$node/pids/containerd")" "$dir" || failed "containerd exited" "$logs/containerd.log"
  ((SECONDS < deadline)) || failed "containerd not ready after 30 s" "$logs/containerd.log"
  sleep 0.2
done

step "building and importing the test images"
"$python" "$here/images.py" --double "$double" --pause-source "$pause_source" \
  --out "$node/images" >"$node/images/list" 2>"$logs/images.log" \
  || failed "building the images failed" "$logs/images.log"
while read -r name tar _; do
  ctr_k8s images import "$tar" >>"$logs/images.log" 2>&1 \
    || failed "importing $name failed" "$logs/images.log"
done <"$node/images/list"

# --- kubelet ---------------------------------------------------------------------------
ip link add "$node_link" type bridge 2>/dev/null || true
ip addr replace "$node_ip/32" dev "$node_link" scope host
ip link set "$node_link" up
pki=$dir/pki
openssl_quiet() { openssl "$@" 2>>"$logs/openssl.log"; }
openssl_quiet req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$pki/kubelet.key" -subj "/O=system:nodes/CN=system:node:$node_name" -out "$pki/kubelet.csr" \
  || failed "openssl could not make the kubelet's key" "$logs/openssl.log"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' \
  >"$pki/kubelet.ext"
openssl_quiet x509 -req -in "$pki/kubelet.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
  -set_serial "0x$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" -days 3650 -sha256 \
  -extfile "$pki/kubelet.ext" -out "$pki/kubelet.crt" || failed "openssl could not sign the kubelet's certificate"
rm -f "$pki/kubelet.csr" "$pki/kubelet.ext"
chmod 600 "$pki/kubelet.key"
cat >"$node/kubelet.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cvm-local
  cluster: {server: $KUBE_HOST, certificate-authority: $pki/ca.crt}
users:
- name: $node_name
  user: {client-certificate: $pki/kubelet.crt, client-key: $pki/kubelet.key}
contexts:
- name: node
  context: {cluster: cvm-local, user: $node_name}
current-context: node
EOF
read -r kubelet_port healthz_port < <("$python" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
# Pods resolve names against their own loopback: no DNS query leaves.
echo "nameserver 127.0.0.1" >"$node/resolv.conf"
cat >"$node/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $healthz_port
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
failSwapOn: false
# No evictions and no image garbage collection: the imported images cannot
# be pulled again.
evictionHard: {memory.available: "0%", nodefs.available: "0%", nodefs.inodesFree: "0%", imagefs.available: "0%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
resolvConf: $node/resolv.conf
# A cluster DNS address pods have no route to (no gateway): names fail at
# once instead of a MissingClusterDNS warning on every pod.
clusterDNS: [10.0.0.10]
clusterDomain: cluster.local
makeIPTablesUtilChains: false
serializeImagePulls: false
volumePluginDir: $node/volume-plugins
EOF
step "starting the kubelet as node $node_name (port $kubelet_port)"
AWS_EC2_METADATA_DISABLED=true setsid "$kubelet" --config="$node/kubelet.yaml" \
  --kubeconfig="$node/kubelet.kubeconfig" --root-dir="$node/kubelet" --cert-dir="$node/kubelet/pki" \
  --container-runtime=remote --container-runtime-endpoint="unix://$sock" \
  --hostname-override="$node_name" --node-ip="$node_ip" \
  --node-labels="sysbox-runtime=running,cvm.test/real-node=true" \
  --pod-infra-container-image=k8s.gcr.io/pause:3.2 --v=2 \
  >"$logs/kubelet.log" 2>&1 </dev/null &
echo $! >"$node/pids/kubelet"

node_ready() {
  curl -sf --max-time 5 --cacert "$KUBE_CA_FILE" --cert "$KUBE_CLIENT_CERT_FILE" \
    --key "$KUBE_CLIENT_KEY_FILE" "$KUBE_HOST/api/v1/nodes/$node_name" |
    "$python" -c '
import json, sys
n = json.load(sys.stdin)
ready = any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))
tainted = any(t["key"].startswith("node.kubernetes.io/") for t in n["spec"].get("taints") or [])
sys.exit(0 if ready and not tainted else 1)'
}
deadline=$((SECONDS + 90))
until node_ready 2>/dev/null; do
  cvm_pid_ours "$(cat "$node/pids/kubelet")" "$dir" || failed "the kubelet exited" "$logs/kubelet.log"
  ((SECONDS < deadline)) || failed "node $node_name not Ready and schedulable after 90 s" "$logs/kubelet.log"
  sleep 0.5
done

cat >"$node/env" <<EOF
CVM_REAL_NODE=$node_name
CVM_REAL_NODE_CONTAINERD_SOCKET=$sock
CVM_REAL_NODE_KUBELET_PID=$(cat "$node/pids/kubelet")
CVM_REAL_NODE_CONTAINERD_PID=$(cat "$node/pids/containerd")
CVM_SYSTEMD_IMAGE=$(awk '$1 == "systemd" { print $3 }' "$node/images/list")
CVM_REAL_NODE_REGISTRY=$registry
EOF
step "node $node_name Ready"
