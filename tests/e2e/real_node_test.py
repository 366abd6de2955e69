"""End-to-end on a real node: workspaces that run, not objects that look right.

The real terraform CLI applies cvm_cluster_settings and cvm_workspace
against a local control plane whose one node is real (tests/cluster/node:
a kubelet with containerd and runc, started by the ctest fixture
cvm_real_node). The pods run the test doubles, which hold envbox's and
systemd's contract and report what they found:

  * the envbox double (under the provider's default envbox image) checks
    envbox's start-up contract, applies its CODER_MOUNTS ownership rule and
    prints a report (pod log): variables (the token as a hash), the host
    paths really mounted and whether a write there succeeds, its runtime
    files under /run and /var/lib, which mounts the inner user can write;
  * the systemd double (sysbox mode) answers like systemd, and the agent
    double, started by the provider's bootstrap hook, records the identity
    and environment the Coder agent would get.

What is checked:
  * the three host-path rows of the settings table run to Ready, mounted
    read-only or read-write exactly as the table says, and envbox's own
    files under /run and /var/lib are writable;
  * the token the double sees is the Secret's; CODER_CPUS and CODER_MEMORY
    are the kubelet's downward-API values;
  * envbox mode: a `mounts` entry is writable by the workspace user, a
    read_only one is not;
  * both modes: a Secret `volume` is readable by the workspace user (the
    files hold the Secret's value), and an `env_value_from` variable holds
    the Secret's value, resolved by the kubelet;
  * an init container added by pod_overrides runs to completion before
    envbox starts;
  * sysbox mode: the agent starts as the workspace user once systemd runs,
    with the token, the URL and `env`; the user owns and can write its home
    and its mounts; no process command line or world-readable file shows
    the token;
  * a file in the home volume survives running = false then true, each
    applied from a saved plan while the node's labels change in between
    (the plan holds); destroy leaves no container in containerd;
  * a missing image fails with the kubelet's own ErrImagePull events, the
    pull having gone to the stub registry on loopback (containerd's
    NotFound); with wait_for_ready, apply fails within seconds with
    containerd's message and the state keeps the workspace; pods have no
    default route and resolve names only against loopback or the
    unroutable cluster DNS address.
"""

import hashlib
import json
import os
import stat
import subprocess
import sys
import unittest

from tfharness import PROVIDER_BUG_MARKERS, REQUIRED_PROVIDERS, Cluster, TerraformDir, flat, suffix, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cluster",
                                "node"))
from doubles import pod_report  # noqa: E402

TOKEN = "cvm-real-node-agent-token-8c1e5b0f9a"
TOKEN_SHA = hashlib.sha256(TOKEN.encode()).hexdigest()
AGENT_URL = "https://coder.example.invalid"
CPU_LIMIT, CPUS = "250m", "1"  # the downward API rounds up to whole cores
MEMORY_LIMIT, MEMORY_BYTES = "192Mi", str(192 * 1024 * 1024)

CLUSTER_DIR = os.environ.get("CVM_CLUSTER_DIR", "/nonexistent")
# Skipped without a real node, unless one is required (CI): then it fails.
RUN = (os.path.exists(os.path.join(CLUSTER_DIR, "node", "env"))
       or os.environ.get("CVM_REQUIRE_CLUSTER") == "1")

# The settings table, as the outer container sees it: path -> writable
# (None: not mounted). /var/run and /var/lib of the host are mounted under
# /mnt/host, where they shadow nothing of the container's own.
ROWS = {
    "off": {"/usr/src": False, "/lib/modules": False,
            "/mnt/host/var/run": None, "/mnt/host/var/lib": None},
    "cached": {"/usr/src": False, "/lib/modules": False,
               "/mnt/host/var/run": False, "/mnt/host/var/lib": True},
    "shiftfs": {"/usr/src": True, "/lib/modules": True,
                "/mnt/host/var/run": False, "/mnt/host/var/lib": True},
}
SETTINGS = {"off": "", "cached": "caching = true",
            "shiftfs": "caching = true\n  auto_load_shiftfs = true"}


def settings_hcl(label, namespace):
    return f"""
resource "cvm_cluster_settings" "{label}" {{
  namespace        = "{namespace}"
  manage_namespace = true
  force_destroy    = true
  {SETTINGS.get(label, "")}
  runtime_class {{
    name   = "sysbox-runc-{namespace}"
    manage = true
  }}
}}
"""


def workspace_hcl(label, settings, extra,
                  inner_image="docker.io/codercom/enterprise-base:ubuntu"):
    return f"""
resource "cvm_workspace" "{label}" {{
  name                = "{label}"
  namespace           = cvm_cluster_settings.{settings}.namespace
  cluster_settings_id = cvm_cluster_settings.{settings}.id
  inner_image         = "{inner_image}"
  agent_token         = var.agent_token
  agent_url           = "{AGENT_URL}"
  env                 = {{ FOO = "bar" }}
  cpu {{
    limit = "{CPU_LIMIT}"
  }}
  memory {{
    limit = "{MEMORY_LIMIT}"
  }}
  timeouts {{
    create = "3m"
    update = "3m"
  }}
{extra}
}}
"""


# The workspace's own agent Secret (it exists once the workspace applies),
# as a volume and as a variable: the kubelet resolves both.
SECRET_VOLUME_HCL = """
  volume {{
    name   = "agent-secret"
    target = "/etc/agent-secret"
    secret {{
      name = "{workspace}-agent"
    }}
  }}
  env_value_from {{
    name = "CVM_FROM_SECRET"
    secret_key_ref {{
      name = "{workspace}-agent"
      key  = "token"
    }}
  }}
"""

# An init container added by pod_overrides, which the kubelet must run to
# completion before envbox starts.
OVERRIDES_HCL = """
  pod_overrides = jsonencode({{
    spec = {{
      initContainers = [{{
        name    = "overrides-check"
        image   = "{image}"
        command = ["sh", "-c", "test -d /proc/self"]
      }}]
    }}
  }})
"""

TOKEN_VARIABLE = """
variable "agent_token" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "running" {
  type    = bool
  default = true
}
"""


@unittest.skipUnless(RUN, "needs the real-node cluster (start.sh --real-node)")
class RealNodeTest(unittest.TestCase):
    """One apply of every case (they run side by side on the node), then
    each test reads what the doubles reported."""

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster()
        cls.node = cls.cluster.env["CVM_REAL_NODE"]
        cls.systemd_image = cls.cluster.env["CVM_SYSTEMD_IMAGE"]
        sfx = suffix()
        cls.ns = {row: f"rn-{row}-{sfx}" for row in ROWS}
        hcl = REQUIRED_PROVIDERS + cls.cluster.provider_block() + TOKEN_VARIABLE
        for row, ns in cls.ns.items():
            hcl += settings_hcl(row, ns)
            extra = {"off": "  running = var.running",
                     "cached": SECRET_VOLUME_HCL.format(workspace=f"envbox-{row}"),
                     "shiftfs": OVERRIDES_HCL.format(image=cls.systemd_image)}[row]
            hcl += workspace_hcl(f"envbox-{row}", row, extra)
        # envbox: one read-write and one read-only entry of `mounts`.
        hcl = hcl.replace('  running = var.running', '''  running = var.running
  mounts = [
    { source = "data", target = "/data" },
    { source = "reference", target = "/reference", read_only = true },
  ]''')
        hcl += workspace_hcl("sysbox", "cached", """
  mode             = "sysbox"
  bootstrap_script = "exec cvm-agent-double /home/coder /data read:/etc/agent-secret"
  mounts           = [{ source = "data", target = "/data" }]""" + SECRET_VOLUME_HCL.format(
            workspace="sysbox"),
                             inner_image=cls.systemd_image)
        hcl += workspace_hcl("missing-image", "off", """
  image          = "ghcr.io/coder/envbox:0.0.0-missing"
  wait_for_ready = false""")
        cls.tf = TerraformDir({"main.tf": hcl}, env={"TF_VAR_agent_token": TOKEN})
        cls.tf.init()
        # Checked by a test of its own, so that each case fails on its own.
        cls.apply_result = cls.tf.apply(check=False)

    @classmethod
    def tearDownClass(cls):
        cls.tf.destroy(check=False)
        cls.tf.cleanup()
        for ns in cls.ns.values():
            cls.cluster.delete(f"/api/v1/namespaces/{ns}")

    # ---- helpers

    def pod(self, ns, name):
        return self.cluster.get(f"/api/v1/namespaces/{ns}/pods/{name}")

    def report(self, ns, name, timeout=60):
        """The double's report from the pod's log (through the kubelet)."""
        return wait_for(f"the report of {ns}/{name}",
                        lambda: pod_report(self.cluster.api, ns, name), timeout, 0.5)

    def rootfs(self, ns, name):
        """The running workspace container's root file system on the node."""
        def probe():
            pod = self.pod(ns, name)
            statuses = (pod or {}).get("status", {}).get("containerStatuses") or []
            cid = statuses[0].get("containerID", "") if statuses else ""
            return cid.split("//", 1)[1] if "//" in cid else None
        cid = wait_for(f"the container of {ns}/{name}", probe, 60, 0.5)
        return os.path.join(CLUSTER_DIR, "node", "containerd", "state",
                            "io.containerd.runtime.v2.task", "k8s.io", cid, "rootfs")

    def agent_report(self, ns, name):
        """What the agent double recorded (it writes /tmp/cvm-agent-double.json)."""
        path = os.path.join(self.rootfs(ns, name), "tmp", "cvm-agent-double.json")

        def probe():
            try:
                with open(path) as f:
                    return json.load(f)
            except (OSError, ValueError):
                return None
        return wait_for(f"the agent double's report in {path}", probe, 60, 0.5)

    def containers_of(self, namespaces):
        """containerd containers (any state) of pods in `namespaces`."""
        out = subprocess.run(
            ["ctr", "--address", self.cluster.env["CVM_REAL_NODE_CONTAINERD_SOCKET"],
             "--namespace", "k8s.io", "containers", "ls", "-q"],
            capture_output=True, text=True, check=True).stdout.split()
        found = []
        for cid in out:
            info = subprocess.run(
                ["ctr", "--address", self.cluster.env["CVM_REAL_NODE_CONTAINERD_SOCKET"],
                 "--namespace", "k8s.io", "containers", "info", cid],
                capture_output=True, text=True, check=False).stdout
            if not info:
                continue
            labels = json.loads(info).get("Labels") or {}
            if labels.get("io.kubernetes.pod.namespace") in namespaces:
                found.append(cid)
        return found

    def apply_saved_plan_across_node_change(self, variable, node_labels):
        """`terraform plan -out` with `variable`, relabel the node, apply the plan."""
        planned = self.tf.plan("-var", variable, "-out=tfplan")
        self.assertEqual(planned.code, 0, planned)
        # Other tests share the node: whatever happens, its labels come back.
        self.addCleanup(self.cluster.label_node, self.node,
                        {"sysbox-runtime": "running", "cvm.test/moved": None})
        self.cluster.label_node(self.node, node_labels)
        applied = self.tf.apply_plan()
        self.assertEqual(applied.code, 0, applied)
        for marker in PROVIDER_BUG_MARKERS:
            self.assertNotIn(marker, flat(applied.output))

    # ---- tests

    def test_apply_succeeds_and_plans_nothing_more(self):
        self.assertEqual(self.apply_result.code, 0, self.apply_result)
        result = self.tf.plan("-detailed-exitcode")
        self.assertEqual(result.code, 0, result)

    def test_envbox_pods_run_with_each_host_path_row(self):
        for row, expected in ROWS.items():
            with self.subTest(row=row):
                ns, name = self.ns[row], f"envbox-{row}"
                pod = self.pod(ns, name)
                self.assertEqual(pod["spec"]["nodeName"], self.node)
                self.assertEqual(pod["status"]["phase"], "Running", pod["status"])
                report = self.report(ns, name)
                self.assertTrue(report["ok"], report["errors"])
                for path, writable in expected.items():
                    seen = report["host_paths"][path]
                    if writable is None:
                        self.assertFalse(seen["mount_point"], f"{path} should not be mounted")
                    else:
                        self.assertTrue(seen["mount_point"], f"{path} should be mounted")
                        self.assertEqual(seen["writable"], writable, f"{path}: {seen}")
                # Nothing of the node shadows the container's own run-time dirs.
                for path in ("/run", "/var/run", "/var/lib"):
                    self.assertFalse(report["host_paths"][path]["mount_point"], path)
                self.assertEqual(set(report["runtime_files"].values()), {"ok"},
                                 report["runtime_files"])
                self.assertTrue(report["service_account_token"])
                values = self.tf.resource(f"cvm_workspace.envbox-{row}")
                self.assertEqual(values["node_name"], self.node)

    def test_pods_have_no_way_off_the_machine(self):
        # No default route (the bridge has no gateway) and only loopback or
        # unroutable name servers: nothing a pod sends leaves the node.
        report = self.report(self.ns["off"], "envbox-off")
        self.assertFalse(report["default_route"])
        self.assertTrue(report["nameservers"])
        for server in report["nameservers"]:
            self.assertTrue(server.startswith("127.") or server == "10.0.0.10", server)

    def test_envbox_sees_the_secrets_token_and_the_kubelets_limits(self):
        report = self.report(self.ns["cached"], "envbox-cached")
        variables = report["variables"]
        self.assertEqual(variables["CODER_AGENT_TOKEN"], f"sha256:{TOKEN_SHA}")
        self.assertEqual(variables["CODER_CPUS"], CPUS)
        self.assertEqual(variables["CODER_MEMORY"], MEMORY_BYTES)
        self.assertEqual(variables["CODER_INNER_USERNAME"], "coder")
        inner = report["inner_env"]
        self.assertEqual(inner["CODER_AGENT_TOKEN"], f"sha256:{TOKEN_SHA}")
        self.assertEqual(inner.get("FOO"), "bar")
        self.assertNotIn(TOKEN, json.dumps(report))

    def test_envbox_mounts_are_writable_by_the_workspace_user_unless_read_only(self):
        report = self.report(self.ns["off"], "envbox-off")
        by_target = {m["target"]: m for m in report["mounts"]}
        self.assertTrue(by_target["/home/coder"]["inner_user_writable"])
        self.assertTrue(by_target["/data"]["inner_user_writable"], by_target["/data"])
        self.assertTrue(by_target["/reference"]["read_only"])
        self.assertFalse(by_target["/reference"]["inner_user_writable"], by_target["/reference"])
        self.assertFalse(by_target["/reference"]["inner_root_writable"])

    def test_envbox_user_reads_a_secret_volume_and_gets_env_from_a_secret(self):
        report = self.report(self.ns["cached"], "envbox-cached")
        by_target = {m["target"]: m for m in report["mounts"]}
        secret = by_target["/etc/agent-secret"]
        self.assertEqual(secret["source"], "/home/.cvm-volume-agent-secret")
        self.assertTrue(secret["read_only"])
        self.assertEqual(secret["inner_user_reads"], {"token": f"sha256:{TOKEN_SHA}"})
        self.assertFalse(secret["inner_user_writable"])
        self.assertEqual(report["inner_env"]["CVM_FROM_SECRET"], f"sha256:{TOKEN_SHA}")

    def test_an_init_container_of_pod_overrides_runs_before_envbox(self):
        ns = self.ns["shiftfs"]
        self.report(ns, "envbox-shiftfs")  # envbox ran, so the init container finished
        statuses = self.pod(ns, "envbox-shiftfs")["status"]["initContainerStatuses"]
        self.assertEqual([s["name"] for s in statuses], ["overrides-check"])
        terminated = statuses[0]["state"]["terminated"]
        self.assertEqual((terminated["exitCode"], terminated["reason"]), (0, "Completed"))

    def test_sysbox_user_reads_a_secret_volume_and_gets_env_from_a_secret(self):
        report = self.agent_report(self.ns["cached"], "sysbox")
        self.assertEqual(report["reads"], {"/etc/agent-secret": {"token": f"sha256:{TOKEN_SHA}"}})
        self.assertEqual(report["env"].get("CVM_FROM_SECRET"), f"sha256:{TOKEN_SHA}")

    def test_sysbox_agent_starts_as_the_user_with_token_url_and_env(self):
        ns = self.ns["cached"]
        report = self.agent_report(ns, "sysbox")
        self.assertEqual((report["uid"], report["gid"]), (1000, 1000))
        self.assertEqual(report["system_state_at_start"], "running")
        env = report["env"]
        self.assertEqual(env.get("CODER_AGENT_TOKEN"), f"sha256:{TOKEN_SHA}")
        self.assertEqual(env.get("CODER_AGENT_URL"), AGENT_URL)
        self.assertEqual(env.get("FOO"), "bar")
        self.assertEqual(env.get("HOME"), "/home/coder")

    def test_sysbox_user_owns_and_can_write_its_home_and_mounts(self):
        report = self.agent_report(self.ns["cached"], "sysbox")
        self.assertEqual(report["uid"], 1000)
        self.assertEqual(report["home_owner"], {"uid": 1000, "gid": 1000})
        self.assertTrue(report["home_writable"])
        self.assertEqual(report["writable"], {"/home/coder": True, "/data": True})

    def test_sysbox_user_missing_from_the_image_fails_apply_naming_it(self):
        d = TerraformDir({"main.tf": REQUIRED_PROVIDERS + self.cluster.provider_block() + f"""
resource "cvm_workspace" "no_user" {{
  name           = "no-user"
  namespace      = "{self.ns["cached"]}"
  mode           = "sysbox"
  inner_image    = "{self.systemd_image}"
  inner_username = "alice"
  cpu {{
    limit = "{CPU_LIMIT}"
  }}
  memory {{
    limit = "{MEMORY_LIMIT}"
  }}
}}
"""})
        self.addCleanup(d.cleanup)
        self.addCleanup(d.destroy, check=False)
        d.init()
        result = d.apply(check=False)
        self.assertEqual(result.code, 1, result)
        text = flat(result.output)
        # chown's own words: "invalid spec: 'alice:'" (GNU), "unknown user" (busybox).
        self.assertIn("init container home-owner exited 1", text)
        self.assertIn("chown: invalid spec: 'alice:'", text)

    def test_sysbox_token_is_on_no_command_line_or_world_readable_file(self):
        ns = self.ns["cached"]
        self.agent_report(ns, "sysbox")  # the agent runs
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            self.assertNotIn(TOKEN.encode(), cmdline, f"process {pid}: {cmdline[:200]!r}")
        self.assertNotIn(TOKEN, json.dumps(self.pod(ns, "sysbox")["spec"]))
        rootfs = self.rootfs(ns, "sysbox")
        # The bootstrap's log is the user's alone.
        log = os.stat(os.path.join(rootfs, "var", "log", "cvm-bootstrap.log"))
        self.assertEqual((log.st_uid, log.st_mode & 0o777), (1000, 0o600))
        # No world-readable file in the container or its volumes holds it.
        claim = self.cluster.get(f"/api/v1/namespaces/{ns}/persistentvolumeclaims/sysbox-home")
        volume = self.cluster.get(f"/api/v1/persistentvolumes/{claim['spec']['volumeName']}")
        tops = [os.path.join(rootfs, top) for top in ("run", "tmp", "var", "etc", "home")]
        tops.append(volume["spec"]["hostPath"]["path"])
        for top in tops:
            for base, _, files in os.walk(top):
                for name in files:
                    path = os.path.join(base, name)
                    st = os.lstat(path)
                    if stat.S_ISREG(st.st_mode) and st.st_mode & stat.S_IROTH:
                        with open(path, "rb") as f:
                            self.assertNotIn(TOKEN.encode(), f.read(), path)

    def test_the_node_looks_for_no_metadata_service_and_pulls_from_loopback(self):
        logs = os.path.join(CLUSTER_DIR, "logs")
        with open(os.path.join(logs, "kubelet.log"), errors="replace") as f:
            self.assertNotIn("169.254.169.254", f.read())

        def pull_attempts():  # the missing image's pulls
            with open(os.path.join(logs, "containerd.log"), errors="replace") as f:
                return [line for line in f if "trying next host" in line]
        registry = self.cluster.env["CVM_REAL_NODE_REGISTRY"]
        self.assertTrue(registry.startswith("127.0.0.1:"), registry)
        for line in wait_for("containerd's pull attempts", pull_attempts, 60, 0.5):
            self.assertIn(f'host="{registry}"', line)
        with open(os.path.join(logs, "registry.log"), errors="replace") as f:
            self.assertRegex(f.read(), r'"(HEAD|GET) /v2/coder/envbox/manifests/0\.0\.0-missing'
                                       r'(\?\S*)? HTTP/1\.1" 404')

    def test_missing_image_fails_with_the_kubelets_err_image_pull(self):
        ns = self.ns["off"]

        def pull_errors():
            events = self.cluster.api.request("GET", f"/api/v1/namespaces/{ns}/events")
            return [e for e in events["items"]
                    if e["involvedObject"].get("name") == "missing-image"
                    and e["type"] == "Warning" and e["source"].get("component") == "kubelet"
                    and "ErrImagePull" in e["message"]]
        events = wait_for("the kubelet's ErrImagePull event", pull_errors, 60, 0.5)
        self.assertEqual(events[0]["source"].get("host"), self.node)
        # The pull went to the loopback endpoint every registry resolves to.
        pulls = [e["message"] for e in self.cluster.api.request(
            "GET", f"/api/v1/namespaces/{ns}/events")["items"]
            if e["involvedObject"].get("name") == "missing-image"
            and "Failed to pull image" in e["message"]]
        self.assertTrue(pulls)
        for message in pulls:
            self.assertIn("rpc error: code = NotFound", message)
        status = self.pod(ns, "missing-image")["status"]
        waiting = status["containerStatuses"][0]["state"].get("waiting", {})
        self.assertIn(waiting.get("reason"), ("ErrImagePull", "ImagePullBackOff"))

    def test_missing_image_fails_apply_in_seconds_with_containerds_not_found(self):
        image = "ghcr.io/coder/envbox:0.0.0-missing-wait"
        d = TerraformDir({"main.tf": REQUIRED_PROVIDERS + self.cluster.provider_block() + f"""
resource "cvm_workspace" "missing_wait" {{
  name        = "missing-wait"
  namespace   = "{self.ns["off"]}"
  inner_image = "docker.io/codercom/enterprise-base:ubuntu"
  image       = "{image}"
  cpu {{
    limit = "{CPU_LIMIT}"
  }}
  memory {{
    limit = "{MEMORY_LIMIT}"
  }}
}}
"""})
        self.addCleanup(d.cleanup)
        self.addCleanup(d.destroy, check=False)
        d.init()
        result = d.apply(check=False)
        self.assertEqual(result.code, 1, result)
        # The default timeouts.create is 10m: a permanent cause fails at once.
        self.assertLess(result.seconds, 60, result)
        text = flat(result.output)
        self.assertNotIn("within timeouts.create", text)
        # The kubelet's words: containerd's NotFound, in the container status
        # (ErrImagePull, or ImagePullBackOff with the last pull's error) and
        # in its Warning event.
        self.assertRegex(text, "container dev cannot start: (ErrImagePull|ImagePullBackOff): ")
        self.assertIn("rpc error: code = NotFound desc = failed to pull and unpack image "
                      f'"{image}": failed to resolve reference "{image}": {image}: not found', text)
        self.assertIn(f'Warning Failed: Failed to pull image "{image}": rpc error: code = NotFound',
                      text)
        self.assertEqual(d.run("state", "list", check=True).stdout.split(),
                         ["cvm_workspace.missing_wait"])
        self.assertIsNotNone(self.pod(self.ns["off"], "missing-wait"))

    def test_zz_home_survives_stop_and_start_and_destroy_leaves_no_container(self):
        # Runs last (unittest sorts by name): it stops and destroys.
        ns = self.ns["off"]
        # Stop and start go through saved plans, and the node changes between
        # plan and apply (it loses its sysbox-runtime label, then gains a
        # label): the plans hold on a real kubelet.
        self.assertEqual(self.report(ns, "envbox-off")["home_boots"], 1)
        self.apply_saved_plan_across_node_change(
            "running=false", {"sysbox-runtime": None, "cvm.test/moved": "1"})
        self.assertIsNone(self.pod(ns, "envbox-off"))
        self.apply_saved_plan_across_node_change(
            "running=true", {"sysbox-runtime": "running", "cvm.test/moved": None})
        self.assertEqual(self.report(ns, "envbox-off")["home_boots"], 2)
        self.tf.destroy()
        namespaces = set(self.ns.values())
        # The kubelet removes a deleted pod's containers in its garbage
        # collection (every minute).
        wait_for("no container of the workspaces in containerd",
                 lambda: not self.containers_of(namespaces), 150, 2)


if __name__ == "__main__":
    unittest.main()
