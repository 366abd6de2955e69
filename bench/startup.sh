#!/usr/bin/env bash
# Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
#
# Measures exec-to-handshake-line latency of a go-plugin executable: the time
# from starting the process (as Terraform does: cookie, PLUGIN_CLIENT_CERT, so
# AutoMTLS key generation is included) until its handshake line arrives on
# the stdout pipe, then its idle memory: VmRSS and VmHWM 200 ms after the
# handshake line (not timed). Each run is then stopped with SIGTERM (not
# timed). Prints the median and spread over the runs, the CPU time the
# process had used by the handshake (robust on a loaded machine), and the
# cost of running /bin/true.
#
# With --floor FLOOR (the Go go-plugin floor, ../shared/anchors/go-plugin-floor,
# built by bench/run.sh), FLOOR is measured the same way in the same run,
# interleaved (EXECUTABLE, FLOOR, EXECUTABLE, FLOOR, ...), and the ratios
# EXECUTABLE/FLOOR of the medians are printed beside the goals (issue 16:
# start-up <= 0.25x, idle RSS <= 1.0x).
#
# With --also OTHER (repeatable), OTHER is measured the same way, interleaved
# too, and compared with EXECUTABLE (e.g. a build before and after a change).
#
# Usage: bench/startup.sh [--json] [--floor FLOOR] [--also OTHER]... [EXECUTABLE] [RUNS]
#   --json     print one JSON line instead of the text report (for
#              bench/run.sh), on stdout:
#                {"bench":"startup","exe":PATH,"runs":N,"tls":true|false,
#                 "handshake_ms":{"median":x,"min":x,"p10":x,"p90":x,
#                                 "max":x,"stdev":x},
#                 "cpu_ms":{"median":x,"min":x,"max":x},
#                 "rss_kib":{"median":x,"min":x,"max":x},
#                 "hwm_kib":{"median":x,"min":x,"max":x},
#                 "threads":{"median":x,"min":x,"max":x},
#                 "baseline_true_ms":x,
#                 "floor":{"exe":PATH,"handshake_ms":{...},"cpu_ms":{...},
#                          "rss_kib":{...},"hwm_kib":{...},"threads":{...}},
#                 "ratio":{"handshake":x,"cpu":x,"rss":x,"hwm":x}}
#              handshake_ms: exec to handshake line (wall time);
#              cpu_ms: CPU time the process used until then;
#              rss_kib/hwm_kib: VmRSS/VmHWM 200 ms after the handshake line;
#              threads: the process's threads at that moment;
#              baseline_true_ms: median fork+exec+exit of /bin/true;
#              floor and ratio (EXECUTABLE/FLOOR, medians): with --floor only;
#              "also": [{"exe":PATH,...,"ratio":{...}}] with --also.
#   EXECUTABLE defaults to the plugin test server in build/
#              (tests/plugin/plugin_test_server); pass
#              build/provider/terraform-provider-cvm for the real provider, or
#              build/tests/plugin/plugin_test_server_static (built on request:
#              `ninja -C build plugin_test_server_static`) to see the cost of
#              dynamic loading.
#   RUNS       runs of each executable; defaults to 50.
# Environment: TLS=0 measures plaintext (no PLUGIN_CLIENT_CERT);
#   IDLE_MS=200 the wait before the idle memory is read.
# Needs python3 and openssl (both Debian packages).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
json=0
floor=
also=()
while (($#)); do
  case "$1" in
    --also) also+=("$2"); shift 2 ;;
    --json) json=1; shift ;;
    --floor) floor=$2; shift 2 ;;
    --floor=*) floor=${1#*=}; shift ;;
    *) break ;;
  esac
done
exe="${1:-$here/build/tests/plugin/plugin_test_server}"
runs="${2:-50}"
for x in "$exe" ${floor:+"$floor"} ${also[@]+"${also[@]}"}; do
  if [[ ! -x "$x" ]]; then
    echo "startup.sh: $x is not an executable; build it first" >&2
    echo "  (e.g. ninja -C build plugin_test_server)" >&2
    exit 2
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A client certificate like Terraform's (P-521, self-signed, CN=localhost).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes \
  -subj "/O=HashiCorp/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -days 1 -keyout "$work/client.key" -out "$work/client.crt" 2>/dev/null

ALSO="$(printf '%s\n' ${also[@]+"${also[@]}"})" JSON="$json" EXE="$exe" FLOOR="$floor" RUNS="$runs" CLIENT_CERT="$work/client.crt" \
TLS="${TLS:-1}" IDLE_MS="${IDLE_MS:-200}" python3 - <<'EOF'
import json, os, shutil, signal, statistics, subprocess, sys, time

exe = os.environ["EXE"]
floor = os.environ["FLOOR"] or None
also = [a for a in os.environ["ALSO"].split("\n") if a]
runs = int(os.environ["RUNS"])
idle_s = int(os.environ["IDLE_MS"]) / 1000
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

def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
    return out

class Target:
    def __init__(self, path, go):
        self.path, self.go = path, go
        self.wall, self.cpu, self.rss, self.hwm, self.threads = [], [], [], [], []

    def once(self, record=True):
        start = time.perf_counter_ns()
        p = subprocess.Popen([self.path], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = p.stdout.readline()
        elapsed = time.perf_counter_ns() - start
        cpu = cpu_ns(p.pid)
        time.sleep(idle_s)
        st = status(p.pid)
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=10)
        p.stdout.close()
        fields = line.decode().rstrip("\n").split("|")
        # go-plugin servers die of SIGTERM (no handler); ours exit 0.
        ok_codes = (0, -signal.SIGTERM) if self.go else (0,)
        if len(fields) != 6 or fields[:2] != ["1", "6"] or code not in ok_codes:
            sys.exit(f"bad run of {self.path}: line={line!r} exit={code}")
        # A killed go-plugin server leaves its socket directory behind.
        sock_dir = os.path.dirname(fields[3])
        if fields[2] == "unix" and os.path.basename(sock_dir).startswith("plugin"):
            shutil.rmtree(sock_dir, ignore_errors=True)
        if record:
            self.wall.append(elapsed / 1e6)
            self.cpu.append(cpu / 1e6)
            self.rss.append(st.get("VmRSS", 0))
            self.hwm.append(st.get("VmHWM", 0))
            self.threads.append(st.get("Threads", 0))

def summary(values, digits=3):
    v = sorted(values)
    return {"median": round(statistics.median(v), digits),
            "min": round(v[0], digits), "max": round(v[-1], digits)}

def handshake_summary(values):
    v = sorted(values)
    q = statistics.quantiles(v, n=10)
    return {"median": round(statistics.median(v), 3), "min": round(v[0], 3),
            "p10": round(q[0], 3), "p90": round(q[-1], 3), "max": round(v[-1], 3),
            "stdev": round(statistics.stdev(v), 3)}

def figures(t):
    return {"exe": t.path, "handshake_ms": handshake_summary(t.wall),
            "cpu_ms": summary(t.cpu), "rss_kib": summary(t.rss, 0),
            "hwm_kib": summary(t.hwm, 0), "threads": summary(t.threads, 0)}

def baseline():
    start = time.perf_counter_ns()
    subprocess.run(["/bin/true"], env=env)
    return (time.perf_counter_ns() - start) / 1e6

ours = Target(exe, go=False)
targets = [ours]
if floor:
    targets.append(Target(floor, go=True))
others = [Target(a, go=False) for a in also]
targets += others
for t in targets:
    t.once(record=False)  # Warm the page cache.
base = statistics.median(baseline() for _ in range(runs))
for _ in range(runs):
    for t in targets:  # Interleaved: ours, floor, ours, floor, ...
        t.once()

out = {"bench": "startup", "exe": exe, "runs": runs,
       "tls": "PLUGIN_CLIENT_CERT" in env}
out.update({k: v for k, v in figures(ours).items() if k != "exe"})
out["baseline_true_ms"] = round(base, 3)
ratio = None
if floor:
    f = figures(targets[1])
    out["floor"] = f
    med = lambda d, k: d[k]["median"]
    ratio = {"handshake": round(med(out, "handshake_ms") / med(f, "handshake_ms"), 3),
             "cpu": round(med(out, "cpu_ms") / med(f, "cpu_ms"), 3),
             "rss": round(med(out, "rss_kib") / med(f, "rss_kib"), 3),
             "hwm": round(med(out, "hwm_kib") / med(f, "hwm_kib"), 3)}
    out["ratio"] = ratio
def ratios(a, b):
    med = lambda d, k: d[k]["median"]
    return {k: round(med(a, f"{k}_ms" if k in ("handshake", "cpu") else f"{k}_kib")
                     / med(b, f"{k}_ms" if k in ("handshake", "cpu") else f"{k}_kib"), 3)
            for k in ("handshake", "cpu", "rss", "hwm")}
if others:
    out["also"] = []
    for t in others:
        f = figures(t)
        f["ratio"] = ratios(out, f)
        out["also"].append(f)
if os.environ["JSON"] == "1":
    print(json.dumps(out))
    sys.exit(0)

mode = "AutoMTLS" if out["tls"] else "plaintext"
def report(name, d):
    h = d["handshake_ms"]
    print(f"{name}: exec-to-handshake over {runs} runs of {d['exe']} ({mode}):")
    print(f"  median {h['median']:.2f} ms  (min {h['min']:.2f}, p10 {h['p10']:.2f},"
          f" p90 {h['p90']:.2f}, max {h['max']:.2f}, stdev {h['stdev']:.2f})")
    print(f"  CPU time used by the process until then: median {d['cpu_ms']['median']:.2f} ms"
          f"  (min {d['cpu_ms']['min']:.2f}, max {d['cpu_ms']['max']:.2f})")
    print(f"  idle {int(idle_s * 1000)} ms after the handshake: VmRSS median"
          f" {d['rss_kib']['median'] / 1024:.1f} MiB, VmHWM median"
          f" {d['hwm_kib']['median'] / 1024:.1f} MiB, {d['threads']['median']:.0f} threads")
report("ours", dict(out, exe=exe))
if floor:
    report("Go floor", out["floor"])
    met = lambda ok: "met" if ok else "NOT MET"
    print(f"  ratio ours/floor: start-up {ratio['handshake']:.2f}x (goal <= 0.25x:"
          f" {met(ratio['handshake'] <= 0.25)}), idle RSS {ratio['rss']:.2f}x"
          f" (goal <= 1.0x: {met(ratio['rss'] <= 1.0)}); CPU {ratio['cpu']:.2f}x,"
          f" VmHWM {ratio['hwm']:.2f}x")
for f in out.get("also", []):
    report("also", f)
    r = f["ratio"]
    print(f"  ratio ours/this: start-up {r['handshake']:.3f}x, CPU {r['cpu']:.3f}x,"
          f" idle RSS {r['rss']:.3f}x, VmHWM {r['hwm']:.3f}x")
print(f"  baseline: fork+exec+exit of /bin/true, median {base:.2f} ms")
EOF
