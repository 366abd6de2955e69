#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and the
# kubelet of the real test node from Debian bookworm's `kubernetes` source
# package (Kubernetes 1.20.2, vendored dependencies) and caches them outside
# the repository:
#
#   ${CVM_CACHE_DIR:-$HOME/.cache/terraform-provider-cvm}/kube-1.20.2/bin/
#
# Only the first run on a machine pays the build (5-45 minutes on two cores,
# quiet or busy); later runs find the cache and return at once. A cache with
# the control plane but no kubelet gets only the kubelet built (about 7
# minutes). Prints the binary directory on stdout (messages go to stderr), so
# `bin=$(tests/cluster/build-control-plane.sh)` works.
#
# Usage: tests/cluster/build-control-plane.sh [--kubectl]
#   --kubectl   build only `kubectl` from the same source tree (same reflect2
#               fix), cached separately in <cache>/kube-1.20.2/kubectl-bin/ and
#               printed as a path to the binary; used by bench/run.sh, not by
#               the tests. Reuses the unpacked source when it is there.
#
# Needs root the first time, to add a deb-src entry of its own
# (/etc/apt/sources.list.d/cvm-deb-src.sources; existing sources are never
# edited) and to install the packages of `release/deps.sh --cluster`.
#
# Environment:
#   CVM_CACHE_DIR     cache root (default $HOME/.cache/terraform-provider-cvm)
#   CVM_KUBE_BIN_DIR  use/put the binaries here instead of <cache>/kube-1.20.2/bin
#   CVM_KEEP_KUBE_BUILD=1  keep the build output (_output, ~2 GB of Go caches);
#                     the unpacked source (<cache>/kube-1.20.2/src) is always kept
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit "${1:-0}"
}

# Installs the build tools if any is missing (needs root then).
ensure_tools() {
  local need=0 tool
  for tool in go rsync dpkg-source apt-get make flock; do
    command -v "$tool" >/dev/null 2>&1 || need=1
  done
  [[ -f "$reflect2_src/go_above_118.go" ]] || need=1
  if ((need)); then
    ((EUID == 0)) || cvm_die "missing build tools; run as root: release/deps.sh --cluster"
    cvm_log "installing the cluster packages (release/deps.sh --cluster)"
    "$here/../../release/deps.sh" --cluster >&2
  fi
  [[ -f "$reflect2_src/go_above_118.go" ]] \
    || cvm_die "$reflect2_src is not reflect2 >= 1.0.2 (golang-github-modern-go-reflect2-dev); the API server would panic on JSON maps"
}

# Makes `apt-get source kubernetes` work: a deb-src entry in a file of our own.
ensure_deb_src() {
  local src_list=/etc/apt/sources.list.d/cvm-deb-src.sources
  have_source() { [[ "$(apt-cache showsrc kubernetes 2>/dev/null)" == *"Package: kubernetes"* ]]; }
  have_source && return 0
  ((EUID == 0)) || cvm_die "apt knows no 'kubernetes' source package; run this script as root once so it can add $src_list"
  if [[ ! -f "$src_list" ]]; then
    # Take the mirror and keyring of the existing bookworm entry; never edit it.
    local uris=http://deb.debian.org/debian signed_by=/usr/share/keyrings/debian-archive-keyring.gpg
    local found_uris="" found_key=""
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
      read -r found_uris found_key < <(awk '
        function found() { if (suite && uris && !done) { print uris, key; done = 1 } }
        /^[[:space:]]*$/ { found(); uris = ""; key = ""; suite = 0; next }
        /^URIs:/ { uris = $2 }
        /^Signed-By:/ { key = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
        END { found() }' /etc/apt/sources.list.d/debian.sources) || true
      [[ -n "$found_uris" ]] && uris=$found_uris
      [[ -n "$found_key" ]] && signed_by=$found_key
    fi
    cvm_log "adding $src_list (deb-src bookworm main from $uris)"
    cat >"$src_list" <<EOF
# Added by terraform-provider-cvm tests/cluster/build-control-plane.sh:
# Debian bookworm source packages, for \`apt-get source kubernetes\`.
Types: deb-src
URIs: $uris
Suites: bookworm
Components: main
Signed-By: $signed_by
EOF
  fi
  cvm_log "apt-get update"
  apt-get update -qq >&2
  have_source || cvm_die "apt still knows no 'kubernetes' source package after adding $src_list"
}

# The unpacked source tree under $src_root, or nothing.
find_tree() {
  local d
  for d in "$src_root"/kubernetes-*/; do
    [[ -f "$d/Makefile" ]] && { printf '%s\n' "${d%/}"; return 0; }
  done
  return 0
}

# Fetches and unpacks the source into $src_root; sets $tree.
fetch_source() {
  rm -rf "$src_root"
  mkdir -p "$src_root"
  cvm_log "apt-get source kubernetes=$deb_version into $src_root"
  # apt's _apt sandbox user cannot write to root-owned cache dirs: that warning is harmless.
  (cd "$src_root" && apt-get source -qq "kubernetes=$deb_version" 2>&1 | { grep -v 'unsandboxed' || true; } >&2)
  tree=$(find_tree)
  [[ -n "$tree" && -f "$tree/Makefile" ]] || cvm_die "apt-get source produced no kubernetes tree in $src_root"
}

# The vendored reflect2 v1.0.1 relies on runtime internals that changed in Go
# 1.18: built with Debian's Go 1.19 the API server panics decoding any JSON map
# (any object with labels). Debian's 1.0.2 sources fix it; vendor/modules.txt
# keeps saying v1.0.1, which the build accepts.
replace_reflect2() {
  cvm_log "replacing vendor/github.com/modern-go/reflect2 with Debian's $reflect2_version"
  rsync -a --delete --exclude go.mod "$reflect2_src/" "$tree/vendor/github.com/modern-go/reflect2/"
  [[ -f "$tree/vendor/github.com/modern-go/reflect2/go_above_118.go" ]] \
    || cvm_die "replacing the vendored reflect2 failed"
}

# Offline build: everything comes from vendor/.
make_binaries() {
  local what=${1:-cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubelet}
  cvm_log "make WHAT=\"$what\" ($go_version; log: $build_log)"
  if ! (
    cd "$tree"
    # hack/lib sets GO111MODULE=off and its own GOPATH/GOCACHE under _output;
    # vendor/ is used either way. GOPROXY=off makes any network attempt fail fast.
    export GOPROXY=off GOFLAGS=-mod=vendor CGO_ENABLED=0
    KUBE_BUILD_PLATFORMS=linux/$(go env GOARCH)
    export KUBE_BUILD_PLATFORMS
    make WHAT="$what"
  ) >"$build_log" 2>&1; then
    tail -n 40 "$build_log" >&2
    cvm_die "the Kubernetes build failed; full log: $build_log"
  fi
  # Lets a rerun skip the build if installing the binaries fails.
  [[ -n "${1:-}" ]] || printf '%s\n' "$deb_version" >"$tree/.cvm-make-done"
}

# Copies the binaries into $bin_dir atomically, with a BUILD-INFO file.
install_binaries() {
  local out=$tree/_output/bin staging=$bin_dir.tmp.$$ b reported elapsed
  rm -rf "$staging"
  mkdir -p "$staging"
  for b in "${CVM_KUBE_BINARIES[@]}" "${CVM_KUBE_NODE_BINARIES[@]}"; do
    [[ -x "$out/$b" ]] || cvm_die "the build did not produce $out/$b; see $build_log"
    cp "$out/$b" "$staging/$b"
  done
  reported=$("$staging/kube-apiserver" --version)
  [[ "$reported" == *"v${CVM_KUBE_VERSION}"* ]] \
    || cvm_die "built kube-apiserver reports '$reported', expected v${CVM_KUBE_VERSION}"
  elapsed=$(cvm_elapsed "$started")
  cat >"$staging/BUILD-INFO" <<EOF
$reported (Debian source kubernetes $deb_version)
reflect2: vendored v1.0.1 replaced by Debian golang-github-modern-go-reflect2-dev $reflect2_version
go: $go_version
built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) CPUs, this run took ${elapsed}s$([[ "$resumed" == 1 ]] && echo " (resumed after make)")
EOF
  rm -rf "$bin_dir"
  mv "$staging" "$bin_dir"
  # The source (~330 MB) stays in the cache; the build output (~2 GB of Go
  # caches and objects) goes unless CVM_KEEP_KUBE_BUILD=1.
  if [[ "${CVM_KEEP_KUBE_BUILD:-0}" != 1 ]]; then
    cvm_log "removing $tree/_output (set CVM_KEEP_KUBE_BUILD=1 to keep it)"
    chmod -R u+w "$tree/_output" 2>/dev/null || true
    rm -rf "$tree/_output" "$tree/.cvm-make-done"
  fi
  cvm_log "done in ${elapsed}s: $bin_dir"
}

# --kubectl: kubectl alone from the same tree, cached in its own directory so
# the control-plane cache (and the CI path) is untouched.
build_kubectl() {
  work=$(cvm_cache_root)/kube-${CVM_KUBE_VERSION}
  local kubectl_dir=$work/kubectl-bin
  if [[ -x "$kubectl_dir/kubectl" ]]; then
    cvm_log "kubectl cached in $kubectl_dir ($("$kubectl_dir/kubectl" version --client --short 2>/dev/null || true))"
    printf '%s\n' "$kubectl_dir/kubectl"
    return 0
  fi
  mkdir -p "$work"
  exec 9>"$work/.build.lock"
  if ! flock -n 9; then
    cvm_log "another build holds $work/.build.lock; waiting for it"
    flock 9
  fi
  started=$(cvm_now)
  reflect2_src=/usr/share/gocode/src/github.com/modern-go/reflect2
  src_root=$work/src
  build_log=$work/build-kubectl.log
  ensure_tools
  tree=$(find_tree)
  if [[ -z "$tree" ]]; then
    ensure_deb_src
    deb_version=$(apt-cache showsrc kubernetes | awk '/^Version:/ { print $2; exit }')
    case "$deb_version" in
      *"${CVM_KUBE_VERSION}"*) ;;
      *) cvm_die "Debian's kubernetes source is $deb_version, not ${CVM_KUBE_VERSION}" ;;
    esac
    fetch_source
  fi
  [[ -f "$tree/vendor/github.com/modern-go/reflect2/go_above_118.go" ]] || replace_reflect2
  go_version=$(go version)
  cvm_log "building kubectl ${CVM_KUBE_VERSION} from $tree (a few minutes)"
  make_binaries cmd/kubectl
  local out=$tree/_output/bin/kubectl staging=$kubectl_dir.tmp.$$ reported
  [[ -x "$out" ]] || cvm_die "the build did not produce $out; see $build_log"
  rm -rf "$staging"
  mkdir -p "$staging"
  cp "$out" "$staging/kubectl"
  reported=$("$staging/kubectl" version --client --short 2>/dev/null || "$staging/kubectl" version --client)
  [[ "$reported" == *"v${CVM_KUBE_VERSION}"* ]] \
    || cvm_die "built kubectl reports '$reported', expected v${CVM_KUBE_VERSION}"
  printf '%s (from %s; %s; built in %ss)\n' "$reported" "$tree" "$go_version" "$(cvm_elapsed "$started")" \
    >"$staging/BUILD-INFO"
  rm -rf "$kubectl_dir"
  mv "$staging" "$kubectl_dir"
  # A finished but not yet installed control-plane build keeps its output.
  if [[ "${CVM_KEEP_KUBE_BUILD:-0}" != 1 && ! -f "$tree/.cvm-make-done" ]]; then
    cvm_log "removing $tree/_output (set CVM_KEEP_KUBE_BUILD=1 to keep it)"
    chmod -R u+w "$tree/_output" 2>/dev/null || true
    rm -rf "$tree/_output"
  fi
  cvm_log "done in $(cvm_elapsed "$started")s: $kubectl_dir/kubectl"
  printf '%s\n' "$kubectl_dir/kubectl"
}

# A cache with the control plane but no kubelet: build the kubelet alone from
# the kept source tree and add it to $bin_dir.
add_kubelet() {
  started=$(cvm_now)
  reflect2_src=/usr/share/gocode/src/github.com/modern-go/reflect2
  src_root=$work/src
  build_log=$work/build-kubelet.log
  ensure_tools
  tree=$(find_tree)
  if [[ -z "$tree" ]]; then
    ensure_deb_src
    deb_version=$(apt-cache showsrc kubernetes | awk '/^Version:/ { print $2; exit }')
    fetch_source
  fi
  [[ -f "$tree/vendor/github.com/modern-go/reflect2/go_above_118.go" ]] || replace_reflect2
  go_version=$(go version)
  cvm_log "building the kubelet ${CVM_KUBE_VERSION} from $tree (a few minutes)"
  make_binaries cmd/kubelet
  local out=$tree/_output/bin/kubelet reported
  [[ -x "$out" ]] || cvm_die "the build did not produce $out; see $build_log"
  reported=$("$out" --version)
  [[ "$reported" == *"v${CVM_KUBE_VERSION}"* ]] \
    || cvm_die "built kubelet reports '$reported', expected v${CVM_KUBE_VERSION}"
  cp "$out" "$bin_dir/kubelet.tmp.$$"
  mv "$bin_dir/kubelet.tmp.$$" "$bin_dir/kubelet"
  printf 'kubelet added %s, this run took %ss\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "$(cvm_elapsed "$started")" >>"$bin_dir/BUILD-INFO"
  if [[ "${CVM_KEEP_KUBE_BUILD:-0}" != 1 && ! -f "$tree/.cvm-make-done" ]]; then
    chmod -R u+w "$tree/_output" 2>/dev/null || true
    rm -rf "$tree/_output"
  fi
  cvm_log "done in $(cvm_elapsed "$started")s: $bin_dir/kubelet"
}

main() {
  case "${1:-}" in
    -h|--help) usage 0 ;;
    --kubectl) build_kubectl; return 0 ;;
    "") ;;
    *) cvm_log "unknown argument: $1"; usage 2 ;;
  esac

  bin_dir=$(cvm_kube_bin_dir)
  if cvm_have_binaries "$bin_dir" --node; then
    cvm_log "control plane binaries cached in $bin_dir ($(head -n1 "$bin_dir/BUILD-INFO"))"
    printf '%s\n' "$bin_dir"
    return 0
  fi

  work=$(cvm_cache_root)/kube-${CVM_KUBE_VERSION}
  mkdir -p "$work"
  # One build at a time per cache (parallel CI jobs on one machine).
  exec 9>"$work/.build.lock"
  if ! flock -n 9; then
    cvm_log "another build holds $work/.build.lock; waiting for it"
    flock 9
  fi
  if cvm_have_binaries "$bin_dir" --node; then
    cvm_log "control plane binaries were built meanwhile: $bin_dir"
    printf '%s\n' "$bin_dir"
    return 0
  fi
  if cvm_have_binaries "$bin_dir"; then
    add_kubelet
    printf '%s\n' "$bin_dir"
    return 0
  fi

  started=$(cvm_now)
  reflect2_src=/usr/share/gocode/src/github.com/modern-go/reflect2
  src_root=$work/src
  build_log=$work/build.log
  ensure_tools
  ensure_deb_src
  deb_version=$(apt-cache showsrc kubernetes | awk '/^Version:/ { print $2; exit }')
  case "$deb_version" in
    *"${CVM_KUBE_VERSION}"*) ;;
    *) cvm_die "Debian's kubernetes source is $deb_version, not ${CVM_KUBE_VERSION}; update CVM_KUBE_VERSION in tests/cluster/lib.sh and check the reflect2 fix still applies" ;;
  esac
  reflect2_version=$(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev 2>/dev/null || echo unknown)
  go_version=$(go version)

  resumed=0
  tree=$(find_tree)
  if [[ -n "$tree" && "$(cat "$tree/.cvm-make-done" 2>/dev/null)" == "$deb_version" ]]; then
    cvm_log "reusing the completed build in $tree"
    resumed=1
  else
    cvm_log "building the Kubernetes ${CVM_KUBE_VERSION} control plane (first run on this machine; takes many minutes)"
    fetch_source
    replace_reflect2
    make_binaries
  fi
  install_binaries
  printf '%s\n' "$bin_dir"
}

# Everything runs from main, so bash has read the whole file before it starts:
# editing the script during a long build cannot break the running build.
main "$@"
