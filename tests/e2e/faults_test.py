"""End-to-end: faults against the real API server.

The real terraform CLI runs the built provider against a private local
control plane (tests/cluster/start.sh in a temp dir, so stopping its API
server never disturbs the shared ctest fixture). What is checked:

  * the API server killed in the middle of an apply of 8 workspaces: the
    apply fails with errors that name the server, the state lists every
    object that exists, and after a restart a second apply converges with
    no orphan and no duplicate;
  * a 409 conflict with another field manager (force_conflicts = false):
    the diagnostic names the manager and the force_conflicts option;
  * bursts of 429 (Retry-After) and 503 from a fault-injecting proxy
    (fault_proxy.py) are retried within the timeout; a longer 503 outage
    fails with the server's status;
  * an exec credential is run again when its expirationTimestamp nears,
    and when the proxy revokes it mid-apply (401) the request is repeated
    with a fresh one;
    a revoked (wrong) token gives a clear 401 message;
  * Ctrl-C while waiting for a pod that never becomes Ready: the provider
    stops within a second or two, Terraform reports, and the state records
    the workspace;
  * terraform killed (SIGKILL) mid-apply: the next plan succeeds and the
    next apply adopts what exists (server-side apply), with no duplicate.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from tfharness import (CLUSTER_SCRIPTS, INNER_IMAGE, ClusterTestCase, PrivateCluster,
                       error_blocks, flat, wait_for)
from fault_proxy import FaultProxy, make_server_cert

CLUSTER = {}


def setUpModule():
    if not os.environ.get("CVM_PROVIDER_BINARY"):
        raise unittest.SkipTest("set CVM_PROVIDER_BINARY")
    reuse = os.environ.get("CVM_FAULTS_CLUSTER_DIR")  # a private cluster already running
    if reuse:
        CLUSTER.update(dir=reuse)
        return
    cluster = PrivateCluster()
    unittest.addModuleCleanup(cluster.stop)
    cluster.wait(300)
    CLUSTER.update(dir=cluster.dir)


def workspaces_hcl(ns, count, annotations=None, timeouts=None, name_prefix="w"):
    ann = ""
    if annotations:
        ann = "  annotations = {\n" + "".join(
            f'    "{k}" = "{v}"\n' for k, v in annotations.items()) + "  }\n"
    tmo = ""
    if timeouts:
        tmo = "  timeouts {\n" + "".join(f'    {k} = "{v}"\n' for k, v in timeouts.items()) \
            + "  }\n"
    return f"""
resource "cvm_workspace" "w" {{
  count       = {count}
  name        = "{name_prefix}${{count.index}}"
  namespace   = "{ns}"
  inner_image = "{INNER_IMAGE}"
{ann}{tmo}
  cpu {{
    limit = "1"
  }}
  memory {{
    limit = "1Gi"
  }}
}}
"""


class FaultsTestBase(ClusterTestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster_dir = CLUSTER["dir"]
        super().setUpClass()

    @classmethod
    def provider_block(cls, extra="", host=None, auth=None):
        """host/CA/client certificate (admin) unless `auth` replaces the
        credential lines."""
        return cls.cluster.host_provider_block(extra, host=host, auth=auth)

    def new_namespace(self, prefix):
        ns = super().new_namespace(prefix)
        # Pods are refused until the namespace's default service account exists.
        wait_for(f"service account {ns}/default",
                 lambda: self.cluster.names(f"/api/v1/namespaces/{ns}/serviceaccounts"), 60, 0.2)
        return ns

    def cluster_objects(self, ns):
        return {"pods": self.cluster.names(f"/api/v1/namespaces/{ns}/pods"),
                "claims": self.cluster.names(f"/api/v1/namespaces/{ns}/persistentvolumeclaims")}

    def state_objects(self, d):
        """{"pods": [...], "claims": [...]} of the cvm_workspace instances in state."""
        out = {"pods": [], "claims": []}
        state = d.state()
        for r in state.get("values", {}).get("root_module", {}).get("resources", []):
            if r["type"] != "cvm_workspace":
                continue
            v = r["values"]
            if v.get("pod_name") and v.get("phase") != "Stopped":
                out["pods"].append(v["pod_name"])
            if v.get("home_claim_name"):
                out["claims"].append(v["home_claim_name"])
        return {k: sorted(v) for k, v in out.items()}

    def applied(self, ns):
        """True once the audit log shows the provider (cvm-admin) applying
        pod w0. Its wait for Ready starts right after, with a watch from the
        applied version; the audit log has no entry for that watch until the
        server sends an event on it, so it cannot be waited for here."""
        patch_w0 = f"/api/v1/namespaces/{ns}/pods/w0"
        return any(e.get("verb") == "patch" and e.get("requestURI", "").startswith(patch_w0)
                   for e in self.cluster.audit.events_since(0, "cvm-admin", stage=None))

    def start_apply(self, d, *extra):
        """terraform apply in the background; returns the Popen."""
        proc = d.start("apply", "-auto-approve", "-no-color", *extra)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        return proc

    def finish(self, proc, timeout):
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            raise AssertionError(f"terraform did not finish within {timeout}s:\n{out[-5000:]}")
        return proc.returncode, out

    def assert_converged(self, d, ns, count):
        """Every workspace's pod and claim exist once, and nothing else does."""
        objects = self.cluster_objects(ns)
        self.assertEqual(objects, self.state_objects(d))
        self.assertEqual(len(objects["pods"]), count, objects)
        self.assertEqual(len(objects["claims"]), count, objects)
        self.assert_plan_empty(d)


class ApiServerStopTest(FaultsTestBase):
    def apiserver(self, action):
        result = subprocess.run([os.path.join(CLUSTER_SCRIPTS, "apiserver.sh"), action,
                                 self.cluster.dir], capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_apiserver_killed_mid_apply_then_second_apply_converges(self):
        ns = self.new_namespace("flt-stop")
        d = self.tf(workspaces_hcl(ns, 8, {"cvm-test/start-delay-seconds": "3"},
                                   {"create": "3m"}))
        proc = self.start_apply(d)
        wait_for("the first pod", lambda: self.cluster_objects(ns)["pods"], 120, 0.1)
        self.apiserver("kill")
        killed = time.monotonic()
        restarted = False
        try:
            code, out = self.finish(proc, 150)
            took = time.monotonic() - killed
            print(f"apply ended {took:.1f}s after the API server was killed")
            self.assertEqual(code, 1, out)
            errors = error_blocks(out)
            self.assertTrue(errors, out)
            for block in errors:
                with self.subTest(error=block[:120]):
                    # Each error says which server and what happened.
                    self.assertIn(self.cluster.env["KUBE_HOST"], block)
                    self.assertRegex(block, r"(?i)connect|refused|unreachable|reset|"
                                            r"stopped answering")
            self.apiserver("start")
            restarted = True
        finally:
            if not restarted:
                self.apiserver("start")
        # Everything that exists is in the state (written before the restart,
        # read now).
        objects = self.cluster_objects(ns)
        in_state = self.state_objects(d)
        print(f"after the failed apply: cluster {objects}, state {in_state}")
        self.assertLessEqual(set(objects["pods"]), set(in_state["pods"]))
        self.assertLessEqual(set(objects["claims"]), set(in_state["claims"]))

        second = d.apply(check=False)
        self.assertEqual(second.code, 0, second)
        self.assert_converged(d, ns, 8)
        d.destroy()
        self.assertEqual(self.cluster_objects(ns), {"pods": [], "claims": []})


class ConflictTest(FaultsTestBase):
    def test_conflict_names_the_manager_and_force_conflicts(self):
        ns = self.new_namespace("flt-409")
        body = workspaces_hcl(ns, 1).replace("  cpu {", '  labels = { team = "a" }\n  cpu {')
        d = self.tf(body, self.provider_block("  force_conflicts = false\n"))
        d.apply()
        # Another manager takes the label with a server-side apply of its own.
        patch = {"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "w0", "namespace": ns, "labels": {"team": "other"}}}
        self.cluster.api.request("PATCH", f"/api/v1/namespaces/{ns}/pods/w0",
                                 patch, query={"fieldManager": "ops-team-kubectl", "force": "true"},
                                 content_type="application/apply-patch+yaml")
        d.write("main.tf", d.read("main.tf").replace('team = "a"', 'team = "b"'))
        result = d.apply(check=False)
        self.assertEqual(result.code, 1, result)
        text = flat(result.output)
        self.assertIn('"ops-team-kubectl"', text)
        self.assertIn("force_conflicts", text)
        self.assertIn("409", text)
        # The default (force_conflicts = true) takes the field back.
        d.write("main.tf", d.read("main.tf").replace("  force_conflicts = false\n", ""))
        d.apply()
        pod = self.cluster.api.request("GET", f"/api/v1/namespaces/{ns}/pods/w0")
        self.assertEqual(pod["metadata"]["labels"]["team"], "b")
        d.destroy()


class ProxyTestBase(FaultsTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="cvm-proxy-")
        env = cls.cluster.env
        crt, key = make_server_cert(env["KUBE_CA_FILE"],
                                    os.path.join(cls.cluster.dir, "pki", "ca.key"), cls.tmp)
        cls.proxy = FaultProxy(env["KUBE_HOST"], env["KUBE_CA_FILE"],
                               env["KUBE_CLIENT_CERT_FILE"], env["KUBE_CLIENT_KEY_FILE"],
                               crt, key)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()


class RetryTest(ProxyTestBase):
    def test_429_and_503_bursts_are_retried(self):
        ns = self.new_namespace("flt-429")
        base = len(self.proxy.requests())
        pods = rf"^/api/v1/namespaces/{ns}/pods/w\d"
        throttled = self.proxy.add_fault("PATCH", pods, 429, 3, retry_after=1)
        unavailable = self.proxy.add_fault("GET", rf"^/api/v1/namespaces/{ns}(\?|/configmaps)",
                                           503, 3)
        claims = self.proxy.add_fault("PATCH", rf"^/api/v1/namespaces/{ns}/persistentvolumeclaims",
                                      503, 2)
        d = self.tf(workspaces_hcl(ns, 2, timeouts={"create": "2m"}),
                    self.provider_block(host=self.proxy.url))
        result = d.apply(check=False)
        self.assertEqual(result.code, 0, result)
        self.assertEqual((throttled.served, unavailable.served, claims.served), (3, 3, 2))
        self.assert_converged(d, ns, 2)
        seen = self.proxy.requests()[base:]
        # After each injected answer the same request was sent again and passed.
        for fault_status in (429, 503):
            injected = [r for r in seen if r.injected and r.status == fault_status]
            self.assertTrue(injected)
            for r in injected:
                self.assertTrue(any(o.method == r.method and o.path.split("?")[0] ==
                                    r.path.split("?")[0] and not o.injected and o.time > r.time
                                    for o in seen), r)

    def test_lost_answer_to_the_first_write_still_records_the_workspace(self):
        # The claim (the first object of a workspace without agent token) is
        # applied by the server, but its answer comes after the provider's
        # request timeout: the provider cannot know the claim exists, so the
        # state must say it may, or it would be orphaned.
        ns = self.new_namespace("flt-lost")
        fault = self.proxy.add_fault(
            "PATCH", rf"^/api/v1/namespaces/{ns}/persistentvolumeclaims/w0-home", None, 1,
            delay=6)
        d = self.tf(workspaces_hcl(ns, 1, timeouts={"create": "1m"}),
                    self.provider_block(extra='  request_timeout = "2s"\n', host=self.proxy.url))
        result = d.apply(check=False)
        self.assertEqual(result.code, 1, result)
        self.assertEqual(fault.served, 1)
        self.assertRegex(flat(result.output), r"(?i)timed? ?out|deadline")
        self.assertEqual(self.cluster_objects(ns)["claims"], ["w0-home"])
        self.assertEqual(self.state_objects(d)["claims"], ["w0-home"])
        d.destroy()
        wait_for("the claim's deletion",
                 lambda: self.cluster_objects(ns) == {"pods": [], "claims": []}, 60, 0.1)

    def test_long_503_outage_fails_with_the_status(self):
        ns = self.new_namespace("flt-503")
        fault = self.proxy.add_fault("PATCH", rf"^/api/v1/namespaces/{ns}/pods/", 503, 50)
        d = self.tf(workspaces_hcl(ns, 1, timeouts={"create": "1m"}),
                    self.provider_block(host=self.proxy.url))
        start = time.monotonic()
        result = d.apply(check=False)
        took = time.monotonic() - start
        fault.left = 0
        self.assertEqual(result.code, 1, result)
        text = flat(result.output)
        self.assertIn("503", text)
        self.assertIn("ServiceUnavailable", text)
        self.assertLess(took, 60, "gave up within the create timeout")
        print(f"503 outage: {fault.served} answers before giving up, {took:.1f}s")
        d.destroy()


EXEC_PLUGIN = r'''#!/usr/bin/env python3
import json, sys, urllib.request, ssl, datetime
count_file, url = sys.argv[1], sys.argv[2]
with open(count_file, "a") as f:
    f.write("x")
token = urllib.request.urlopen(url).read().decode()
expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=int(sys.argv[3]))
print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {"token": token,
                             "expirationTimestamp": expiry.strftime("%Y-%m-%dT%H:%M:%SZ")}}))
'''


class CredentialTest(ProxyTestBase):
    def test_exec_credential_refreshed_when_it_expires_mid_run(self):
        import http.server
        import threading
        ns = self.new_namespace("flt-exec")
        # A tiny token service the plugin asks (the proxy issues the tokens).
        proxy = self.proxy

        class Issue(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                token = proxy.issue_token().encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(token)))
                self.end_headers()
                self.wfile.write(token)

            def log_message(self, *a):
                pass
        issuer = http.server.HTTPServer(("127.0.0.1", 0), Issue)
        threading.Thread(target=issuer.serve_forever, daemon=True).start()
        self.addCleanup(issuer.server_close)
        self.addCleanup(issuer.shutdown)
        self.addCleanup(setattr, proxy, "tokens", None)
        proxy.tokens = {}
        tmp = tempfile.mkdtemp(prefix="cvm-exec-")
        self.addCleanup(shutil.rmtree, tmp, True)
        plugin = os.path.join(tmp, "plugin.py")
        with open(plugin, "w") as f:
            f.write(EXEC_PLUGIN)
        os.chmod(plugin, 0o755)
        count_file = os.path.join(tmp, "count")
        # The plugin's credential claims 15 s: with the provider's 10 s of
        # skew it is stale after 5 s and run again before use. Mid-apply the
        # proxy also revokes every token issued so far (a rotated or revoked
        # credential): only a 401 tells the provider, which must run the
        # plugin again and repeat the request.
        auth = (f'  exec {{\n    api_version = "client.authentication.k8s.io/v1"\n'
                f'    command = "{sys.executable}"\n'
                f'    args = ["{plugin}", "{count_file}", '
                f'"http://127.0.0.1:{issuer.server_address[1]}/", "15"]\n  }}\n')
        # Each pod is Ready 2 s after its apply: the next workspace's
        # requests then come while the credential still counts as fresh.
        d = self.tf(workspaces_hcl(ns, 3, {"cvm-test/start-delay-seconds": "2"},
                                   {"create": "2m"}),
                    self.provider_block(host=proxy.url, auth=auth))
        base = len(proxy.requests())
        # One workspace at a time, so requests for the later ones come after
        # the revocation below.
        proc = self.start_apply(d, "-parallelism=1")
        wait_for("a pod", lambda: self.cluster_objects(ns)["pods"], 120, 0.1)
        proxy.revoke_tokens()
        code, out = self.finish(proc, 180)
        self.assertEqual(code, 0, out)
        with open(count_file) as f:
            runs = len(f.read())
        seen = proxy.requests()[base:]
        refused = [r for r in seen if r.status == 401]
        print(f"exec plugin runs: {runs}, 401 answers: {len(refused)}, "
              f"tokens used: {len({r.token for r in seen})}")
        self.assertTrue(refused, "no request met the revoked token")
        self.assertGreaterEqual(runs, 3)  # the first, the stale one, after the 401
        # Every refused request was repeated with a newer token and passed.
        for r in refused:
            self.assertTrue(any(o.time > r.time and o.token != r.token and o.status < 400
                                and o.method == r.method for o in seen), r)
        self.assert_converged(d, ns, 3)
        d.destroy()

    def test_wrong_token_gives_a_clear_401(self):
        ns = self.new_namespace("flt-401")
        auth = '  token = "revoked-or-wrong-token"\n'
        d = self.tf(workspaces_hcl(ns, 1), self.provider_block(auth=auth))
        result = d.plan()
        self.assertEqual(result.code, 1, result)
        text = flat(result.output)
        self.assertIn("401", text)
        self.assertIn("Unauthorized", text)
        self.assertIn(self.cluster.env["KUBE_HOST"], text)
        self.assertNotIn("revoked-or-wrong-token", result.output)
        print("401 message:", text[text.find("Error"):][:600])


class InterruptTest(FaultsTestBase):
    def test_ctrl_c_during_a_long_wait_stops_and_records_the_workspace(self):
        ns = self.new_namespace("flt-int")
        d = self.tf(workspaces_hcl(ns, 1, {"cvm-test/start-delay-seconds": "600"},
                                   {"create": "10m"}))
        proc = self.start_apply(d)
        wait_for("the pod", lambda: self.cluster_objects(ns)["pods"], 120, 0.1)
        wait_for("the provider's apply of the pod", lambda: self.applied(ns), 60, 0.2)
        time.sleep(1.5)  # well into the wait for Ready, which starts at once
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code, out = self.finish(proc, 60)
        took = time.monotonic() - sent
        print(f"terraform exited {took:.2f}s after SIGINT")
        self.assertNotEqual(code, 0, out)
        self.assertIn("Interrupt received", out)
        self.assertRegex(out, r"(?i)cancel|interrupt|stopp")
        self.assertLess(took, 10, out)
        # The workspace is in the state (tainted), so destroy removes it.
        self.assertEqual(self.state_objects(d), self.cluster_objects(ns))
        d.destroy()
        self.assertEqual(self.cluster_objects(ns), {"pods": [], "claims": []})


class KilledTerraformTest(FaultsTestBase):
    def test_sigkill_mid_apply_then_plan_and_apply_adopt(self):
        ns = self.new_namespace("flt-kill")
        d = self.tf(workspaces_hcl(ns, 4, {"cvm-test/start-delay-seconds": "5"},
                                   {"create": "3m"}))
        proc = self.start_apply(d)
        wait_for("two pods", lambda: len(self.cluster_objects(ns)["pods"]) >= 2, 120, 0.1)
        proc.kill()
        proc.communicate()
        before = self.cluster_objects(ns)
        # Provider processes left behind exit on their own (their parent is gone).
        wait_for("no provider process left in the working directory",
                 lambda: not provider_processes(d.path), 30, 0.2)
        plan = d.run("plan", "-no-color", "-lock-timeout=30s")
        self.assertIn(plan.code, (0, 2), plan)
        # The plan tells the truth: what exists outside the state is adopted
        # (Terraform shows the first such warning and counts the others).
        unrecorded = sorted(set(before["claims"]) - set(self.state_objects(d)["claims"]))
        if unrecorded:
            text = flat(plan.output)
            self.assertIn("Warning: Workspace Objects Exist and Will Be Adopted", text)
            self.assertTrue(any(f"claim {ns}/{c} of this new workspace exists already" in text
                                for c in unrecorded), text)
        print(f"after SIGKILL: cluster {before}, state {self.state_objects(d)}")
        result = d.apply(check=False)
        self.assertEqual(result.code, 0, result)
        objects = self.cluster_objects(ns)
        self.assertEqual(len(objects["pods"]), 4, objects)
        self.assertEqual(objects, self.state_objects(d))
        d.destroy()
        self.assertEqual(self.cluster_objects(ns), {"pods": [], "claims": []})


def provider_processes(cwd):
    """Pids of terraform-provider-cvm processes whose working dir is `cwd`."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{pid}/cwd") != cwd:
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"terraform-provider-cvm" in f.read():
                    out.append(int(pid))
        except OSError:
            continue
    return out


if __name__ == "__main__":
    unittest.main()
