#!/usr/bin/env bash
# Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
#
# Measures exec-to-handshake-line latency of a go-plugin executable: the time
# from starting the process (as Terraform does: cookie, PLUGIN_CLIENT_CERT, so
# AutoMTLS key generation is included) until its handshake line arrives on
# the stdout pipe. Each run is then stopped with SIGTERM (not timed). Prints
# the median and spread over the runs, the CPU time the process had used by
# then (robust on a loaded machine), and the cost of running /bin/true.
#
# Usage: bench/startup.sh [--json] [EXECUTABLE] [RUNS]
#   --json     print one JSON line instead of the text report (for
#              bench/run.sh), on stdout:
#                {"bench":"startup","exe":PATH,"runs":N,"tls":true|false,
#                 "handshake_ms":{"median":x,"min":x,"p10":x,"p90":x,
#                                 "max":x,"stdev":x},
#                 "cpu_ms":{"median":x,"min":x,"max":x},
#                 "baseline_true_ms":x}
#              handshake_ms: exec to handshake line (wall time);
#              cpu_ms: CPU time the process used until then;
#              baseline_true_ms: median fork+exec+exit of /bin/true.
#   EXECUTABLE defaults to the plugin test server in build/
#              (tests/plugin/plugin_test_server); pass
#              build/provider/terraform-provider-cvm for the real provider, or
#              build/tests/plugin/plugin_test_server_static (built on request:
#              `ninja -C build plugin_test_server_static`) to see the cost of
#              dynamic loading.
#   RUNS       defaults to 50.
# Environment: TLS=0 measures plaintext (no PLUGIN_CLIENT_CERT).
# Needs python3 and openssl (both Debian packages).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
json=0
if [[ "${1:-}" == "--json" ]]; then
  json=1
  shift
fi
exe="${1:-$here/build/tests/plugin/plugin_test_server}"
runs="${2:-50}"
if [[ ! -x "$exe" ]]; then
  echo "startup.sh: $exe is not an executable; build it first" >&2
  echo "  (e.g. ninja -C build plugin_test_server)" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A client certificate like Terraform's (P-521, self-signed, CN=localhost).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes \
  -subj "/O=HashiCorp/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -days 1 -keyout "$work/client.key" -out "$work/client.crt" 2>/dev/null

JSON="$json" EXE="$exe" RUNS="$runs" CLIENT_CERT="$work/client.crt" TLS="${TLS:-1}" \
python3 - <<'EOF'
import json, os, signal, statistics, subprocess, sys, time

exe = os.environ["EXE"]
runs = int(os.environ["RUNS"])
env = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "TF_PLUGIN_MAGIC_COOKIE":
        "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
    "PLUGIN_PROTOCOL_VERSIONS": "5,6",
    "PLUGIN_MIN_PORT": "10000",
    "PLUGIN_MAX_PORT": "25000",
}
if os.environ["TLS"] != "0":
    with open(os.environ["CLIENT_CERT"]) as f:
        env["PLUGIN_CLIENT_CERT"] = f.read()

cpu_samples = []

def cpu_ns(pid):
    # CPU time all threads have used so far (schedstat: ns on CPU), which,
    # unlike wall time, hardly depends on how loaded the machine is.
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total

def once():
    start = time.perf_counter_ns()
    p = subprocess.Popen([exe], env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline()
    elapsed = time.perf_counter_ns() - start
    cpu = cpu_ns(p.pid)
    p.send_signal(signal.SIGTERM)
    code = p.wait(timeout=10)
    p.stdout.close()
    fields = line.decode().rstrip("\n").split("|")
    if len(fields) != 6 or fields[:2] != ["1", "6"] or code != 0:
        sys.exit(f"bad run: line={line!r} exit={code}")
    cpu_samples.append(cpu / 1e6)
    return elapsed / 1e6

def baseline():
    start = time.perf_counter_ns()
    subprocess.run(["/bin/true"], env=env)
    return (time.perf_counter_ns() - start) / 1e6

once()  # Warm the page cache.
cpu_samples.clear()
base = statistics.median(baseline() for _ in range(runs))
samples = sorted(once() for _ in range(runs))
q = statistics.quantiles(samples, n=10)
cpu = sorted(cpu_samples)
if os.environ["JSON"] == "1":
    print(json.dumps({
        "bench": "startup", "exe": exe, "runs": runs,
        "tls": "PLUGIN_CLIENT_CERT" in env,
        "handshake_ms": {
            "median": round(statistics.median(samples), 3),
            "min": round(samples[0], 3), "p10": round(q[0], 3),
            "p90": round(q[-1], 3), "max": round(samples[-1], 3),
            "stdev": round(statistics.stdev(samples), 3)},
        "cpu_ms": {"median": round(statistics.median(cpu), 3),
                   "min": round(cpu[0], 3), "max": round(cpu[-1], 3)},
        "baseline_true_ms": round(base, 3)}))
    sys.exit(0)
print(f"exec-to-handshake over {runs} runs of {exe}"
      f" ({'AutoMTLS' if 'PLUGIN_CLIENT_CERT' in env else 'plaintext'}):")
print(f"  median {statistics.median(samples):.2f} ms"
      f"  (min {samples[0]:.2f}, p10 {q[0]:.2f}, p90 {q[-1]:.2f},"
      f" max {samples[-1]:.2f}, stdev {statistics.stdev(samples):.2f})")
print(f"  CPU time used by the process until then: median {statistics.median(cpu):.2f} ms"
      f"  (min {cpu[0]:.2f}, max {cpu[-1]:.2f})")
print(f"  baseline: fork+exec+exit of /bin/true, median {base:.2f} ms")
EOF
