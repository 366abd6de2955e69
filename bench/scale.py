#!/usr/bin/env python3
# Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
"""The scale part of bench/run.sh. Python 3 standard library only.

Against a running local control plane (tests/cluster/start.sh), for each N:

1. `terraform apply` of N cvm_workspace resources (envbox, wait for Ready),
   `terraform plan` with no changes (refresh on), `terraform destroy`;
2. the same objects rendered by the cvm_workspace_manifest data source (plus
   the agent-token Secrets the resource creates) applied with
   `kubectl apply --server-side`, waited for with
   `kubectl wait --for=condition=Ready`, read back with `kubectl get -f`
   (the refresh's counterpart), and deleted with `kubectl delete --wait`.

Every phase records its wall time; Terraform phases also record the CPU time
(user + sys) summed over every provider process Terraform started and their
peak RSS, both from the lines the provider appends to CVM_STATS_FILE at exit,
and the provider's own API request counts by verb, checked against the API
server's audit log (stage ResponseComplete, the provider's user and user
agent, requests received during the phase). The CPU time of the control
plane's processes per phase is kept as a diagnostic.

Prints one table (Markdown) with every issue-8 and issue-16 target marked met
or not, and writes the raw figures as JSON (--json). Start-up rows come from
the output of bench/startup.sh when run.sh passes it (--startup-output); with
the Go floor measured beside the provider (startup.sh --floor) they are
ratios ours/floor. The provider's CPU per workspace is compared with
kubectl's for the same objects in the same run: create with
`kubectl apply --server-side` + `kubectl wait`, refresh with `kubectl get -f`,
delete with `kubectl delete --wait` (client CPU time of the kubectl
processes).
"""

import argparse
import datetime
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "cluster"))

from node_simulator import ApiClient, ApiError, read_env_file  # noqa: E402

VERSION = open(os.path.join(ROOT, "release", "VERSION")).read().strip()
NAMESPACE = "cvm-bench"
PROVIDER_UA = "terraform-provider-cvm/"
KUBECTL_UA = "kubectl/"
# Objects per workspace: pod, home claim, agent-token Secret.
OBJECTS = ("pods", "persistentvolumeclaims", "secrets")
CLK_TCK = os.sysconf("SC_CLK_TCK")

WORKSPACE_ARGS = """
  name        = "bench-${count.index}"
  namespace   = "%(ns)s"
  inner_image = "docker.io/codercom/enterprise-base:ubuntu"

  cpu {
    limit = "2"
  }
  memory {
    limit = "4Gi"
  }
""" % {"ns": NAMESPACE}

HEADER = """terraform {
  required_providers {
    cvm = { source = "cvm/cvm" }
  }
}

variable "n" {
  type = number
}

provider "cvm" {
  config_path = "%s"
}
"""


def log(msg):
    print(f"[bench] {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_time(text):
    # RFC 3339 with microseconds, e.g. 2026-11-29T02:50:01.123456Z.
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def proc_cpu_seconds(pid):
    """utime + stime of a live process (and its reaped children), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # Fields after the command: state is [0]; utime [11], stime [12].
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Bench:
    def __init__(self, args):
        self.args = args
        env_file = os.path.join(args.cluster_dir, "env")
        self.env = read_env_file(env_file)
        self.kubeconfig = self.env["CVM_KUBECONFIG"]
        self.audit_log = self.env["CVM_AUDIT_LOG"]
        self.api = ApiClient(self.env["KUBE_HOST"], self.env["KUBE_CA_FILE"],
                             cert_file=self.env["KUBE_CLIENT_CERT_FILE"],
                             key_file=self.env["KUBE_CLIENT_KEY_FILE"])
        self.api.headers["User-Agent"] = "cvm-bench"
        self.components = {
            "kube-apiserver": self.env.get("CVM_APISERVER_PID"),
            "etcd": self.env.get("CVM_ETCD_PID"),
            "controller-manager": self.env.get("CVM_CONTROLLER_MANAGER_PID"),
            "scheduler": self.env.get("CVM_SCHEDULER_PID"),
            "node simulator": self.env.get("CVM_SIMULATOR_PID"),
        }
        self.work = tempfile.mkdtemp(prefix="cvm-bench-")
        self.mirror = os.path.join(self.work, "mirror")
        pkg = os.path.join(self.mirror, "registry.terraform.io", "cvm", "cvm", VERSION,
                           "linux_amd64")
        os.makedirs(pkg)
        shutil.copy2(args.provider, os.path.join(pkg, f"terraform-provider-cvm_v{VERSION}"))
        rc = os.path.join(self.work, "terraformrc")
        with open(rc, "w") as f:
            f.write('provider_installation {\n'
                    f'  filesystem_mirror {{\n    path = "{self.mirror}"\n'
                    '    include = ["registry.terraform.io/cvm/cvm"]\n  }\n'
                    '  direct { exclude = ["registry.terraform.io/cvm/cvm"] }\n}\n')
        self.tf_env = {k: v for k, v in os.environ.items()
                       if not k.startswith(("TF_", "KUBE_", "CVM_"))}
        self.tf_env.update({"TF_CLI_CONFIG_FILE": rc, "TF_IN_AUTOMATION": "1",
                            "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
        self.kubectl_env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
        self.kubectl_env["KUBECONFIG"] = self.kubeconfig
        self.results = {"sizes": {}, "startup": {}, "phases_order": []}

    # --- processes -------------------------------------------------------------

    def run(self, argv, cwd, env, what, timeout=1800, check=True):
        start = time.monotonic()
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
        seconds = time.monotonic() - start
        if check and proc.returncode != 0:
            raise RuntimeError(f"{what} failed (exit {proc.returncode}) after {seconds:.1f}s:\n"
                               f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return proc, seconds

    def terraform(self, workdir, *args, stats=None, check=True):
        env = dict(self.tf_env)
        if stats:
            env["CVM_STATS_FILE"] = stats
        return self.run(["terraform", *args], workdir, env, "terraform " + args[0], check=check)

    # --- measurement -------------------------------------------------------------

    def phase(self, name, n, fn, ua, settle=False):
        """Runs fn() as a measured phase; returns its record. With `settle`,
        first waits for an empty namespace (before the creating phases)."""
        if settle:
            self.settle()
        offset = os.path.getsize(self.audit_log)
        comp_before = {k: proc_cpu_seconds(p) for k, p in self.components.items() if p}
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = utc_now()
        log(f"N={n}: {name}")
        t0 = time.monotonic()
        extra = fn() or {}
        wall = time.monotonic() - t0
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        comp_after = {k: proc_cpu_seconds(p) for k, p in self.components.items() if p}
        time.sleep(1.5)  # ResponseComplete of the last watches reaches the log
        record = {
            "phase": name, "n": n, "wall_s": wall,
            "client_cpu_s": (children.ru_utime - children_before.ru_utime
                             + children.ru_stime - children_before.ru_stime),
            "components_cpu_s": {k: comp_after[k] - comp_before[k]
                                 for k in comp_after
                                 if comp_after[k] is not None and comp_before.get(k) is not None},
            "audit": self.audit_counts(offset, started, ua),
        }
        record.update(extra)
        log(f"N={n}: {name} took {wall:.1f}s")
        return record

    def audit_counts(self, offset, since, ua_prefix):
        """{verb: {resource: count}} of ResponseComplete entries of the
        admin user with the given user-agent prefix, received since `since`."""
        counts = {}
        with open(self.audit_log, "rb") as f:
            f.seek(offset)
            for raw in f:
                try:
                    ev = json.loads(raw)
                except ValueError:
                    continue
                if ev.get("stage") != "ResponseComplete":
                    continue
                if not ev.get("userAgent", "").startswith(ua_prefix):
                    continue
                if ev.get("user", {}).get("username") != "cvm-admin":
                    continue
                if parse_time(ev["requestReceivedTimestamp"]) < since:
                    continue
                obj = ev.get("objectRef", {})
                res = obj.get("resource") or ev.get("requestURI", "").split("?")[0]
                if obj.get("subresource"):
                    res += "/" + obj["subresource"]
                verb = ev.get("verb", "?")
                counts.setdefault(verb, {})
                counts[verb][res] = counts[verb].get(res, 0) + 1
        return counts

    @staticmethod
    def read_stats(path):
        """Sums the CVM_STATS_FILE lines of a phase."""
        lines = []
        if os.path.exists(path):
            with open(path) as f:
                lines = [json.loads(line) for line in f if line.strip()]
        requests = {}
        for line in lines:
            for k, v in line["requests"].items():
                requests[k] = requests.get(k, 0) + v
        return {
            "processes": len(lines),
            "provider_cpu_s": sum(l["user_us"] + l["sys_us"] for l in lines) / 1e6,
            "provider_user_s": sum(l["user_us"] for l in lines) / 1e6,
            "provider_sys_s": sum(l["sys_us"] for l in lines) / 1e6,
            "peak_rss_mib": max((l["max_rss_kib"] for l in lines), default=0) / 1024,
            "rss_mib_each": sorted(round(l["max_rss_kib"] / 1024, 1) for l in lines),
            "provider_requests": requests,
        }

    def count_objects(self):
        total = 0
        for res in ("pods", "persistentvolumeclaims", "secrets"):
            items = self.api.request("GET", f"/api/v1/namespaces/{NAMESPACE}/{res}")["items"]
            if res == "secrets":
                items = [i for i in items if i.get("type") != "kubernetes.io/service-account-token"]
            total += len(items)
        pvs = self.api.request("GET", "/api/v1/persistentvolumes")["items"]
        return total, len(pvs)

    def settle(self, timeout=120):
        """Waits until the namespace is empty and released volumes are gone,
        so no phase pays for the previous one's background work."""
        deadline = time.monotonic() + timeout
        while True:
            objects, pvs = self.count_objects()
            if objects == 0 and pvs == 0:
                return
            if time.monotonic() > deadline:
                log(f"warning: {objects} objects and {pvs} volumes still there after {timeout}s")
                return
            time.sleep(0.5)

    # --- setup -------------------------------------------------------------------------

    def setup(self):
        """Cluster settings for the bench namespace (not timed)."""
        self.settings_dir = os.path.join(self.work, "settings")
        os.makedirs(self.settings_dir)
        with open(os.path.join(self.settings_dir, "main.tf"), "w") as f:
            f.write(HEADER.replace('variable "n" {\n  type = number\n}\n', "") % self.kubeconfig)
            f.write(f'resource "cvm_cluster_settings" "bench" {{\n'
                    f'  namespace        = "{NAMESPACE}"\n'
                    f'  manage_namespace = true\n  caching          = true\n}}\n')
        self.terraform(self.settings_dir, "init", "-no-color")
        self.terraform(self.settings_dir, "apply", "-auto-approve", "-no-color")

        self.ws_dir = os.path.join(self.work, "workspaces")
        os.makedirs(self.ws_dir)
        with open(os.path.join(self.ws_dir, "main.tf"), "w") as f:
            f.write(HEADER % self.kubeconfig)
            f.write('resource "cvm_workspace" "w" {\n  count = var.n\n' + WORKSPACE_ARGS +
                    '  agent_token = "bench-token-${count.index}"\n}\n')
        self.terraform(self.ws_dir, "init", "-no-color")

        # The manifests, rendered once for the largest N by the data source.
        render_dir = os.path.join(self.work, "render")
        os.makedirs(render_dir)
        with open(os.path.join(render_dir, "main.tf"), "w") as f:
            f.write(HEADER % self.kubeconfig)
            f.write('data "cvm_workspace_manifest" "w" {\n  count = var.n\n' + WORKSPACE_ARGS +
                    '  cluster_settings {\n    caching = true\n  }\n}\n'
                    'output "objects" {\n  value = data.cvm_workspace_manifest.w[*].objects\n}\n')
        self.terraform(render_dir, "init", "-no-color")
        nmax = max(self.args.sizes)
        self.terraform(render_dir, "apply", "-auto-approve", "-no-color", f"-var=n={nmax}")
        proc, _ = self.terraform(render_dir, "output", "-json", "objects")
        self.rendered = []  # per workspace: [secret, claim, pod]
        for i, objects in enumerate(json.loads(proc.stdout)):
            secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                      "metadata": {"name": f"bench-{i}-agent", "namespace": NAMESPACE,
                                   "labels": {"app.kubernetes.io/managed-by": "kubectl-bench",
                                              "cvm.coder.com/workspace": f"bench-{i}"}},
                      "stringData": {"token": f"bench-token-{i}"}}
            self.rendered.append([secret] + [json.loads(o) for o in objects])
        kinds = sorted({o["kind"] for o in self.rendered[0]})
        log(f"rendered {len(self.rendered)} workspaces ({', '.join(kinds)} each)")

    # --- one size ---------------------------------------------------------------------

    def tf_phase(self, n, name, args, expect_exit=0):
        stats = os.path.join(self.work, f"stats-{name}-{n}.jsonl")

        def fn():
            proc, _ = self.terraform(self.ws_dir, *args, f"-var=n={n}", stats=stats, check=False)
            if proc.returncode != expect_exit:
                raise RuntimeError(f"terraform {name} N={n} exited {proc.returncode}:\n"
                                   f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
            return {}

        record = self.phase(f"terraform {name}", n, fn, PROVIDER_UA,
                            settle=name.startswith("apply"))
        record.update(self.read_stats(stats))
        record["terraform_cpu_s"] = record["client_cpu_s"] - record["provider_cpu_s"]
        return record

    def kubectl_apply(self, n):
        path = os.path.join(self.work, f"objects-{n}.json")
        with open(path, "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List",
                       "items": [o for ws in self.rendered[:n] for o in ws]}, f)

        def fn():
            _, t_apply = self.run([self.args.kubectl, "apply", "--server-side", "-f", path],
                                  self.work, self.kubectl_env, "kubectl apply")
            _, t_wait = self.run([self.args.kubectl, "wait", "--for=condition=Ready", "pod",
                                  "-n", NAMESPACE, "-l", "cvm.coder.com/component=workspace",
                                  "--timeout=900s"], self.work, self.kubectl_env, "kubectl wait")
            return {"kubectl_apply_s": t_apply, "kubectl_wait_s": t_wait}

        return self.phase("kubectl apply + wait", n, fn, KUBECTL_UA, settle=True), path

    def kubectl_get(self, n, path):
        def fn():
            self.run([self.args.kubectl, "get", "-o", "json", "-f", path],
                     self.work, self.kubectl_env, "kubectl get")
            return {}

        return self.phase("kubectl get", n, fn, KUBECTL_UA)

    def kubectl_delete(self, n, path):
        def fn():
            self.run([self.args.kubectl, "delete", "--wait=true", "--timeout=900s", "-f", path],
                     self.work, self.kubectl_env, "kubectl delete")
            return {}

        return self.phase("kubectl delete --wait", n, fn, KUBECTL_UA)

    def size(self, n):
        phases = []
        phases.append(self.tf_phase(n, "apply", ["apply", "-auto-approve", "-no-color"]))
        phases.append(self.tf_phase(n, "plan", ["plan", "-detailed-exitcode", "-no-color"]))
        phases.append(self.tf_phase(n, "destroy", ["destroy", "-auto-approve", "-no-color"]))
        if self.args.parallelism and n >= 100:
            flag = f"-parallelism={self.args.parallelism}"
            phases.append(self.tf_phase(n, f"apply {flag}",
                                        ["apply", "-auto-approve", "-no-color", flag]))
            phases.append(self.tf_phase(n, f"destroy {flag}",
                                        ["destroy", "-auto-approve", "-no-color", flag]))
        if not self.args.no_baseline:
            k_apply, path = self.kubectl_apply(n)
            phases.append(k_apply)
            phases.append(self.kubectl_get(n, path))
            phases.append(self.kubectl_delete(n, path))
        self.results["sizes"][str(n)] = phases

    def idle_rss(self):
        """Peak RSS of a provider that only handshakes and exits (SIGTERM)."""
        stats = os.path.join(self.work, "stats-idle.jsonl")
        env = {"PATH": "/usr/bin:/bin", "CVM_STATS_FILE": stats, "PLUGIN_PROTOCOL_VERSIONS": "6",
               "TF_PLUGIN_MAGIC_COOKIE":
                   "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"}
        samples = []
        for _ in range(5):
            if os.path.exists(stats):
                os.remove(stats)
            p = subprocess.Popen([self.args.provider], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            p.stdout.readline()
            p.terminate()
            p.wait(timeout=10)
            p.stdout.close()
            samples.append(self.read_stats(stats)["peak_rss_mib"])
        return statistics.median(samples)


# --- the table -----------------------------------------------------------------------------

def norm_provider(req):
    """Provider verbs in the audit log's terms."""
    return {"get": req.get("get", 0) + req.get("other", 0), "list": req.get("list", 0),
            "watch": req.get("watch", 0), "create": req.get("create", 0),
            "patch": req.get("apply", 0), "delete": req.get("delete", 0)}


def audit_totals(audit):
    return {verb: sum(by_res.values()) for verb, by_res in audit.items()}


def fmt_verbs(counts, n):
    parts = [f"{v} {c / n:.2f}" for v, c in sorted(counts.items()) if c]
    return ", ".join(parts) if parts else "none"


def mark(ok):
    return "met" if ok else "**NOT MET**"


def api_target(phase, n, audit):
    """(target text, met?, note) for a Terraform phase's requests."""
    def count(verb, res):
        return audit.get(verb, {}).get(res, 0)
    if phase == "terraform apply":
        applies = all(count("patch", r) == n for r in OBJECTS)
        creates = sum(audit.get("create", {}).values())
        pod_gets = count("get", "pods")
        watches = count("watch", "pods")
        # The apply answers with the pod and the wait watches from it: no
        # read of the pod at all (a few for retries are tolerated).
        ok = applies and creates == 0 and watches >= n and pod_gets <= n // 10
        note = (f"per workspace: patch pod/claim/secret {count('patch', 'pods') / n:.2f}/"
                f"{count('patch', 'persistentvolumeclaims') / n:.2f}/{count('patch', 'secrets') / n:.2f}"
                f", pod watch {watches / n:.2f}, pod get {pod_gets / n:.2f}")
        return "1 apply per object; Ready by watch, no pod GET", ok, note
    if phase == "terraform plan":
        per_obj = [count("get", r) for r in OBJECTS]
        lists = sum(audit.get("list", {}).values())
        ok = all(c <= n for c in per_obj) and lists <= 3
        others = {f"{v} {r}": c for v, by in audit.items() for r, c in by.items()
                  if not (v == "get" and r in OBJECTS)}
        note = (f"per workspace: get pod/claim/secret {per_obj[0] / n:.2f}/{per_obj[1] / n:.2f}/"
                f"{per_obj[2] / n:.2f}"
                + ("; also " + ", ".join(f"{k} {c / n:.2f}" for k, c in sorted(others.items()))
                   if others else ""))
        return "<= 1 read per object (or 1 list per namespace)", ok, note
    if phase == "terraform destroy":
        deletes = all(count("delete", r) == n for r in OBJECTS)
        gets = sum(count("get", r) for r in OBJECTS)
        watches = sum(count("watch", r) for r in OBJECTS)
        # Refresh reads each object once; the deletion waits start from the
        # DELETE answers, so any further read would be polling.
        ok = deletes and gets <= len(OBJECTS) * n
        note = (f"per workspace: delete {sum(count('delete', r) for r in OBJECTS) / n:.2f}, "
                f"get {gets / n:.2f}, watch {watches / n:.2f}")
        return "1 delete per object; gone by watch, no polling", ok, note
    return "-", True, ""


def build_rows(results, sizes):
    rows = []  # (measurement, value, target, status)
    st = results.get("startup") or {}
    fl = st.get("floor")
    if st.get("median_ms") is not None and fl:
        r = st["median_ms"] / fl["median_ms"]
        rows.append(("start-up: exec to handshake (AutoMTLS), median of "
                     f"{st.get('runs', '?')}, interleaved with the Go go-plugin floor; ours/floor",
                     f"{st['median_ms']:.2f} ms ({st.get('spread', '')}) vs floor "
                     f"{fl['median_ms']:.2f} ms ({fl.get('spread', '')}); ratio {r:.2f}",
                     "ratio <= 0.25", mark(r <= 0.25)))
        if st.get("rss_kib") and fl.get("rss_kib"):
            r = st["rss_kib"] / fl["rss_kib"]
            rows.append(("idle RSS 200 ms after the handshake (VmRSS), median; ours/floor",
                         f"{st['rss_kib'] / 1024:.1f} MiB ({st.get('threads') or 0:.0f} threads) vs "
                         f"floor {fl['rss_kib'] / 1024:.1f} MiB ({fl.get('threads') or 0:.0f} "
                         f"threads); ratio {r:.2f}",
                         "ratio <= 1.00", mark(r <= 1.0)))
    elif st.get("median_ms") is not None:
        rows.append(("start-up: exec to handshake (AutoMTLS), median of "
                     f"{st.get('runs', '?')}",
                     f"{st['median_ms']:.2f} ms ({st.get('spread', '')})",
                     "<= 4 ms", mark(st["median_ms"] <= 4.0)))
        rows.append(("start-up and idle RSS ours/Go floor", "no Go floor measured",
                     "ratio <= 0.25 / <= 1.00", "**NOT MEASURED**"))
    if st.get("median_ms") is not None:
        if st.get("cpu_median_ms") is not None:
            base = (f" (fork+exec+exit of /bin/true: {st['baseline_ms']:.2f} ms)"
                    if st.get("baseline_ms") is not None else "")
            vs = (f"; floor {fl['cpu_median_ms']:.2f} ms, ratio "
                  f"{st['cpu_median_ms'] / fl['cpu_median_ms']:.2f}"
                  if fl and fl.get("cpu_median_ms") else "")
            rows.append(("start-up: provider CPU until handshake, median",
                         f"{st['cpu_median_ms']:.2f} ms{vs}{base}", "-", "-"))
    elif st.get("error"):
        rows.append(("start-up (bench/startup.sh)", st["error"], "<= 4 ms", "**NOT MEASURED**"))
    for extra in st.get("extra", []):
        rows.append(extra)
    if results.get("idle_rss_mib") is not None:
        has_schema = any("VmHWM" in r[0] for r in st.get("extra", []))
        rows.append(("idle provider peak RSS (CVM_STATS_FILE: handshake, SIGTERM; median of 5)",
                     f"{results['idle_rss_mib']:.1f} MiB", "-" if has_schema else "<= 10 MiB",
                     "-" if has_schema else mark(results["idle_rss_mib"] <= 10.0)))

    for n in sizes:
        phases = {p["phase"]: p for p in results["sizes"].get(str(n), [])}
        kubectl_for = {"terraform apply": "kubectl apply + wait", "terraform plan": "kubectl get",
                       "terraform destroy": "kubectl delete --wait"}
        for name in ("terraform apply", "terraform plan", "terraform destroy"):
            p = phases.get(name)
            if p is None:
                continue
            what = {"terraform apply": "create", "terraform plan": "refresh",
                    "terraform destroy": "delete"}[name]
            cpu_ms = p["provider_cpu_s"] * 1000 / n
            k = phases.get(kubectl_for[name])
            if k:
                k_ms = k["client_cpu_s"] * 1000 / n
                ratio = cpu_ms / max(k_ms, 1e-9)
                vs = f"; kubectl {k_ms:.2f} ms/ws ({kubectl_for[name]}); ratio {ratio:.2f}"
                target, status = "ratio <= 0.50 of kubectl CPU/ws", mark(ratio <= 0.5)
            else:
                vs = ""
                target, status = "<= 2 ms/ws", mark(cpu_ms <= 2.0)
            rows.append((f"N={n} {name}: wall; provider CPU per {what}"
                         f"{' vs kubectl' if k else ''}; peak RSS",
                         f"{p['wall_s']:.1f} s; {cpu_ms:.2f} ms/ws "
                         f"({p['provider_cpu_s']:.2f} s over {p['processes']} processes; "
                         f"terraform {p['terraform_cpu_s']:.1f} s){vs}; "
                         f"{p['peak_rss_mib']:.1f} MiB",
                         target, status))
            prov = norm_provider(p["provider_requests"])
            aud = audit_totals(p["audit"])
            same = all(prov.get(v, 0) == aud.get(v, 0) for v in set(prov) | set(aud))
            target, ok, note = api_target(name, n, p["audit"])
            thr = p["provider_requests"].get("throttled_us", 0) / 1e6
            retries = p["provider_requests"].get("retries", 0)
            if thr or retries:
                note += f"; rate-limiter waits {thr:.1f} s summed over calls, {retries} retries"
            rows.append((f"N={n} {name}: API requests per workspace (provider count"
                         f"{' = audit log' if same else ' vs audit log'})",
                         f"{fmt_verbs(prov, n)}"
                         + ("" if same else f" (audit: {fmt_verbs(aud, n)})")
                         + f"; {note}",
                         target, mark(ok and same)))
        ka = phases.get("kubectl apply + wait")
        ta = phases.get("terraform apply")
        if ka and ta:
            ratio = ta["wall_s"] / ka["wall_s"]
            rows.append((f"N={n} kubectl apply --server-side + wait Ready; ours/kubectl",
                         f"{ka['wall_s']:.1f} s (apply {ka['kubectl_apply_s']:.1f} s, wait "
                         f"{ka['kubectl_wait_s']:.1f} s; {fmt_verbs(audit_totals(ka['audit']), n)}"
                         f"); ratio {ratio:.2f}",
                         "ratio <= 1.00 at N=100, 300" if n in (100, 300) else "-",
                         mark(ratio <= 1.0) if n in (100, 300) else "-"))
        tp = next((p for name, p in phases.items()
                   if name.startswith("terraform apply -parallelism=")), None)
        if ka and tp:
            rows.append((f"N={n} {tp['phase']} + Ready; ours/kubectl apply --server-side + wait",
                         f"{tp['wall_s']:.1f} s vs {ka['wall_s']:.1f} s; ratio "
                         f"{tp['wall_s'] / ka['wall_s']:.2f}; provider CPU "
                         f"{tp['provider_cpu_s'] * 1000 / n:.2f} ms/ws; peak RSS "
                         f"{tp['peak_rss_mib']:.1f} MiB", "reported", "-"))
        if ta and not ka and n in (100, 300):
            rows.append((f"N={n} kubectl apply --server-side + wait Ready; ours/kubectl",
                         "skipped (--no-baseline)", "ratio <= 1.00 at N=100, 300",
                         "**NOT MEASURED**"))
        kg = phases.get("kubectl get")
        if kg:
            rows.append((f"N={n} kubectl get -f (the refresh's counterpart)",
                         f"{kg['wall_s']:.1f} s; {fmt_verbs(audit_totals(kg['audit']), n)}",
                         "-", "-"))
        kd = phases.get("kubectl delete --wait")
        td = phases.get("terraform destroy")
        if kd and td:
            rows.append((f"N={n} kubectl delete --wait; ours/kubectl",
                         f"{kd['wall_s']:.1f} s; ratio {td['wall_s'] / kd['wall_s']:.2f}",
                         "-", "-"))

    big = results["sizes"].get("300")
    if big:
        # Terraform's default parallelism (the -parallelism rows show theirs).
        rss = max(p.get("peak_rss_mib", 0) for p in big if "-parallelism=" not in p["phase"])
        rows.append(("peak RSS of any provider process at N=300 (default parallelism)",
                     f"{rss:.1f} MiB", "< 30 MiB", mark(rss < 30.0)))
    if "100" in results["sizes"] and "300" in results["sizes"]:
        a = {p["phase"]: p for p in results["sizes"]["100"]}
        b = {p["phase"]: p for p in results["sizes"]["300"]}
        for name in ("terraform apply", "terraform plan", "terraform destroy",
                     "kubectl apply + wait", "kubectl get", "kubectl delete --wait"):
            if name in a and name in b:
                g = b[name]["wall_s"] / a[name]["wall_s"]
                ours = name.startswith("terraform")
                extra = ""
                if ours:
                    cpu_g = b[name]["provider_cpu_s"] / max(a[name]["provider_cpu_s"], 1e-9)
                    extra = f" (provider CPU {cpu_g:.2f})"
                rows.append((f"growth time(300)/time(100): {name}", f"{g:.2f}{extra}",
                             "linear: <= 3.6" if ours else "-",
                             mark(g <= 3.6) if ours else "-"))
    return rows


def print_table(rows, out=sys.stdout):
    print("| measurement | value | target | status |", file=out)
    print("|---|---|---|---|", file=out)
    for r in rows:
        print("| " + " | ".join(str(c).replace("|", "/") for c in r) + " |", file=out)


def print_cpu_breakdown(results, sizes, out=sys.stdout):
    """Where the CPU went in each phase (diagnostic lines under the table)."""
    print("\nCPU seconds per phase (wall s): client = terraform + provider, or kubectl;"
          " then the control plane's processes", file=out)
    for n in sizes:
        for p in results["sizes"].get(str(n), []):
            comps = ", ".join(f"{k} {v:.1f}" for k, v in p["components_cpu_s"].items())
            client = (f"terraform {p['terraform_cpu_s']:.1f} + provider {p['provider_cpu_s']:.2f}"
                      if "provider_cpu_s" in p else f"kubectl {p['client_cpu_s']:.1f}")
            print(f"  N={n} {p['phase']} ({p['wall_s']:.1f} s): {client}; {comps}", file=out)


def parse_startup(path):
    """Figures from bench/startup.sh's output: its --json line when it has
    one, else the printed report (median line, CPU line)."""
    if not path or not os.path.exists(path):
        return {}
    text = open(path).read()
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                d = json.loads(line)
            except ValueError:
                continue
            def figures(d):
                h = d.get("handshake_ms", {})
                return {"median_ms": h["median"],
                        "spread": f"p10 {h.get('p10', 0):.2f}, p90 {h.get('p90', 0):.2f}, "
                                  f"max {h.get('max', 0):.2f}",
                        "cpu_median_ms": d.get("cpu_ms", {}).get("median"),
                        "rss_kib": d.get("rss_kib", {}).get("median"),
                        "hwm_kib": d.get("hwm_kib", {}).get("median"),
                        "threads": d.get("threads", {}).get("median")}
            if "median" in d.get("handshake_ms", {}):
                out = figures(d)
                out.update({"runs": d.get("runs"), "baseline_ms": d.get("baseline_true_ms")})
                if "median" in d.get("floor", {}).get("handshake_ms", {}):
                    out["floor"] = figures(d["floor"])
                return out
    out = {}
    m = re.search(r"exec-to-handshake over (\d+) runs", text)
    if m:
        out["runs"] = int(m.group(1))
    m = re.search(r"^\s*median ([\d.]+) ms\s+\((.*)\)", text, re.M)
    if m:
        out["median_ms"] = float(m.group(1))
        out["spread"] = m.group(2)
    m = re.search(r"CPU time used by the process until then: median ([\d.]+) ms", text)
    if m:
        out["cpu_median_ms"] = float(m.group(1))
    if "median_ms" not in out:
        out["error"] = "no median in its output: " + " ".join(text.split())[:200]
    return out


def schema_rows(path):
    """Rows from schema_bench's JSON line (idle memory, GetProviderSchema)."""
    if not path or not os.path.exists(path):
        return []
    d = None
    for line in open(path):
        if line.startswith("{"):
            try:
                d = json.loads(line)
            except ValueError:
                pass
    if not d:
        return [("schema_bench (idle RSS, GetProviderSchema)", "no JSON line in its output",
                 "idle RSS <= 10 MiB", "**NOT MEASURED**")]
    rows = []
    runs = d.get("runs", "?")
    hwm = d.get("idle_hwm_kib", {}).get("median")
    rss = d.get("idle_rss_kib", {}).get("median")
    if hwm is not None:
        rows.append((f"idle provider peak RSS (VmHWM 200 ms after handshake), median of {runs}",
                     f"{hwm / 1024:.1f} MiB (VmRSS {rss / 1024 if rss else 0:.1f} MiB; "
                     f"{d.get('shared_objects', '?')} shared objects, libcurl mapped: "
                     f"{d.get('libcurl_mapped')})",
                     "<= 10 MiB", mark(hwm / 1024 <= 10.0)))
    first = d.get("schema_first_ms", {}).get("median")
    warm = d.get("schema_warm_ms", {}).get("median")
    if first is not None:
        after = d.get("after_schema_hwm_kib", {}).get("median", 0)
        rows.append(("GetProviderSchema: first call (connect + TLS + call) / warm, median",
                     f"{first:.2f} ms / {warm:.2f} ms; {d.get('schema_bytes', '?')} bytes; "
                     f"VmHWM after {after / 1024:.1f} MiB", "-", "-"))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cluster-dir", required=True)
    p.add_argument("--provider", required=True)
    p.add_argument("--kubectl", required=True)
    p.add_argument("--sizes", default="10,100,300")
    p.add_argument("--startup-output", help="saved output of bench/startup.sh")
    p.add_argument("--schema-output", help="saved output of build/bench/schema_bench")
    p.add_argument("--json", help="write the raw results here")
    p.add_argument("--keep", action="store_true", help="keep the temp dir")
    p.add_argument("--parallelism", type=int, default=50,
                   help="also apply and destroy N >= 100 with terraform -parallelism=P "
                        "(0: not)")
    p.add_argument("--no-baseline", action="store_true",
                   help="skip the kubectl baseline phases")
    args = p.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",") if s]

    bench = Bench(args)
    failed = None
    try:
        bench.results["startup"] = parse_startup(args.startup_output)
        bench.results["startup"]["extra"] = schema_rows(args.schema_output)
        bench.results["idle_rss_mib"] = bench.idle_rss()
        bench.setup()
        for n in args.sizes:
            bench.size(n)
    except Exception as e:  # print what was measured, then fail
        failed = e
        log(f"error: {e}")
        try:  # leave nothing behind for the next size or run
            bench.terraform(bench.ws_dir, "destroy", "-auto-approve", "-no-color", "-var=n=0",
                            check=False)
        except Exception:
            pass
    finally:
        if args.json:
            with open(args.json, "w") as f:
                json.dump(bench.results, f, indent=1)
        if not args.keep:
            shutil.rmtree(bench.work, ignore_errors=True)
    print_table(build_rows(bench.results, args.sizes))
    print_cpu_breakdown(bench.results, args.sizes)
    if failed:
        print(f"\nincomplete: {failed}".splitlines()[0] + " (see stderr)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
