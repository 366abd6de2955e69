"""End-to-end: cvm_cluster_settings against the real API server.

The real terraform CLI drives the built provider (CVM_PROVIDER_BINARY)
against the local control plane of the ctest fixture (CVM_CLUSTER_DIR):
every row of the host path table and the objects it leaves in the cluster,
no-op re-plans, an in-place update, drift (ConfigMap edited and deleted,
RuntimeClass removed, Pod Security label changed, namespace deleted),
import, the data source read from another state, destroy leaving the
cluster as it was, destroy refused while workspaces use the settings, and
every plan-time validation rule failing with its message and no API write
(counted in the API server's audit log).

PlatformTest starts a second control plane of its own (no simulator) and
runs the node simulator with the `aws` and `rhel` presets and a custom node
file in turn, for the platform, GPU-on-cloud and warning checks. It is
started in the background when the module loads, so it boots while the
shared-cluster tests run.

Kubernetes older than 1.18 cannot be served by the 1.20 test API server;
tests/resources/cluster_settings_test.cc covers that rule (CheckAgainstCluster).
"""

import json
import os
import subprocess
import sys
import unittest

from tfharness import (CLUSTER_SCRIPTS, HAVE_CLUSTER, ClusterTestCase, PrivateCluster, flat,
                       hcl, needs_cluster, suffix, wait_for)

# Every object these tests make is named cs-<RUN>-..., so object lists can be
# compared while other test files share the cluster.
RUN = suffix()
PREFIX = f"cs-{RUN}-"

ROWS = {
    # caching, auto_load_shiftfs -> host_path_mounts
    "off": (False, False, [{"path": "/usr/src", "mount_path": "/usr/src", "read_only": True},
                           {"path": "/lib/modules", "mount_path": "/lib/modules", "read_only": True}]),
    "cached": (True, False, [{"path": "/usr/src", "mount_path": "/usr/src", "read_only": True},
                             {"path": "/lib/modules", "mount_path": "/lib/modules", "read_only": True},
                             {"path": "/var/run", "mount_path": "/mnt/host/var/run", "read_only": True},
                             {"path": "/var/lib", "mount_path": "/mnt/host/var/lib", "read_only": False}]),
    "shiftfs": (True, True, [{"path": "/usr/src", "mount_path": "/usr/src", "read_only": False},
                             {"path": "/lib/modules", "mount_path": "/lib/modules", "read_only": False},
                             {"path": "/var/run", "mount_path": "/mnt/host/var/run", "read_only": True},
                             {"path": "/var/lib", "mount_path": "/mnt/host/var/lib", "read_only": False}]),
}
SETTINGS = ("caching", "auto_load_shiftfs", "gpu_vendor", "docker_bridge_cidr", "tun",
            "fuse")


def name(rest):
    return PREFIX + rest


def settings_block(label, namespace, runtime_class=None, **attrs):
    """A cvm_cluster_settings resource (or data source with label 'data.x')."""
    lines = [f'resource "cvm_cluster_settings" "{label}" {{',
             f'  namespace = "{namespace}"']
    lines += [f"  {k} = {hcl(v)}" for k, v in attrs.items()]
    if runtime_class is not None:
        lines.append("  runtime_class {")
        lines += [f"    {k} = {hcl(v)}" for k, v in runtime_class.items()]
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def changed_attributes(change):
    """Top-level attributes whose planned value is known and differs from before."""
    before, after = change["before"] or {}, change["after"] or {}
    unknown = change.get("after_unknown") or {}
    return sorted(k for k in after
                  if unknown.get(k) is not True and before.get(k) != after.get(k))


def unknown_attributes(change):
    return sorted(k for k, v in (change.get("after_unknown") or {}).items() if v is True)


class SettingsTestCase(ClusterTestCase):
    """Shared helpers for tests against the fixture's cluster."""

    def config_map(self, ns):
        return self.cluster.get(f"/api/v1/namespaces/{ns}/configmaps/cvm-cluster-settings")

    def runtime_class(self, rc):
        return self.cluster.get(f"/apis/node.k8s.io/v1/runtimeclasses/{rc}")

    def namespace(self, ns):
        return self.cluster.get(f"/api/v1/namespaces/{ns}")

    def assertSingleChange(self, d, address, actions, changed):
        """plan -out + show -json: exactly one resource change, of `actions`,
        whose known differences are exactly `changed`."""
        plan = d.plan_json()
        changes = [c for c in plan["resource_changes"] if c["change"]["actions"] != ["no-op"]]
        self.assertEqual([c["address"] for c in changes], [address], json.dumps(changes))
        change = changes[0]["change"]
        self.assertEqual(change["actions"], actions)
        if actions == ["update"]:
            self.assertEqual(changed_attributes(change), sorted(changed))
            # Every update here changes a setting workspace pods follow, so
            # the id is planned unknown: workspaces that reference it plan
            # from the new settings in the same apply. It stays the namespace.
            self.assertEqual(unknown_attributes(change), ["id"])
            self.assertFalse(changes[0].get("action_reason"), changes[0])
        return change

    def assertNamespaceLabels(self, ns, level):
        labels = self.namespace(ns)["metadata"].get("labels", {})
        for mode in ("enforce", "warn", "audit"):
            self.assertEqual(labels.get(f"pod-security.kubernetes.io/{mode}"), level, labels)

    def sysbox_ready_nodes(self):
        nodes = self.cluster.api.request("GET", "/api/v1/nodes")["items"]
        return sum(1 for n in nodes
                   if n["metadata"].get("labels", {}).get("sysbox-runtime") == "running" and
                   not any(t.get("key") == "sysbox-runtime" and t.get("value") == "not-running"
                           for t in n.get("spec", {}).get("taints", [])))


@needs_cluster
class HostPathTableTest(SettingsTestCase):
    """One apply with a resource per row of the host path table."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        body = ""
        for row, (caching, shiftfs, _) in ROWS.items():
            body += settings_block(row, name(row), manage_namespace=True, caching=caching,
                                   auto_load_shiftfs=shiftfs,
                                   runtime_class={"name": name(f"{row}-rc"), "manage": True})
        cls.body = body
        cls.workdir = cls.class_tf(body)
        cls.plan = cls.workdir.plan_json()
        cls.apply = cls.workdir.apply()

    @classmethod
    def tearDownClass(cls):
        cls.workdir.destroy()
        super().tearDownClass()

    def test_host_path_mounts_are_known_at_plan_time(self):
        changes = {c["name"]: c["change"] for c in self.plan["resource_changes"]}
        for row, (_, _, mounts) in ROWS.items():
            with self.subTest(row):
                self.assertEqual(changes[row]["actions"], ["create"])
                self.assertEqual(changes[row]["after"]["host_path_mounts"], mounts)
                # The id and the facts of the live cluster wait for the
                # apply: a saved plan must apply the same way whatever the
                # nodes do in between.
                self.assertEqual(unknown_attributes(changes[row]),
                                 ["id", "kubernetes_version", "platform",
                                  "sysbox_ready_nodes", "warnings"])

    def test_each_row_lands_in_the_cluster(self):
        for row, (caching, shiftfs, mounts) in ROWS.items():
            with self.subTest(row):
                ns, rc = name(row), name(f"{row}-rc")
                cm = self.config_map(ns)
                self.assertIsNotNone(cm)
                data = cm["data"]
                self.assertEqual(data["caching"], hcl(caching))
                self.assertEqual(data["auto_load_shiftfs"], hcl(shiftfs))
                self.assertEqual(json.loads(data["host_path_mounts"]), mounts)
                self.assertEqual(data["gpu_vendor"], "none")
                self.assertEqual(data["docker_bridge_cidr"], "172.19.0.0/30")
                self.assertEqual(data["runtime_class_name"], rc)
                self.assertEqual(cm["metadata"]["labels"]["app.kubernetes.io/managed-by"],
                                 "terraform-provider-cvm")
                runtime_class = self.runtime_class(rc)
                self.assertEqual(runtime_class["handler"], "sysbox-runc")
                self.assertEqual(runtime_class["scheduling"]["nodeSelector"],
                                 {"sysbox-runtime": "running"})
                self.assertNamespaceLabels(ns, "privileged")
                # The field manager owns what it applied.
                managers = {m["manager"] for m in cm["metadata"]["managedFields"]}
                self.assertIn("terraform-provider-cvm", managers)
                state = self.workdir.resource(f"cvm_cluster_settings.{row}")
                self.assertEqual(state["id"], ns)
                self.assertEqual(state["host_path_mounts"], mounts)
                self.assertEqual(state["kubernetes_version"],
                                 "v" + self.cluster.env["CVM_KUBE_VERSION"])
                self.assertEqual(state["platform"], "bare-metal")

    def test_computed_cluster_facts(self):
        ready = self.sysbox_ready_nodes()
        for row in ROWS:
            with self.subTest(row):
                state = self.workdir.resource(f"cvm_cluster_settings.{row}")
                self.assertEqual(state["kubernetes_version"],
                                 "v" + self.cluster.env["CVM_KUBE_VERSION"])
                self.assertEqual(state["platform"], "bare-metal")
                # Other tests may add simulated nodes meanwhile; the fixture's
                # own two are Sysbox-ready.
                self.assertGreaterEqual(state["sysbox_ready_nodes"], 2)
                self.assertLessEqual(abs(state["sysbox_ready_nodes"] - ready), 4)
                self.assertEqual(state["warnings"], [])

    def test_plan_again_shows_no_changes(self):
        self.assert_plan_empty(self.workdir)

    def test_import_by_namespace_then_empty_plan(self):
        row = "shiftfs"
        caching, shiftfs, mounts = ROWS[row]
        # Never destroyed: the objects belong to setUpClass.
        d = self.tf(settings_block(
            "imported", name(row), manage_namespace=True, caching=caching,
            auto_load_shiftfs=shiftfs,
            runtime_class={"name": name(f"{row}-rc"), "manage": True}))
        result = d.run("import", "-no-color", "cvm_cluster_settings.imported", name(row))
        self.assertEqual(result.code, 0, result)
        self.assertIn("Import successful", result.stdout)
        state = d.resource("cvm_cluster_settings.imported")
        self.assertEqual(state["host_path_mounts"], mounts)
        self.assertEqual(state["runtime_class"]["name"], name(f"{row}-rc"))
        self.assert_plan_empty(d)
        # A namespace without settings cannot be imported.
        result = d.run("import", "-no-color", "cvm_cluster_settings.imported",
                       name("nothing-here"))
        self.assertEqual(result.code, 1, result)
        self.assertIn("has no cvm-cluster-settings ConfigMap", flat(result.output))

    def test_data_source_reads_settings_from_another_state(self):
        body = ""
        for row in ROWS:
            body += (f'data "cvm_cluster_settings" "{row}" {{\n'
                     f'  namespace = "{name(row)}"\n}}\n'
                     f'output "{row}" {{\n  value = data.cvm_cluster_settings.{row}\n}}\n')
        d = self.tf(body)
        d.apply()
        outputs = json.loads(d.run("output", "-json", check=True).stdout)
        for row, (caching, shiftfs, mounts) in ROWS.items():
            with self.subTest(row):
                value = outputs[row]["value"]
                self.assertEqual(value["id"], name(row))
                self.assertEqual(value["caching"], caching)
                self.assertEqual(value["auto_load_shiftfs"], shiftfs)
                self.assertEqual(value["host_path_mounts"], mounts)
                self.assertEqual(value["gpu_vendor"], "none")
                self.assertTrue(value["manage_namespace"])
                self.assertEqual(value["runtime_class"]["name"], name(f"{row}-rc"))
                self.assertTrue(value["runtime_class"]["manage"])
                self.assertEqual(value["kubernetes_version"],
                                 "v" + self.cluster.env["CVM_KUBE_VERSION"])
                self.assertEqual(value["platform"], "bare-metal")
        # A namespace without settings is a clear error.
        d.write("main.tf",
                self.main_tf('data "cvm_cluster_settings" "x" {\n  namespace = "default"\n}\n'))
        result = d.plan()
        self.assertEqual(result.code, 1, result)
        self.assertIn("Namespace default has no cvm-cluster-settings ConfigMap",
                      flat(result.output))


@needs_cluster
class UpdateAndDriftTest(SettingsTestCase):
    """One resource; each test changes one thing and restores it."""

    ADDRESS = "cvm_cluster_settings.main"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ns, cls.rc = name("drift"), name("drift-rc")
        cls.workdir = cls.class_tf(cls.config())
        cls.workdir.apply()

    @classmethod
    def tearDownClass(cls):
        cls.workdir.destroy()
        super().tearDownClass()

    @classmethod
    def config(cls, caching=False):
        return settings_block("main", cls.ns, manage_namespace=True, caching=caching,
                              runtime_class={"name": cls.rc, "manage": True})

    def write(self, body):
        self.workdir.write("main.tf", self.main_tf(body))

    def tearDown(self):
        # Every test leaves the configuration and the cluster as they were.
        self.write(self.config())
        self.assert_plan_empty(self.workdir)

    def test_caching_change_is_an_in_place_update(self):
        self.write(self.config(caching=True))
        change = self.assertSingleChange(self.workdir, self.ADDRESS, ["update"],
                                         ["caching", "host_path_mounts"])
        self.assertEqual(change["after"]["host_path_mounts"], ROWS["cached"][2])
        result = self.workdir.run("show", "-no-color", "tfplan", check=True)
        self.assertIn("updated in-place", result.stdout)
        self.assertIn("~ caching ", result.stdout)
        # The mounts are known at plan time; only the id is (for workspaces).
        later = [l.strip() for l in result.stdout.splitlines() if "known after apply" in l]
        self.assertEqual(later, [f'~ id                 = "{self.ns}" -> (known after apply)'])
        self.assertIn("0 to add, 1 to change, 0 to destroy", result.stdout)
        self.assertNotIn("must be replaced", result.stdout)
        self.workdir.apply()
        self.assertEqual(self.config_map(self.ns)["data"]["caching"], "true")
        self.assertEqual(self.workdir.resource(self.ADDRESS)["id"], self.ns)
        self.assertEqual(self.workdir.resource(self.ADDRESS)["host_path_mounts"],
                         ROWS["cached"][2])
        self.assert_plan_empty(self.workdir)
        self.write(self.config())
        self.workdir.apply()
        self.assertEqual(self.config_map(self.ns)["data"]["caching"], "false")

    def test_drift_config_map_edited_by_hand(self):
        self.cluster.merge_patch(f"/api/v1/namespaces/{self.ns}/configmaps/cvm-cluster-settings",
                         {"data": {"caching": "true"}})
        change = self.assertSingleChange(self.workdir, self.ADDRESS, ["update"],
                                         ["caching", "host_path_mounts"])
        self.assertIs(change["before"]["caching"], True)
        self.assertIs(change["after"]["caching"], False)
        self.workdir.apply()
        self.assertEqual(self.config_map(self.ns)["data"]["caching"], "false")

    def test_drift_config_map_deleted_by_hand(self):
        self.cluster.delete(f"/api/v1/namespaces/{self.ns}/configmaps/cvm-cluster-settings")
        change = self.assertSingleChange(self.workdir, self.ADDRESS, ["update"], SETTINGS)
        for key in SETTINGS:
            self.assertIsNone(change["before"][key], key)
        self.workdir.apply()
        self.assertEqual(self.config_map(self.ns)["data"]["caching"], "false")

    def test_drift_runtime_class_removed(self):
        self.cluster.delete(f"/apis/node.k8s.io/v1/runtimeclasses/{self.rc}")
        self.cluster.wait_gone(f"/apis/node.k8s.io/v1/runtimeclasses/{self.rc}")
        change = self.assertSingleChange(self.workdir, self.ADDRESS, ["update"],
                                         ["runtime_class"])
        self.assertIsNone(change["before"]["runtime_class"]["handler"])
        self.assertEqual(change["after"]["runtime_class"]["handler"], "sysbox-runc")
        self.workdir.apply()
        self.assertEqual(self.runtime_class(self.rc)["handler"], "sysbox-runc")

    def test_drift_pod_security_label_changed(self):
        self.cluster.merge_patch(f"/api/v1/namespaces/{self.ns}", {"metadata": {"labels": {
            "pod-security.kubernetes.io/enforce": "baseline", "team": "web"}}})
        change = self.assertSingleChange(self.workdir, self.ADDRESS, ["update"],
                                         ["pod_security"])
        self.assertEqual(change["before"]["pod_security"], "baseline")
        self.assertEqual(change["after"]["pod_security"], "privileged")
        self.workdir.apply()
        self.assertNamespaceLabels(self.ns, "privileged")
        # A label someone else set stays.
        self.assertEqual(self.namespace(self.ns)["metadata"]["labels"]["team"], "web")


@needs_cluster
class DestroyTest(SettingsTestCase):

    def snapshot(self):
        """Our part of the cluster: namespaces, RuntimeClasses and ConfigMaps
        (with their labels and resourceVersions) named with this run's prefix."""
        api = self.cluster.api
        namespaces = {n["metadata"]["name"]: n["metadata"].get("labels", {})
                      for n in api.request("GET", "/api/v1/namespaces")["items"]
                      if n["metadata"]["name"].startswith(PREFIX)}
        classes = {r["metadata"]["name"]: (r["handler"], r["metadata"]["resourceVersion"])
                   for r in api.request("GET", "/apis/node.k8s.io/v1/runtimeclasses")["items"]
                   if r["metadata"]["name"].startswith(PREFIX)}
        config_maps = sorted(f'{c["metadata"]["namespace"]}/{c["metadata"]["name"]}'
                             for c in api.request("GET", "/api/v1/configmaps")["items"]
                             if c["metadata"]["namespace"].startswith(PREFIX))
        return {"namespaces": namespaces, "runtimeclasses": classes,
                "configmaps": config_maps}

    def test_destroy_leaves_the_cluster_as_it_was(self):
        existing_ns = self.new_namespace(name("existing"), {"team": "platform"})
        new_ns = name("created")
        existing_rc, new_rc = name("existing-rc"), name("created-rc")
        self.create_runtime_class(existing_rc, "sysbox-runc")
        wait_for("kube-root-ca.crt", lambda: self.cluster.get(
            f"/api/v1/namespaces/{existing_ns}/configmaps/kube-root-ca.crt"))
        before = self.snapshot()

        d = self.tf(
            settings_block("existing", existing_ns, manage_namespace=True, caching=True,
                           runtime_class={"name": existing_rc})  # only checked
            + settings_block("created", new_ns, manage_namespace=True,
                             runtime_class={"name": new_rc, "manage": True}))
        d.apply()
        self.assertNamespaceLabels(existing_ns, "privileged")
        self.assertEqual(self.namespace(existing_ns)["metadata"]["labels"]["team"], "platform")
        self.assertNamespaceLabels(new_ns, "privileged")
        self.assertIsNotNone(self.config_map(existing_ns))
        self.assertIsNotNone(self.runtime_class(new_rc))
        self.assertNotEqual(self.snapshot(), before)

        d.destroy()
        after = self.snapshot()
        self.assertEqual(after, before)
        # In words: the namespace it created is gone, the one it found keeps
        # only its own labels, the checked RuntimeClass was not even written.
        self.assertNotIn(new_ns, after["namespaces"])
        self.assertEqual(after["namespaces"][existing_ns], {"team": "platform"})
        self.assertEqual(after["runtimeclasses"][existing_rc],
                         before["runtimeclasses"][existing_rc])
        self.assertNotIn(new_rc, after["runtimeclasses"])

    def test_destroy_refused_while_workspaces_use_the_settings(self):
        ns = self.new_namespace(name("in-use"))
        body = settings_block("main", ns, caching=True)
        d = self.tf(body)
        d.apply()
        # What a cvm_workspace leaves in the namespace: its labelled home claim.
        self.cluster.api.request("POST", f"/api/v1/namespaces/{ns}/persistentvolumeclaims", {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "coder-alice-dev-home", "labels": {
                "app.kubernetes.io/managed-by": "terraform-provider-cvm",
                "cvm.coder.com/component": "workspace",
                "cvm.coder.com/workspace": "alice-dev"}},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}})

        result = d.destroy(check=False)
        self.assertEqual(result.code, 1, result)
        text = flat(result.output)
        self.assertIn("Cluster Settings Still in Use", text)
        self.assertIn("alice-dev", text)
        self.assertIn("force_destroy = true", text)
        self.assertIsNotNone(self.config_map(ns))
        self.assertIsNotNone(d.resource("cvm_cluster_settings.main"))

        d.write("main.tf",
                self.main_tf(settings_block("main", ns, caching=True, force_destroy=True)))
        d.apply()
        d.destroy()
        self.assertIsNone(self.config_map(ns))
        # The workspace's objects are not the settings' to delete.
        self.assertIsNotNone(self.cluster.get(
            f"/api/v1/namespaces/{ns}/persistentvolumeclaims/coder-alice-dev-home"))

    def test_namespace_deleted_removes_the_resource_from_state(self):
        ns = name("vanishing")
        d = self.tf(settings_block("main", ns, manage_namespace=True))
        d.apply()
        self.cluster.delete(f"/api/v1/namespaces/{ns}")
        self.cluster.wait_gone(f"/api/v1/namespaces/{ns}", timeout=120)
        self.assertSingleChange(d, "cvm_cluster_settings.main", ["create"], [])
        result = d.plan()
        self.assertIn("1 to add, 0 to change, 0 to destroy", result.stdout)


@needs_cluster
class ValidationTest(SettingsTestCase):
    """Each rule fails the plan with its message and makes no API write."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.field_manager = f"cvm-e2e-{RUN}"
        cls.field_manager_provider = cls.cluster.provider_block(
            f'  field_manager = "{cls.field_manager}"\n')
        cls.workdir = cls.class_tf("", cls.field_manager_provider)

    def plan_fails(self, body, attribute, message, names):
        self.workdir.write("main.tf", self.main_tf(body, self.field_manager_provider))
        offset = self.cluster.audit.mark()
        result = self.workdir.plan()
        self.assertEqual(result.code, 1, result)
        text = flat(result.output)
        self.assertIn(attribute, text)
        self.assertIn(message, text)
        self.assertEqual(self.cluster.audit.writes_since(offset, names, self.field_manager), [])
        return offset

    def test_rules_checked_without_the_cluster(self):
        cases = [
            ("auto_load_shiftfs without caching", {"auto_load_shiftfs": True},
             "auto_load_shiftfs = true", "Set caching = true"),
            ("amd gpu", {"gpu_vendor": "amd"}, 'gpu_vendor = "amd"', "not supported"),
            ("nvidia with caching", {"gpu_vendor": "nvidia", "caching": True},
             'gpu_vendor = "nvidia"', "GPUs are not supported with cached CVMs"),
            ("ipv6 bridge", {"docker_bridge_cidr": "fd00:19::/64"}, "docker_bridge_cidr",
             "supports IPv4 only"),
            ("malformed bridge", {"docker_bridge_cidr": "172.19.0/30"}, "docker_bridge_cidr",
             "is not an IPv4 CIDR"),
            ("bridge too small", {"docker_bridge_cidr": "172.19.0.0/31"},
             "docker_bridge_cidr", "needs at least 2 hosts, so use a /30 or larger"),
        ]
        for i, (case, attrs, attribute, message) in enumerate(cases):
            with self.subTest(case):
                ns, rc = name(f"invalid-{i}"), name(f"invalid-{i}-rc")
                body = settings_block("s", ns, manage_namespace=True,
                                      runtime_class={"name": rc, "manage": True}, **attrs)
                self.plan_fails(body, attribute, message, {ns, rc})
                self.assertIsNone(self.namespace(ns))

    def test_existing_runtime_class_with_another_handler(self):
        ns, rc = name("handler"), name("handler-rc")
        self.create_runtime_class(rc, "runc")
        before = self.runtime_class(rc)["metadata"]["resourceVersion"]
        body = settings_block("s", ns, manage_namespace=True, runtime_class={"name": rc})
        offset = self.plan_fails(body, "runtime_class", f'RuntimeClass {rc} exists with '
                                 'handler "runc", not "sysbox-runc"', {ns, rc})
        # The plan did talk to the cluster (it read the RuntimeClass), as cvm-admin.
        reads = self.cluster.audit.provider_requests_since(offset)
        self.assertTrue(any((e.get("objectRef") or {}).get("name") == rc for e in reads),
                        reads)
        self.assertEqual(self.runtime_class(rc)["metadata"]["resourceVersion"], before)
        self.assertIsNone(self.namespace(ns))
        # The same RuntimeClass with manage = true: the handler is immutable
        # and it is not ours, so that is refused too.
        body = settings_block("s", ns, manage_namespace=True,
                              runtime_class={"name": rc, "manage": True})
        self.plan_fails(body, "runtime_class", "handler cannot be changed", {ns, rc})


# --------------------------------------------------------------------------
# A second control plane for node presets other than the fixture's.

_PLATFORM = {"cluster": None}


def start_platform_cluster():
    if not HAVE_CLUSTER or _PLATFORM["cluster"] is not None:
        return
    _PLATFORM["cluster"] = PrivateCluster("--no-simulator", "--timeout", "300")


def stop_platform_cluster():
    if _PLATFORM["cluster"] is None:
        return
    _PLATFORM["cluster"].stop()
    _PLATFORM["cluster"] = None


def setUpModule():
    # Boot it while the other classes run (CVM_CS_LAZY_PLATFORM=1: only when
    # PlatformTest itself starts, for running single tests).
    if os.environ.get("CVM_CS_LAZY_PLATFORM") != "1":
        start_platform_cluster()


def tearDownModule():
    stop_platform_cluster()


@needs_cluster
class PlatformTest(ClusterTestCase):
    """The node presets aws and rhel and a custom node file, in turn, on a
    cluster of our own."""

    @classmethod
    def setUpClass(cls):
        start_platform_cluster()
        _PLATFORM["cluster"].wait()
        cls.cluster_dir = _PLATFORM["cluster"].dir
        super().setUpClass()

    def start_nodes(self, config):
        """Runs a node simulator with `config` (a node file) until the test ends."""
        ready = os.path.join(self.cluster.dir, f"sim-{suffix()}.ready")
        proc = subprocess.Popen(
            [sys.executable, os.path.join(CLUSTER_SCRIPTS, "node_simulator.py"),
             "--cluster-dir", self.cluster.dir, "--config", config, "--no-provisioner",
             "--delete-nodes-on-exit", "--ready-file", ready,
             "--log-file", ready + ".log"])

        def stop():
            proc.terminate()
            proc.wait(timeout=30)
            wait_for("the simulated nodes' removal",
                     lambda: not self.cluster.api.request("GET", "/api/v1/nodes")["items"], 30)
        self.addCleanup(stop)

        def started():
            if os.path.exists(ready) and os.path.getsize(ready) > 0:
                return True
            if proc.poll() is not None:
                raise AssertionError(f"node simulator did not start ({config})")
            return False
        wait_for(f"the node simulator ({config})", started, 60)

    def test_aws_nodes_platform_and_gpu_refused(self):
        self.start_nodes(os.path.join(CLUSTER_SCRIPTS, "nodes", "aws.json"))
        ns, rc = name("aws-gpu"), name("aws-gpu-rc")
        d = self.tf(settings_block("gpu", ns, manage_namespace=True, gpu_vendor="nvidia",
                                   runtime_class={"name": rc, "manage": True}))
        offset = self.cluster.audit.mark()
        result = d.plan()
        self.assertEqual(result.code, 1, result)
        text = flat(result.output)
        self.assertIn("GPUs Need a Bare-Metal Cluster", text)
        self.assertIn('gpu_vendor = "nvidia"', text)
        self.assertIn('nodes run on "aws"', text)
        # This cluster is ours alone: no write by cvm-admin at all.
        self.assertEqual(self.cluster.audit.writes_since(offset, None), [])
        self.assertTrue(self.cluster.audit.provider_requests_since(offset))  # it did read nodes

        d.write("main.tf", self.main_tf(settings_block("main", name("aws"),
                                                       manage_namespace=True)))
        d.apply()
        state = d.resource("cvm_cluster_settings.main")
        self.assertEqual(state["platform"], "aws")
        self.assertEqual(state["sysbox_ready_nodes"], 2)
        self.assertEqual(state["warnings"], [])

    def test_rhel_nodes_warn_about_selinux(self):
        self.start_nodes(os.path.join(CLUSTER_SCRIPTS, "nodes", "rhel.json"))
        d = self.tf(settings_block("main", name("rhel"), manage_namespace=True))
        result = d.apply()
        text = flat(result.output)
        self.assertIn("Warning: Cluster Check", text)
        self.assertIn("SELinux-family OS image", text)
        state = d.resource("cvm_cluster_settings.main")
        self.assertEqual(state["platform"], "bare-metal")
        self.assertEqual(state["sysbox_ready_nodes"], 2)
        self.assertEqual(len(state["warnings"]), 1, state["warnings"])
        self.assertIn("cvm-rhel-node-1, cvm-rhel-node-2 run an SELinux-family OS image",
                      state["warnings"][0])

    def test_custom_nodes_without_sysbox_warn(self):
        nodes = os.path.join(self.cluster.dir, "no-sysbox.json")
        with open(nodes, "w") as f:
            json.dump({"nodes": [
                {"name": "plain", "count": 1, "labels": {}},
                {"name": "installing", "count": 1,
                 "labels": {"sysbox-runtime": "installing"},
                 "taints": [{"key": "sysbox-runtime", "value": "not-running",
                             "effect": "NoSchedule"}]}]}, f)
        self.start_nodes(nodes)
        d = self.tf(settings_block("main", name("plain"), manage_namespace=True))
        result = d.apply()
        self.assertIn("No node is labelled sysbox-runtime=running", flat(result.output))
        state = d.resource("cvm_cluster_settings.main")
        self.assertEqual(state["sysbox_ready_nodes"], 0)
        self.assertEqual(state["platform"], "bare-metal")
        self.assertEqual(len(state["warnings"]), 1, state["warnings"])
        self.assertIn("No node is labelled sysbox-runtime=running", state["warnings"][0])


def load_tests(loader, tests, pattern):
    """Shared-cluster classes first; PlatformTest last (its cluster boots meanwhile)."""
    suite = unittest.TestSuite()
    for cls in (ValidationTest, HostPathTableTest, UpdateAndDriftTest, DestroyTest,
                PlatformTest):
        suite.addTests(loader.loadTestsFromTestCase(cls))
    return suite


if __name__ == "__main__":
    unittest.main()
