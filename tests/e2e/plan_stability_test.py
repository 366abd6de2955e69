"""End-to-end: plans that survive a moving cluster (issue 14).

The rule under test: what the provider plans is what it plans again during
apply and what apply returns, whatever the cluster did in between. No
terraform output may contain "Provider produced inconsistent" or "This is a
bug in the provider". The one change that may stop an apply is the
namespace's settings ConfigMap changed by another state; the provider then
says so itself and asks for a new plan.

  * SettingsSavedPlanTest: cvm_cluster_settings, `terraform plan -out`, then
    the cluster changes (a node loses its sysbox-runtime label, a node is
    added, one removed, a cloud node changes the platform, an SELinux-family
    node adds a warning, the RuntimeClass is removed, the namespace's Pod
    Security label changed), then `terraform apply` of the saved plan; for
    create and for update (tun toggled). The state's facts are the
    cluster's (create) or the state's before or the cluster's (update) and
    what the ConfigMap records; a refresh brings the live ones and the next
    plan is empty. Then `apply -auto-approve` racing node label changes, and
    `apply -refresh-only` after everything changed.
  * WorkspaceSavedPlanTest: cvm_workspace in envbox and sysbox mode, saved
    plans for create, update (labels, cpu), stop and start, with the
    settings ConfigMap edited in between (caching and tun flipped, as
    another state would): the apply succeeds consistently or fails with the
    provider's own error naming the settings change and asking for a new
    plan; the next apply converges. Node changes between plan and apply, or
    racing an apply, do not matter; `apply -refresh-only` works.
  * OneApplyNamespaceTest: the namespace made in the same apply by a
    terraform_data local-exec, or by cvm_cluster_settings in a module the
    workspace only depends on: one `terraform apply`. A namespace that never
    appears fails the apply with a clear error, not the plan.

The settings tests need full control of the nodes (count, platform, OS
images) and run on a control plane of their own without the simulator,
with bare Node objects (started in the background when the module loads:
it boots while the workspace tests run). The workspace tests run on the
shared fixture (its simulator runs the pods) and touch only their own
namespace, RuntimeClass and one bare node of their own.
"""

import os
import re
import unittest

from tfharness import (AGENT_TOKEN_VARIABLE, CLUSTER_SCRIPTS, HAVE_CLUSTER, INNER_IMAGE,
                       ClusterTestCase, PrivateCluster, Repeating, error_blocks, flat, hcl,
                       needs_cluster, suffix, wait_for)

RUN = suffix()
PREFIX = f"pst-{RUN}"
TOKEN = "cvm-e2e-pst-agent-token-91c2e7"

SELINUX_IMAGE = "Red Hat Enterprise Linux 9.3 (Plow)"
NO_SYSBOX_WARNING = "No node is labelled sysbox-runtime=running"
# The provider's own refusal when the settings ConfigMap changed between
# plan and apply: it names the settings and asks for a new plan.
SETTINGS_CHANGED = re.compile(
    r"(cluster settings|cvm-cluster-settings).*chang.*(plan again|new plan|re-?plan)",
    re.IGNORECASE)

ROW_OFF = [("/usr/src", "/usr/src", True), ("/lib/modules", "/lib/modules", True)]
ROW_CACHED = ROW_OFF + [("/var/run", "/mnt/host/var/run", True),
                        ("/var/lib", "/mnt/host/var/lib", False)]


def host_paths_of(pod):
    """[(path, mountPath, readOnly)] of the hostPath volumes of container dev."""
    spec = pod["spec"]
    mounts = {m["name"]: m for c in spec["containers"] if c["name"] == "dev"
              for m in c.get("volumeMounts", [])}
    return [(v["hostPath"]["path"], mounts[v["name"]]["mountPath"],
             bool(mounts[v["name"]].get("readOnly", False)))
            for v in spec.get("volumes", []) if "hostPath" in v]


def state_host_paths(values):
    return [(m["path"], m["mount_path"], m["read_only"])
            for m in values.get("host_path_mounts") or []]


# --------------------------------------------------------------------------
# The settings tests' own control plane (no simulator: bare nodes only).

_PRIVATE = {"cluster": None}


def start_private_cluster():
    if HAVE_CLUSTER and _PRIVATE["cluster"] is None:
        _PRIVATE["cluster"] = PrivateCluster("--no-simulator", "--timeout", "300")


def setUpModule():
    start_private_cluster()


def tearDownModule():
    if _PRIVATE["cluster"] is not None:
        _PRIVATE["cluster"].stop()
        _PRIVATE["cluster"] = None


@needs_cluster
class SettingsSavedPlanTest(ClusterTestCase):
    """cvm_cluster_settings against nodes this class alone controls."""

    ADDRESS = "cvm_cluster_settings.main"
    BASE_NODES = (f"{PREFIX}-a", f"{PREFIX}-b")  # Sysbox-ready

    @classmethod
    def setUpClass(cls):
        start_private_cluster()
        _PRIVATE["cluster"].wait(300)
        cls.cluster_dir = _PRIVATE["cluster"].dir
        super().setUpClass()
        cls.version = "v" + cls.cluster.env["CVM_KUBE_VERSION"]
        cls.rc = f"{PREFIX}-rc"
        cls.reset_cluster()
        # One state for the update cases, applied once.
        cls.update_ns = f"{PREFIX}-update"
        cls.cluster.create_namespace(cls.update_ns)
        cls.update_dir = cls.class_tf(cls.config(cls.update_ns, False))
        cls.update_dir.apply()

    @classmethod
    def config(cls, ns, tun):
        return f"""
resource "cvm_cluster_settings" "main" {{
  namespace        = "{ns}"
  manage_namespace = true
  tun              = {hcl(tun)}
  runtime_class {{
    name = "{cls.rc}"
  }}
}}
"""

    @classmethod
    def reset_cluster(cls):
        """Nodes exactly BASE_NODES, Sysbox-ready; the RuntimeClass there."""
        for name in cls.cluster.names("/api/v1/nodes"):
            if name not in cls.BASE_NODES:
                cls.cluster.delete(f"/api/v1/nodes/{name}")
        for name in cls.BASE_NODES:
            if cls.cluster.get(f"/api/v1/nodes/{name}") is None:
                cls.cluster.add_node(name, {"sysbox-runtime": "running"})
            else:
                cls.cluster.label_node(name, {"sysbox-runtime": "running"})
        if cls.cluster.get(f"/apis/node.k8s.io/v1/runtimeclasses/{cls.rc}") is None:
            cls.cluster.api.request("POST", "/apis/node.k8s.io/v1/runtimeclasses", {
                "apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
                "metadata": {"name": cls.rc}, "handler": "sysbox-runc"})

    def tearDown(self):
        self.reset_cluster()

    # ---- what the cluster is

    def live_facts(self):
        """The facts the provider's probe reads now: (kubernetes_version,
        sysbox_ready_nodes, platform, sorted warning kinds)."""
        ready, clouds, kinds = 0, set(), []
        for n in self.cluster.api.request("GET", "/api/v1/nodes")["items"]:
            spec = n.get("spec", {})
            tainted = any(t.get("key") == "sysbox-runtime" and t.get("value") == "not-running"
                          for t in spec.get("taints") or [])
            if n["metadata"].get("labels", {}).get("sysbox-runtime") == "running" and \
                    not tainted:
                ready += 1
            cloud, scheme, _ = spec.get("providerID", "").partition("://")
            if cloud and scheme:
                clouds.add(cloud)
            if n.get("status", {}).get("nodeInfo", {}).get("osImage") == SELINUX_IMAGE:
                kinds.append("selinux")
        if ready == 0:
            kinds.append("no-sysbox")
        return (self.version, ready, ",".join(sorted(clouds)) or "bare-metal",
                sorted(set(kinds)))

    @staticmethod
    def state_facts(values):
        kinds = []
        for w in values.get("warnings") or []:
            kinds.append("no-sysbox" if NO_SYSBOX_WARNING in w else
                         "selinux" if "SELinux" in w else w)
        return (values.get("kubernetes_version"), values.get("sysbox_ready_nodes"),
                values.get("platform"), sorted(kinds))

    # ---- the changes between plan and apply

    def unlabel_node(self, ns):
        self.cluster.label_node(self.BASE_NODES[1], {"sysbox-runtime": None})

    def add_node(self, ns):
        self.cluster.add_node(f"{PREFIX}-added", {"sysbox-runtime": "running"})

    def remove_node(self, ns):
        self.cluster.delete(f"/api/v1/nodes/{self.BASE_NODES[1]}")

    def add_cloud_node(self, ns):
        self.cluster.add_node(f"{PREFIX}-cloud",
                              provider_id="aws:///us-east-1a/i-0123456789abcdef0")

    def add_selinux_node(self, ns):
        self.cluster.add_node(f"{PREFIX}-rhel", {}, os_image=SELINUX_IMAGE)

    def remove_runtime_class(self, ns):
        self.cluster.delete(f"/apis/node.k8s.io/v1/runtimeclasses/{self.rc}")

    def relabel_namespace(self, ns):
        self.cluster.merge_patch(f"/api/v1/namespaces/{ns}", {"metadata": {"labels": {
            "pod-security.kubernetes.io/enforce": "baseline"}}})

    # ---- the cases

    def case_dir(self, name, update):
        """(working directory, namespace, tun) of a case: for an update the
        class's state with tun toggled, for a create a new one."""
        if update:
            d, ns = self.update_dir, self.update_ns
            tun = not d.resource(self.ADDRESS)["tun"]
        else:
            ns, tun = f"{PREFIX}-{name}", False
            self.cluster.create_namespace(ns)
            d = self.tf(self.config(ns, tun))
        d.write("main.tf", self.main_tf(self.config(ns, tun)))
        return d, ns, tun

    def saved_plan_case(self, change, update):
        """plan -out, `change`, apply the saved plan: success, no provider
        bug, the state's facts what apply returned, then a refresh and an
        empty plan."""
        d, ns, tun = self.case_dir(change.__name__.replace("_", "-"), update)
        before = self.live_facts()  # what the plan's refresh reads
        plan = d.run("plan", "-no-color", "-input=false", "-out=tfplan")
        self.assert_no_provider_bug(plan)
        self.assertEqual(plan.code, 0, plan)
        change(ns)
        after = self.live_facts()
        applied = d.apply_plan()
        self.assert_no_provider_bug(applied)
        self.assertEqual(applied.code, 0, applied)
        values = d.resource(self.ADDRESS)
        returned = self.state_facts(values)
        # A create learns the facts at apply; an update may keep the
        # state's until the next refresh.
        self.assertIn(returned, [after] if not update else [before, after],
                      f"state facts {returned}; before the change {before}, after {after}")
        self.assertEqual(values["tun"], tun)
        cm = self.cluster.get(f"/api/v1/namespaces/{ns}/configmaps/cvm-cluster-settings")
        self.assertIn(cm["data"].get("platform"), (values["platform"], after[2]), cm["data"])
        self.assertEqual(cm["data"]["tun"], hcl(values["tun"]))
        labels = self.cluster.get(f"/api/v1/namespaces/{ns}")["metadata"]["labels"]
        self.assertEqual(labels.get("pod-security.kubernetes.io/enforce"), "privileged")
        plan = d.run("plan", "-no-color", "-detailed-exitcode")
        self.assert_no_provider_bug(plan)
        self.assertEqual(plan.code, 0, plan)
        refreshed = d.run("apply", "-refresh-only", "-auto-approve", "-no-color")
        self.assert_no_provider_bug(refreshed)
        self.assertEqual(refreshed.code, 0, refreshed)
        self.assertEqual(self.state_facts(d.resource(self.ADDRESS)), after)

    def test_create_node_loses_sysbox_label(self):
        self.saved_plan_case(self.unlabel_node, update=False)

    def test_create_node_added(self):
        self.saved_plan_case(self.add_node, update=False)

    def test_create_node_removed(self):
        self.saved_plan_case(self.remove_node, update=False)

    def test_create_platform_changes(self):
        self.saved_plan_case(self.add_cloud_node, update=False)

    def test_create_warnings_change(self):
        self.saved_plan_case(self.add_selinux_node, update=False)

    def test_create_runtime_class_removed(self):
        self.saved_plan_case(self.remove_runtime_class, update=False)

    def test_create_pod_security_label_changed(self):
        self.saved_plan_case(self.relabel_namespace, update=False)

    def test_update_node_loses_sysbox_label(self):
        self.saved_plan_case(self.unlabel_node, update=True)

    def test_update_node_added(self):
        self.saved_plan_case(self.add_node, update=True)

    def test_update_node_removed(self):
        self.saved_plan_case(self.remove_node, update=True)

    def test_update_platform_changes(self):
        self.saved_plan_case(self.add_cloud_node, update=True)

    def test_update_warnings_change(self):
        self.saved_plan_case(self.add_selinux_node, update=True)

    def test_update_runtime_class_removed(self):
        self.saved_plan_case(self.remove_runtime_class, update=True)

    def test_update_pod_security_label_changed(self):
        self.saved_plan_case(self.relabel_namespace, update=True)

    def racing_case(self, update):
        """apply -auto-approve while a thread labels and unlabels nodes back
        to back: the Sysbox-ready count rises by one from 2 to 42 and falls
        back, over and over (so two reads of it rarely agree)."""
        racers = [f"{PREFIX}-race-{i}" for i in range(40)]
        for name in racers:
            self.cluster.add_node(name)

        def flap(i):
            step = i % (2 * len(racers))
            name = racers[step % len(racers)]
            self.cluster.label_node(
                name, {"sysbox-runtime": "running" if step < len(racers) else None})
        d, ns, tun = self.case_dir("race", update)
        with Repeating(flap, interval=0, count=3000, seconds=60,
                       finish=self.cluster.api.close) as racing:
            applied = d.apply(check=False)
        self.assertGreater(racing.calls, 20, "the node labels did not change during the apply")
        self.assert_no_provider_bug(applied)
        self.assertEqual(applied.code, 0, applied)
        self.assertEqual(d.resource(self.ADDRESS)["tun"], tun)
        plan = d.run("plan", "-no-color", "-detailed-exitcode")
        self.assert_no_provider_bug(plan)
        self.assertEqual(plan.code, 0, plan)

    def test_create_apply_racing_node_label_changes(self):
        self.racing_case(update=False)

    def test_update_apply_racing_node_label_changes(self):
        self.racing_case(update=True)

    def test_refresh_only_after_the_cluster_changed(self):
        d, ns = self.update_dir, self.update_ns
        for change in (self.unlabel_node, self.add_node, self.add_cloud_node,
                       self.add_selinux_node, self.remove_runtime_class,
                       self.relabel_namespace):
            change(ns)
        after = self.live_facts()
        refreshed = d.run("apply", "-refresh-only", "-auto-approve", "-no-color")
        self.assert_no_provider_bug(refreshed)
        self.assertEqual(refreshed.code, 0, refreshed)
        values = d.resource(self.ADDRESS)
        self.assertEqual(self.state_facts(values), after)
        self.assertEqual(values["pod_security"], "baseline")  # the drift, seen
        plan = d.run("plan", "-no-color", "-detailed-exitcode")
        self.assert_no_provider_bug(plan)
        self.assertNotEqual(plan.code, 1, plan)
        self.assertIn("Sysbox RuntimeClass Missing", flat(plan.output))
        # The label drift is planned back, and the apply of it is stable too.
        applied = d.apply(check=False)
        self.assert_no_provider_bug(applied)
        self.assertEqual(applied.code, 0, applied)
        self.assert_plan_empty(d)


# --------------------------------------------------------------------------
# Workspaces on the shared fixture.

WORKSPACE_FILES = {"variables.tf": AGENT_TOKEN_VARIABLE}
WORKSPACE_ENV = {"TF_VAR_agent_token": TOKEN}


def workspace_hcl(label, name, namespace, mode="envbox", running=True, team="a", cpu="2",
                  extra=""):
    return f"""
resource "cvm_workspace" "{label}" {{
  name        = "{name}"
  namespace   = "{namespace}"
  mode        = "{mode}"
  inner_image = "{INNER_IMAGE}"
  agent_token = var.agent_token
  running     = {hcl(running)}
  labels      = {{ team = "{team}" }}
  cpu {{
    limit = "{cpu}"
  }}
  memory {{
    limit = "1Gi"
  }}
{extra}}}
"""


class SharedClusterCase(ClusterTestCase):
    tf_files = WORKSPACE_FILES
    tf_env = WORKSPACE_ENV

    @classmethod
    def settled_namespace(cls, ns, labels=None):
        """Creates `ns` and waits for its default service account."""
        cls.cluster.create_namespace(ns, labels)
        cls.addClassCleanup(cls.cluster.delete, f"/api/v1/namespaces/{ns}")
        wait_for(f"service account {ns}/default", lambda: cls.cluster.get(
            f"/api/v1/namespaces/{ns}/serviceaccounts/default"), 60)
        return ns

    def destroy_on_cleanup(self, d):
        self.addCleanup(lambda: d.destroy(check=False))

    def pod(self, ns, name):
        return self.cluster.get(f"/api/v1/namespaces/{ns}/pods/{name}")


@needs_cluster
class WorkspaceSavedPlanTest(SharedClusterCase):
    """One namespace whose settings ConfigMap "another state" edits, one
    RuntimeClass, one bare node whose labels change."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ns = cls.settled_namespace(f"{PREFIX}-ws")
        cls.rc = f"{PREFIX}-ws-rc"
        cls.cluster.api.request("POST", "/apis/node.k8s.io/v1/runtimeclasses", {
            "apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
            "metadata": {"name": cls.rc}, "handler": "sysbox-runc"})
        cls.addClassCleanup(cls.cluster.delete, f"/apis/node.k8s.io/v1/runtimeclasses/{cls.rc}")
        cls.node = f"{PREFIX}-ws-node"
        cls.cluster.add_node(cls.node, {"sysbox-runtime": "running"})
        cls.addClassCleanup(cls.cluster.delete, f"/api/v1/nodes/{cls.node}")
        cls.settings = {"caching": False, "tun": False}
        cls.cluster.api.request("POST", f"/api/v1/namespaces/{cls.ns}/configmaps", {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cvm-cluster-settings", "namespace": cls.ns,
                         "labels": {"app.kubernetes.io/managed-by": "terraform-provider-cvm",
                                    "cvm.coder.com/component": "cluster-settings"}},
            "data": {"caching": "false", "tun": "false", "runtime_class_name": cls.rc}})

    def flip_settings(self):
        """What another state's apply of cvm_cluster_settings does: caching
        and tun toggled in the ConfigMap."""
        s = type(self).settings
        s["caching"], s["tun"] = not s["caching"], not s["tun"]
        self.cluster.merge_patch(
            f"/api/v1/namespaces/{self.ns}/configmaps/cvm-cluster-settings",
            {"data": {"caching": hcl(s["caching"]), "tun": hcl(s["tun"]),
                      "auto_load_shiftfs": "false"}})

    def change_nodes(self):
        """A node loses its Sysbox label and comes back with another one."""
        labels = self.cluster.get(f"/api/v1/nodes/{self.node}")["metadata"]["labels"]
        running = labels.get("sysbox-runtime") == "running"
        self.cluster.label_node(self.node, {"sysbox-runtime": None if running else "running",
                                            "cvm-test/flapped": suffix()})

    def assert_state_matches_cluster(self, d, address, ns, name):
        """The state describes the objects the apply made; returns it."""
        values = d.resource(address)
        self.assertIsNotNone(values, f"{address} not in state")
        pod = self.pod(ns, name)
        if not values["running"]:
            self.assertEqual(values["phase"], "Stopped")
            self.assertIsNone(pod)
            return values
        self.assertIsNotNone(pod, f"pod {ns}/{name}")
        self.assertEqual(pod["metadata"]["annotations"].get("cvm.coder.com/pod-spec-hash"),
                         values["pod_spec_hash"])
        self.assertEqual(host_paths_of(pod), state_host_paths(values))
        return values

    def assert_consistent_or_new_plan_asked(self, result, d, address, ns, name):
        """A saved plan applied after the settings changed: success, with a
        state that matches the cluster, or the provider's own error naming
        the settings change; never Terraform's inconsistency errors."""
        self.assert_no_provider_bug(result)
        if result.code == 0:
            self.assert_state_matches_cluster(d, address, ns, name)
            return
        errors = error_blocks(result.output)
        self.assertTrue(errors, result)
        for e in errors:
            self.assertRegex(flat(e), SETTINGS_CHANGED, result)

    def converge(self, d, address, ns, name):
        """A fresh plan and apply bring the workspace to the configuration
        and the current settings; the plan after it is empty."""
        applied = d.apply(check=False)
        self.assert_no_provider_bug(applied)
        self.assertEqual(applied.code, 0, applied)
        values = self.assert_state_matches_cluster(d, address, ns, name)
        self.assertEqual(values["tun"], self.settings["tun"])
        if values["running"] and values["mode"] == "envbox":
            self.assertEqual(state_host_paths(values),
                             ROW_CACHED if self.settings["caching"] else ROW_OFF)
        self.assert_plan_empty(d)

    def lifecycle(self, mode, update):
        name = f"life-{mode}"
        address = "cvm_workspace.dev"
        d = self.tf(workspace_hcl("dev", name, self.ns, mode))
        self.destroy_on_cleanup(d)
        phases = [("create", {}), ("update", update),
                  ("stop", {**update, "running": False}), ("start", {**update, "running": True})]
        for phase, args in phases:
            with self.subTest(phase):
                d.write("main.tf", self.main_tf(workspace_hcl("dev", name, self.ns, mode,
                                                              **args)))
                plan = d.run("plan", "-no-color", "-input=false", "-out=tfplan")
                self.assert_no_provider_bug(plan)
                self.assertEqual(plan.code, 0, plan)
                self.flip_settings()
                applied = d.apply_plan()
                try:
                    self.assert_consistent_or_new_plan_asked(applied, d, address, self.ns, name)
                finally:
                    # The next phase starts from a converged workspace.
                    self.converge(d, address, self.ns, name)

    def test_envbox_settings_changed_between_plan_and_apply(self):
        self.lifecycle("envbox", {"team": "b"})

    def test_sysbox_settings_changed_between_plan_and_apply(self):
        self.lifecycle("sysbox", {"cpu": "3"})

    def both_modes(self, prefix, **args):
        return (workspace_hcl("env", f"{prefix}-env", self.ns, "envbox", **args) +
                workspace_hcl("sys", f"{prefix}-sys", self.ns, "sysbox", **args))

    def test_node_changes_between_plan_and_apply_do_not_matter(self):
        d = self.tf(self.both_modes("nodes"))
        self.destroy_on_cleanup(d)
        args = {}
        for phase, change in (("create", {}), ("update", {"team": "b"}), ("cpu", {"cpu": "3"}),
                              ("stop", {"running": False}), ("start", {"running": True})):
            args.update(change)
            with self.subTest(phase):
                d.write("main.tf", self.main_tf(self.both_modes("nodes", **args)))
                plan = d.run("plan", "-no-color", "-input=false", "-out=tfplan")
                self.assertEqual(plan.code, 0, plan)
                self.change_nodes()
                applied = d.apply_plan()
                self.assert_no_provider_bug(applied)
                self.assertEqual(applied.code, 0, applied)
                for label in ("env", "sys"):
                    self.assert_state_matches_cluster(d, f"cvm_workspace.{label}", self.ns,
                                                      f"nodes-{label}")
                self.assert_plan_empty(d)

    def test_apply_racing_node_label_changes(self):
        d = self.tf(self.both_modes("race"))
        self.destroy_on_cleanup(d)

        def flap(i):
            self.cluster.label_node(self.node, {
                "sysbox-runtime": "running" if i % 2 else None, "cvm-test/flapped": str(i)})
        for phase, args in (("create", {}), ("update", {"team": "b"})):
            with self.subTest(phase):
                d.write("main.tf", self.main_tf(self.both_modes("race", **args)))
                with Repeating(flap, interval=0.05, count=1000, seconds=60,
                               finish=self.cluster.api.close) as racing:
                    applied = d.apply(check=False)
                self.assertGreater(racing.calls, 5)
                self.assert_no_provider_bug(applied)
                self.assertEqual(applied.code, 0, applied)
                self.assert_plan_empty(d)

    def test_refresh_only_after_the_cluster_changed(self):
        name = "refresh"
        d = self.tf(workspace_hcl("dev", name, self.ns, "envbox"))
        self.destroy_on_cleanup(d)
        d.apply()
        self.flip_settings()
        self.change_nodes()
        refreshed = d.run("apply", "-refresh-only", "-auto-approve", "-no-color")
        self.assert_no_provider_bug(refreshed)
        self.assertEqual(refreshed.code, 0, refreshed)
        plan = d.run("plan", "-no-color", "-detailed-exitcode")
        self.assert_no_provider_bug(plan)
        self.assertNotEqual(plan.code, 1, plan)
        self.converge(d, "cvm_workspace.dev", self.ns, name)


# --------------------------------------------------------------------------
# A namespace made in the same apply by something else.

MAKE_NAMESPACE = """
import os, sys, time
sys.path.insert(0, {scripts!r})
from node_simulator import ApiClient, ApiError, read_env_file

cluster, ns = sys.argv[1], sys.argv[2]
env = read_env_file(os.path.join(cluster, "env"))
api = ApiClient(env["KUBE_HOST"], env["KUBE_CA_FILE"], cert_file=env["KUBE_CLIENT_CERT_FILE"],
                key_file=env["KUBE_CLIENT_KEY_FILE"])
api.request("POST", "/api/v1/namespaces",
            {{"apiVersion": "v1", "kind": "Namespace", "metadata": {{"name": ns}}}})
# As kubernetes_namespace's wait_for_default_service_account.
deadline = time.monotonic() + 60
while True:
    try:
        api.request("GET", f"/api/v1/namespaces/{{ns}}/serviceaccounts/default")
        break
    except ApiError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
"""

PLATFORM_MODULE = """
terraform {
  required_providers {
    cvm = { source = "cvm/cvm" }
  }
}
variable "namespace" {
  type = string
}
resource "cvm_cluster_settings" "this" {
  namespace        = var.namespace
  manage_namespace = true
  caching          = true
  force_destroy    = true
}
"""


@needs_cluster
class OneApplyNamespaceTest(SharedClusterCase):

    def one_apply(self, d, ns, name, row):
        self.addCleanup(self.cluster.delete, f"/api/v1/namespaces/{ns}")
        self.destroy_on_cleanup(d)
        plan = d.run("plan", "-no-color", "-input=false")
        self.assert_no_provider_bug(plan)
        self.assertEqual(plan.code, 0, plan)
        warnings = [b for b in re.split(r"\n[│ ]*(?=Warning: )", plan.output)
                    if b.lstrip("│ ").startswith("Warning:")]
        self.assertTrue(any(ns in flat(w) for w in warnings),
                        f"no warning about namespace {ns}:\n{plan.output}")
        applied = d.apply(check=False)
        self.assert_no_provider_bug(applied)
        self.assertEqual(applied.code, 0, applied)
        values = d.resource("cvm_workspace.dev")
        self.assertEqual(values["phase"], "Running")
        pod = self.pod(ns, name)
        self.assertIsNotNone(pod)
        self.assertEqual(host_paths_of(pod), row)
        self.assertEqual(state_host_paths(values), row)
        self.assert_plan_empty(d)

    def test_namespace_made_by_terraform_data(self):
        ns = f"{PREFIX}-data"
        body = f"""
resource "terraform_data" "namespace" {{
  input = "{ns}"
  provisioner "local-exec" {{
    command = "python3 make_namespace.py {self.cluster.dir} {ns}"
  }}
}}
""" + workspace_hcl("dev", "one", ns, extra="  depends_on = [terraform_data.namespace]\n")
        files = dict(WORKSPACE_FILES)
        files["make_namespace.py"] = MAKE_NAMESPACE.format(scripts=os.path.abspath(CLUSTER_SCRIPTS))
        d = self.tf(body, files=files)
        # No settings in the namespace: the first row of the table.
        self.one_apply(d, ns, "one", ROW_OFF)

    def test_namespace_made_by_settings_in_another_module(self):
        ns = f"{PREFIX}-module"
        body = f"""
module "platform" {{
  source    = "./platform"
  namespace = "{ns}"
}}
""" + workspace_hcl("dev", "one", ns, extra="  depends_on = [module.platform]\n")
        files = dict(WORKSPACE_FILES)
        files["platform/main.tf"] = PLATFORM_MODULE
        d = self.tf(body, files=files)
        # The settings that exist by the workspace's apply: caching.
        self.one_apply(d, ns, "one", ROW_CACHED)

    def test_namespace_never_made_fails_the_apply_clearly(self):
        ns = f"{PREFIX}-never"
        d = self.tf(workspace_hcl("dev", "never", ns))
        plan = d.run("plan", "-no-color", "-input=false")
        self.assert_no_provider_bug(plan)
        self.assertEqual(plan.code, 0, plan)
        applied = d.apply(check=False)
        self.assert_no_provider_bug(applied)
        self.assertEqual(applied.code, 1, applied)
        errors = error_blocks(applied.output)
        self.assertTrue(errors and all(ns in flat(e) for e in errors), applied)
        self.assertIsNone(self.cluster.get(f"/api/v1/namespaces/{ns}"))


def load_tests(loader, tests, pattern):
    """Shared-cluster classes first; the settings tests' own cluster boots meanwhile."""
    suite = unittest.TestSuite()
    for cls in (WorkspaceSavedPlanTest, OneApplyNamespaceTest, SettingsSavedPlanTest):
        suite.addTests(loader.loadTestsFromTestCase(cls))
    return suite


if __name__ == "__main__":
    unittest.main()
