#!/usr/bin/env bash
# A newcomer's build: `cmake -B DIR -DCMAKE_BUILD_TYPE=Release` (the default
# generator and flags, -O3, no -Werror) must configure and build the provider.
#   tests/docs/plain_build_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
dir=$2
rm -rf "$dir"
start=$SECONDS
cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=Release >"$dir.log" 2>&1 \
  || { tail -n 30 "$dir.log"; echo "configure failed" >&2; exit 1; }
cmake --build "$dir" --target terraform-provider-cvm -j "$(nproc)" >>"$dir.log" 2>&1 \
  || { tail -n 40 "$dir.log"; echo "build failed" >&2; exit 1; }
[[ -x "$dir/provider/terraform-provider-cvm" ]] || { echo "no provider binary" >&2; exit 1; }
# Run without Terraform's cookie, it must say so and exit 1 (it starts).
set +e
out=$("$dir/provider/terraform-provider-cvm" 2>&1)
code=$?
set -e
[[ $code == 1 && "$out" == *"plugin"* ]] || { echo "unexpected: exit $code: $out" >&2; exit 1; }
echo "plain Release build of the provider: $((SECONDS - start)) s; warnings: $(grep -c 'warning:' "$dir.log" || true)"
rm -rf "$dir" "$dir.log"
