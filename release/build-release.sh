#!/usr/bin/env bash
# Builds a release of terraform-provider-cvm, in the layout the Terraform
# Registry and filesystem mirrors expect (protocol.md 6.5):
#
#   terraform-provider-cvm_X.Y.Z_linux_amd64.zip    (terraform-provider-cvm_vX.Y.Z, mode 0755)
#   terraform-provider-cvm_X.Y.Z_linux_arm64.zip    (when a cross toolchain is available)
#   terraform-provider-cvm_X.Y.Z_manifest.json      (release/terraform-registry-manifest.json)
#   terraform-provider-cvm_X.Y.Z_SHA256SUMS         (every zip and the manifest)
#   terraform-provider-cvm_X.Y.Z_SHA256SUMS.sig     (when CVM_GPG_KEY_ID is set)
#   binaries/linux_<arch>/terraform-provider-cvm_vX.Y.Z   (the stripped binaries, not published)
#
# The version comes from release/VERSION only. The build is reproducible: the
# same commit gives byte-identical zips, whatever the source and build
# directories are (Release build, -ffile-prefix-map, SOURCE_DATE_EPOCH from
# the last commit, stripped, zip -X with fixed timestamps and sorted entries).
#
#   release/build-release.sh
# Environment:
#   CVM_RELEASE_OUT        output directory (default out/release/X.Y.Z)
#   CVM_RELEASE_BUILD_DIR  CMake build directories, one per platform (default build-release)
#   CVM_RELEASE_ARCHES     platforms to build (default "amd64 arm64"; arm64 is
#                          skipped with a message when there is no cross toolchain)
#   CVM_RELEASE_BINARY_AMD64  package this prebuilt linux_amd64 binary instead of
#                          building one (used by tests that already built it)
#   CVM_GPG_KEY_ID         sign the SHA256SUMS with this key (gpg --detach-sign)
#   SOURCE_DATE_EPOCH      timestamp of the zip entries (default: last commit)
#   CVM_JOBS               parallel compile jobs (default: nproc)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '== %s\n' "$*" >&2; }

version=$(tr -d '[:space:]' < "$root/release/VERSION")
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "release/VERSION: '$version' is not a semantic version X.Y.Z" >&2
  exit 1
fi
name=terraform-provider-cvm
out=${CVM_RELEASE_OUT:-$root/out/release/$version}
build_root=${CVM_RELEASE_BUILD_DIR:-$root/build-release}
arches=${CVM_RELEASE_ARCHES:-amd64 arm64}
jobs=${CVM_JOBS:-$(nproc)}
if [[ -z "${SOURCE_DATE_EPOCH:-}" ]]; then
  SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 315532800)
fi
# zip stores DOS times (from 1980, local time): keep the epoch in range, in UTC.
if ((SOURCE_DATE_EPOCH < 315532800)); then SOURCE_DATE_EPOCH=315532800; fi
export SOURCE_DATE_EPOCH TZ=UTC LC_ALL=C

for tool in cmake ninja zip sha256sum; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run release/deps.sh" >&2; exit 1; }
done

# Can this machine cross-build for linux_arm64? It needs Debian's cross
# compiler and the arm64 builds of every library the provider links
# (arm64 multiarch -dev packages; release/README.md says why this is rare).
arm64_problem() {
  command -v aarch64-linux-gnu-g++ >/dev/null || {
    echo "no aarch64-linux-gnu-g++ (Debian package g++-aarch64-linux-gnu)"; return; }
  local pc
  for pc in grpc++ protobuf yaml-cpp libcurl openssl absl_base; do
    [[ -e /usr/lib/aarch64-linux-gnu/pkgconfig/$pc.pc ]] || {
      echo "no arm64 $pc library (/usr/lib/aarch64-linux-gnu/pkgconfig/$pc.pc)"; return; }
  done
}

build_binary() {  # build_binary <arch> <binary out>
  local arch=$1 dest=$2 dir="$build_root/linux_$1"
  local -a extra=()
  local strip=strip
  if [[ "$arch" == arm64 ]]; then
    extra=(-DCMAKE_TOOLCHAIN_FILE="$root/release/cmake/linux-arm64.cmake")
    strip=aarch64-linux-gnu-strip
  fi
  # -O2 as in the RelWithDebInfo build the tests run (GCC 12's -O3 also trips
  # -Werror=restrict false positives in std::string, GCC PR 105329).
  # Paths are mapped before they reach the objects: the source tree becomes
  # ".", the build tree "build" (the later option wins where both match).
  local map="-ffile-prefix-map=$root=. -ffile-prefix-map=$dir=build"
  say "Configuring linux_$arch in $dir"
  cmake -S "$root" -B "$dir" -G Ninja "${extra[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCVM_WERROR=ON \
    -DCVM_BUILD_TESTS=OFF -DCVM_BUILD_BENCHMARKS=OFF -DCVM_BUILD_FUZZERS=OFF \
    -DCMAKE_CXX_FLAGS="$map" -DCMAKE_C_FLAGS="$map" \
    -DCMAKE_EXE_LINKER_FLAGS="-Wl,--build-id=sha1" >/dev/null
  say "Building linux_$arch"
  cmake --build "$dir" --target "$name" -j "$jobs"
  install -m 0755 "$dir/provider/$name" "$dest"
  "$strip" --strip-all --remove-section=.comment "$dest"
}

package() {  # package <arch> <binary>
  local arch=$1 binary=$2
  local stage="$out/binaries/linux_$arch"
  local zip="$out/${name}_${version}_linux_${arch}.zip"
  mkdir -p "$stage"
  if [[ "$binary" != "$stage/${name}_v$version" ]]; then
    install -m 0755 "$binary" "$stage/${name}_v$version"
    strip --strip-all --remove-section=.comment "$stage/${name}_v$version" 2>/dev/null || true
  fi
  chmod 0755 "$stage/${name}_v$version"
  # DOS times have 2 s steps and zip rounds an odd second up, possibly into
  # the next minute: stamp the entry with the even second at or before.
  touch -h -d "@$((SOURCE_DATE_EPOCH - SOURCE_DATE_EPOCH % 2))" "$stage/${name}_v$version"
  rm -f "$zip"
  # -X: no extra fields (uid/gid, extended times); -D: no directory entries.
  # The Unix mode (0755) is kept in the external attributes.
  (cd "$stage" && find . -type f -printf '%P\n' | sort | zip -X -D -q "$zip" -@)
  touch -d "@$SOURCE_DATE_EPOCH" "$zip"
  say "Packaged $(basename "$zip")"
}

start=$(date +%s)
mkdir -p "$out"
rm -f "$out"/*.zip "$out"/*_SHA256SUMS "$out"/*_SHA256SUMS.sig "$out"/*_manifest.json
built=()
for arch in $arches; do
  case "$arch" in
    amd64)
      mkdir -p "$out/binaries/linux_amd64"
      if [[ -n "${CVM_RELEASE_BINARY_AMD64:-}" ]]; then
        package amd64 "$CVM_RELEASE_BINARY_AMD64"
      else
        build_binary amd64 "$out/binaries/linux_amd64/${name}_v$version"
        package amd64 "$out/binaries/linux_amd64/${name}_v$version"
      fi
      built+=(amd64)
      ;;
    arm64)
      problem=$(arm64_problem)
      if [[ -n "$problem" ]]; then
        say "Skipping linux_arm64: $problem (see release/README.md)"
        continue
      fi
      mkdir -p "$out/binaries/linux_arm64"
      build_binary arm64 "$out/binaries/linux_arm64/${name}_v$version"
      package arm64 "$out/binaries/linux_arm64/${name}_v$version"
      built+=(arm64)
      ;;
    *) echo "unknown architecture $arch" >&2; exit 1 ;;
  esac
done
if ((${#built[@]} == 0)); then
  echo "nothing was built" >&2
  exit 1
fi

manifest="${name}_${version}_manifest.json"
cp "$root/release/terraform-registry-manifest.json" "$out/$manifest"
touch -d "@$SOURCE_DATE_EPOCH" "$out/$manifest"
sums="${name}_${version}_SHA256SUMS"
(cd "$out" && find . -maxdepth 1 -type f \( -name '*.zip' -o -name "$manifest" \) -printf '%P\n' \
  | sort | xargs sha256sum > "$sums")
if [[ -n "${CVM_GPG_KEY_ID:-}" ]]; then
  gpg --batch --yes --local-user "$CVM_GPG_KEY_ID" --detach-sign \
    --output "$out/$sums.sig" "$out/$sums"
  say "Signed $sums with $CVM_GPG_KEY_ID"
else
  say "CVM_GPG_KEY_ID is not set: $sums is not signed"
fi

say "Release $version (${built[*]}) in $out after $(($(date +%s) - start)) s:"
(cd "$out" && ls -l -- *.zip *_manifest.json *_SHA256SUMS* >&2 && cat "$sums" >&2)
