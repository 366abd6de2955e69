#!/usr/bin/env bash
# The README's main job, from nothing on a Debian bookworm machine: installs
# the packages, builds or reuses the local Kubernetes control plane and starts
# it with one real node on this machine (containerd, runc and a kubelet:
# tests/cluster/node), builds the provider and installs it into the implied
# filesystem mirror (~/.terraform.d/plugins), then applies examples/quickstart
# against the cluster and prints what was created and what the envbox test
# double found inside the workspace pod that started.
#
#   release/run-example.sh           apply (again) and show
#   release/run-example.sh destroy   destroy the example's objects
# Environment: CVM_CLUSTER_DIR (default /tmp/cvm-cluster), CVM_EXAMPLE_DIR
# (default /tmp/cvm-quickstart), CVM_BUILD_DIR (default build).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
as_root=()
if [[ $EUID -ne 0 ]]; then as_root=(sudo -E); fi
say() { printf '\n== %s\n' "$*"; }

say "Installing Debian packages and the local control plane"
"${as_root[@]}" release/deps.sh --cluster
"${as_root[@]}" tests/cluster/ensure-control-plane.sh >/dev/null

say "Building terraform-provider-cvm and installing it into ~/.terraform.d/plugins"
build_dir=${CVM_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCVM_MIRROR_DIR="$HOME/.terraform.d/plugins" >/dev/null
cmake --build "$build_dir" --target install-mirror cvm-double

cluster_dir=${CVM_CLUSTER_DIR:-/tmp/cvm-cluster}
say "Starting the local control plane and a real node in $cluster_dir"
# The quickstart's pod really runs: on a node of this machine, with the
# envbox test double under envbox's image name (no registry is reached).
"${as_root[@]}" env CVM_DOUBLE_BINARY="$(cd "$build_dir" && pwd)/tests/cluster/cvm-double" \
  tests/cluster/start.sh --nodes none --real-node "$cluster_dir"
work=${CVM_EXAMPLE_DIR:-/tmp/cvm-quickstart}
mkdir -p "$work"
cp examples/quickstart/main.tf "$work/"
# The cluster's files belong to root; terraform gets its own copy of the
# admin kubeconfig (certificate inline), readable by you alone.
(umask 077; "${as_root[@]}" cat "$cluster_dir/kubeconfig" >"$work/kubeconfig")
cd "$work"
rm -f .terraform.lock.hcl  # the provider binary may have been rebuilt
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
terraform init -input=false -no-color >/dev/null

if [[ "${1:-}" == "destroy" ]]; then
  say "Destroying the example"
  terraform destroy -auto-approve -input=false -no-color -var "kubeconfig=$work/kubeconfig"
  exit 0
fi

say "Applying examples/quickstart"
terraform apply -auto-approve -input=false -no-color -var "kubeconfig=$work/kubeconfig"

say "What is in the cluster (and what runs in the workspace pod)"
"${as_root[@]}" python3 "$root/release/show-workspaces.py" "$cluster_dir"
