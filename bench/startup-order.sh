#!/usr/bin/env bash
# Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
#
# Regenerates provider/startup_order.txt: the functions the provider runs
# from exec to its handshake line and 200 ms of idling after it (then
# SIGTERM and shutdown), one mangled symbol a line, as Valgrind's callgrind
# sees them in one AutoMTLS start. provider/CMakeLists.txt hands the file to
# lld (--symbol-ordering-file) so that these functions are laid out
# together at the front of .text: the kernel maps executable pages 64 KiB
# around every page fault, so code the start-up touches here and there
# across the 12 MB text kept most of it resident (idle RSS 14.1 MiB; 10.0 MiB
# with the ordering, bench/startup.sh --also). Symbols no longer in the
# binary are ignored, so a stale list costs memory, never correctness;
# rerun after larger changes to what start-up runs.
#
# Usage: bench/startup-order.sh [PROVIDER] [OUT]
#   PROVIDER  default build/provider/terraform-provider-cvm
#   OUT       default provider/startup_order.txt
# Needs valgrind, nm, openssl, python3 (Debian packages).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exe=${1:-$root/build/provider/terraform-provider-cvm}
out=${2:-$root/provider/startup_order.txt}
[[ -x "$exe" ]] || { echo "startup-order.sh: $exe is not an executable" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes \
  -subj "/O=HashiCorp/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -days 1 -keyout "$work/client.key" -out "$work/client.crt" 2>/dev/null
EXE="$exe" WORK="$work" python3 - <<'PY'
import os, signal, subprocess, time
work = os.environ["WORK"]
env = {"PATH": "/usr/bin:/bin",
       "TF_PLUGIN_MAGIC_COOKIE":
           "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
       "PLUGIN_PROTOCOL_VERSIONS": "5,6",
       "PLUGIN_CLIENT_CERT": open(os.path.join(work, "client.crt")).read()}
with open(os.path.join(work, "valgrind.log"), "w") as log:
    p = subprocess.Popen(["valgrind", "--tool=callgrind", "--demangle=no",
                          f"--callgrind-out-file={work}/callgrind.out", os.environ["EXE"]],
                         env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
    line = p.stdout.readline()
    if not line.startswith(b"1|6|"):
        raise SystemExit(f"startup-order.sh: no handshake line: {line!r}")
    time.sleep(0.2 * 20)  # 200 ms of idling, at Valgrind's pace
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=120)
PY
# Every function callgrind named that the binary defines, sorted by name:
# measured against callgrind's first-seen order, the sorted list left
# 1 MiB less resident (9.7 vs 10.7 MiB), and it diffs well.
nm --defined-only "$exe" | awk '$2 ~ /^[tTwW]$/ {print $3}' | LC_ALL=C sort -u >"$work/defined"
grep -ohE '^c?fn=\([0-9]+\) .*' "$work/callgrind.out" | sed -E 's/^c?fn=\([0-9]+\) //' |
  LC_ALL=C sort -u >"$work/called"
LC_ALL=C comm -12 "$work/defined" "$work/called" >"$out"
echo "startup-order.sh: $(wc -l <"$out") functions -> $out" >&2
