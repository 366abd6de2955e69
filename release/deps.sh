#!/usr/bin/env bash
# Installs every Debian bookworm package the project needs to build, test and
# benchmark. Run as root; idempotent (apt-get skips what is installed).
#   release/deps.sh            build + unit/e2e test dependencies
#   release/deps.sh --cluster  also what the local control plane needs
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev nlohmann-json3-dev libyaml-cpp-dev libcurl4-openssl-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev llvm  # fuzzers: libFuzzer/ASan runtimes, llvm-symbolizer
  openssl zip unzip python3 curl nghttp2-server
  lld  # tests/run-tests.sh links the test builds with it: 2-3x faster links
)
cluster_packages=(
  etcd-server golang-go rsync dpkg-dev
  golang-github-modern-go-reflect2-dev
  containerd runc containernetworking-plugins  # the real test node (tests/cluster/node)
)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--cluster" ]]; then
  packages+=("${cluster_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
