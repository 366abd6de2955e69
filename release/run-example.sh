#!/usr/bin/env bash
# The README's main job, from nothing on a Debian bookworm machine: installs
# the packages, builds or reuses the local Kubernetes control plane and starts
# it, builds the provider and installs it into the implied filesystem mirror
# (~/.terraform.d/plugins), then applies examples/quickstart against the
# cluster and prints what was created.
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
cmake --build "$build_dir" --target install-mirror

cluster_dir=${CVM_CLUSTER_DIR:-/tmp/cvm-cluster}
say "Starting the local control plane in $cluster_dir"
tests/cluster/start.sh "$cluster_dir"

work=${CVM_EXAMPLE_DIR:-/tmp/cvm-quickstart}
mkdir -p "$work"
cp examples/quickstart/main.tf "$work/"
cd "$work"
rm -f .terraform.lock.hcl  # the provider binary may have been rebuilt
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
terraform init -input=false -no-color >/dev/null

if [[ "${1:-}" == "destroy" ]]; then
  say "Destroying the example"
  terraform destroy -auto-approve -input=false -no-color -var "kubeconfig=$cluster_dir/kubeconfig"
  exit 0
fi

say "Applying examples/quickstart"
terraform apply -auto-approve -input=false -no-color -var "kubeconfig=$cluster_dir/kubeconfig"

say "What is in the cluster"
python3 "$root/release/show-workspaces.py" "$cluster_dir"
