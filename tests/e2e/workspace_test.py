"""End-to-end: cvm_workspace and cvm_workspace_manifest.

The real terraform CLI runs the built provider against the local control
plane (tests/cluster: kube-apiserver 1.20.2 and the node simulator). Every
test works in namespaces of its own (and RuntimeClasses with unique names),
so the suite shares the cvm_cluster fixture with other test groups.

What is checked, on the objects in the cluster:
  * each host-path row of the cluster settings table (envbox) and sysbox
    mode; plan after apply is empty;
  * stop/start keep the claim; a pod deleted by hand is recreated; import
    by namespace/name gives an empty plan; destroy leaves the namespace as
    it was;
  * a settings change (caching toggled) replaces the pod, with a warning;
  * a failing pod's error carries its Warning events and the state keeps
    tracking the (tainted) objects; destroy removes them;
  * a missing image (the simulator's kubelet-like ErrImagePull, then
    ImagePullBackOff) fails apply in seconds with containerd's message and
    the pod's events; an unreachable registry is waited out, and the
    timeout's error says what the container status showed;
  * timeouts and wait_for_ready = false;
  * every plan-time validation rule (exit 1, the attribute named, no API
    write);
  * the agent token is in none of: pod spec, plan JSON, state, trace logs;
  * cvm_workspace_manifest renders the live pod with no API call.
"""

import base64
import concurrent.futures
import hashlib
import json
import re
import unittest

from tfharness import (AGENT_TOKEN_VARIABLE, INNER_IMAGE, ApiClient, ApiError,
                       ClusterTestCase, error_blocks, flat, hcl, needs_cluster, suffix,
                       wait_for)

TOKEN = "cvm-e2e-ws-agent-token-3f9a1c77d2"
TOKEN_B64 = base64.b64encode(TOKEN.encode()).decode()
TOKEN_SHA = hashlib.sha256(TOKEN.encode()).hexdigest()

# The cluster settings table: (caching, auto_load_shiftfs) -> host paths
# (node path, path in the outer container, read-only).
ROW_OFF = [("/usr/src", "/usr/src", True), ("/lib/modules", "/lib/modules", True)]
ROW_CACHED = ROW_OFF + [("/var/run", "/mnt/host/var/run", True),
                        ("/var/lib", "/mnt/host/var/lib", False)]
ROW_SHIFTFS = [("/usr/src", "/usr/src", False), ("/lib/modules", "/lib/modules", False),
               ("/var/run", "/mnt/host/var/run", True), ("/var/lib", "/mnt/host/var/lib", False)]


def workspace_hcl(label, name, namespace, extra="", token=True):
    token_line = "  agent_token = var.agent_token\n" if token else ""
    return f"""
resource "cvm_workspace" "{label}" {{
  name        = "{name}"
  namespace   = {namespace}
  inner_image = "{INNER_IMAGE}"
{token_line}
  cpu {{
    limit = "2"
  }}
  memory {{
    limit = "4Gi"
  }}
{extra}
}}
"""


def host_paths_of(pod):
    """[(path, mountPath, readOnly)] of the hostPath volumes of container dev, in
    volume order."""
    spec = pod["spec"]
    mounts = {m["name"]: m for c in spec["containers"] if c["name"] == "dev"
              for m in c.get("volumeMounts", [])}
    out = []
    for v in spec.get("volumes", []):
        if "hostPath" in v:
            m = mounts[v["name"]]
            out.append((v["hostPath"]["path"], m["mountPath"], bool(m.get("readOnly", False))))
    return out


def state_host_paths(values):
    return [(m["path"], m["mount_path"], m["read_only"]) for m in values["host_path_mounts"]]


def container(pod, name="dev"):
    return next(c for c in pod["spec"]["containers"] if c["name"] == name)


def env_of(pod):
    return {e["name"]: e for e in container(pod).get("env", [])}


class WorkspaceTestBase(ClusterTestCase):
    tf_files = {"variables.tf": AGENT_TOKEN_VARIABLE}
    tf_env = {"TF_VAR_agent_token": TOKEN}

    def settings_config_map(self, ns, data):
        body = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "cvm-cluster-settings", "namespace": ns,
                             "labels": {"app.kubernetes.io/managed-by": "terraform-provider-cvm",
                                        "cvm.coder.com/component": "cluster-settings"}},
                "data": data}
        self.cluster.api.request("POST", f"/api/v1/namespaces/{ns}/configmaps", body)

    def destroy_on_cleanup(self, d):
        # Registered after tf(), so it runs before the directory is removed.
        self.addCleanup(lambda: d.destroy(check=False))

    def pod(self, ns, name):
        return self.cluster.get(f"/api/v1/namespaces/{ns}/pods/{name}")

    def claim(self, ns, name):
        return self.cluster.get(f"/api/v1/namespaces/{ns}/persistentvolumeclaims/{name}-home")

    def secret(self, ns, name):
        return self.cluster.get(f"/api/v1/namespaces/{ns}/secrets/{name}-agent")

    def assert_token_absent(self, text, where):
        self.assertNotIn(TOKEN, text, f"agent token in clear in {where}")
        self.assertNotIn(TOKEN_B64, text, f"agent token (base64) in {where}")

    def namespace_objects(self, ns):
        """Names of the namespace's objects (everything a workspace could leave behind)."""
        out = {}
        for kind in ("pods", "persistentvolumeclaims", "secrets", "configmaps",
                     "serviceaccounts", "services", "endpoints"):
            out[kind] = self.cluster.names(f"/api/v1/namespaces/{ns}/{kind}")
        volumes = self.cluster.api.request("GET", "/api/v1/persistentvolumes").get("items", [])
        out["persistentvolumes"] = sorted(
            v["metadata"]["name"] for v in volumes
            if v["spec"].get("claimRef", {}).get("namespace") == ns)
        return out

    def settled_namespace(self, prefix, labels=None):
        """A new namespace once its controllers created the default objects."""
        ns = self.new_namespace(prefix, labels)

        def ready():
            secrets = self.cluster.names(f"/api/v1/namespaces/{ns}/secrets")
            maps = self.cluster.names(f"/api/v1/namespaces/{ns}/configmaps")
            return any(s.startswith("default-token-") for s in secrets) and \
                "kube-root-ca.crt" in maps
        wait_for(f"namespace {ns} settled", ready, timeout=60)
        return ns


@needs_cluster
class WorkspaceModesTest(WorkspaceTestBase):
    def test_host_paths_per_settings_row_and_sysbox_mode(self):
        sfx = suffix()
        ns_off, ns_cached, ns_shiftfs, ns_sysbox = (
            f"ws-{row}-{sfx}" for row in ("off", "cached", "shiftfs", "sysbox"))
        runtime_class = f"sysbox-e2e-{sfx}"
        for ns in (ns_off, ns_cached, ns_shiftfs, ns_sysbox):
            self.addCleanup(self.cluster.delete, f"/api/v1/namespaces/{ns}")
        self.addCleanup(self.cluster.delete,
                        f"/apis/node.k8s.io/v1/runtimeclasses/{runtime_class}")
        # Row 3 from a ConfigMap written by another state (the platform team's).
        self.cluster.create_namespace(ns_shiftfs)
        self.settings_config_map(ns_shiftfs, {"caching": "true", "auto_load_shiftfs": "true"})
        # force_destroy: cvm_cluster_settings refuses at plan time to be
        # destroyed while workspaces exist, even those destroyed first in the
        # same run.
        main_tf = f"""
resource "cvm_cluster_settings" "off" {{
  namespace        = "{ns_off}"
  manage_namespace = true
  force_destroy    = true
}}
resource "cvm_cluster_settings" "cached" {{
  namespace        = "{ns_cached}"
  manage_namespace = true
  caching          = true
  force_destroy    = true
}}
resource "cvm_cluster_settings" "sysbox" {{
  namespace        = "{ns_sysbox}"
  manage_namespace = true
  force_destroy    = true
  runtime_class {{
    name   = "{runtime_class}"
    manage = true
  }}
}}
""" + workspace_hcl("off", "ws-off", "cvm_cluster_settings.off.namespace",
                    "  cluster_settings_id = cvm_cluster_settings.off.id") + \
            workspace_hcl("cached", "ws-cached", "cvm_cluster_settings.cached.namespace",
                          "  cluster_settings_id = cvm_cluster_settings.cached.id") + \
            workspace_hcl("shiftfs", "ws-shiftfs", hcl(ns_shiftfs)) + \
            workspace_hcl("sysbox", "ws-sysbox", "cvm_cluster_settings.sysbox.namespace",
                          '  mode = "sysbox"\n'
                          "  cluster_settings_id = cvm_cluster_settings.sysbox.id")
        d = self.tf(main_tf)
        self.destroy_on_cleanup(d)
        plan = d.plan()
        self.assertEqual(plan.code, 0, plan)
        self.assertIn("Plan: 7 to add", plan.stdout)
        # New workspaces: the mounts are read from the settings at apply,
        # whether the settings are created in the same apply or stored.
        planned = {b.split(" ", 1)[0]: b for b in re.split(r"\n  # ", plan.stdout)[1:]}
        for label in ("off", "cached", "shiftfs", "sysbox"):
            self.assertRegex(planned[f"cvm_workspace.{label}"],
                             r"host_path_mounts\s+= \(known after apply\)")
        d.apply()

        for label, ns, row in (("off", ns_off, ROW_OFF), ("cached", ns_cached, ROW_CACHED),
                               ("shiftfs", ns_shiftfs, ROW_SHIFTFS)):
            with self.subTest(row=label):
                name = f"ws-{label}"
                pod = self.pod(ns, name)
                self.assertIsNotNone(pod)
                self.assertEqual(host_paths_of(pod), row)
                values = d.resource(f"cvm_workspace.{label}")
                self.assertEqual(state_host_paths(values), row)
                self.assertEqual(values["phase"], "Running")
                self.assertEqual(values["node_name"], pod["spec"]["nodeName"])
                dev = container(pod)
                self.assertTrue(dev["securityContext"]["privileged"])
                self.assertEqual(dev["command"], ["/envbox", "docker"])
                env = env_of(pod)
                self.assertEqual(env["CODER_INNER_IMAGE"]["value"], INNER_IMAGE)
                self.assertEqual(env["CODER_AGENT_TOKEN"]["valueFrom"]["secretKeyRef"],
                                 {"name": f"{name}-agent", "key": "token"})
                self.assertEqual(env["CODER_CPUS"]["valueFrom"]["resourceFieldRef"]["resource"],
                                 "limits.cpu")
                self.assert_token_absent(json.dumps(pod), f"pod {ns}/{name}")
                for obj in (pod, self.claim(ns, name), self.secret(ns, name)):
                    labels = obj["metadata"]["labels"]
                    self.assertEqual(labels["app.kubernetes.io/managed-by"],
                                     "terraform-provider-cvm")
                    self.assertEqual(labels["cvm.coder.com/component"], "workspace")
                    self.assertEqual(labels["cvm.coder.com/workspace"], name)
                    fields = obj["metadata"].get("managedFields", [])
                    self.assertIn(("terraform-provider-cvm", "Apply"),
                                  [(f["manager"], f["operation"]) for f in fields])
                secret = self.secret(ns, name)
                self.assertEqual(base64.b64decode(secret["data"]["token"]).decode(), TOKEN)

        with self.subTest(mode="sysbox"):
            pod = self.pod(ns_sysbox, "ws-sysbox")
            self.assertIsNotNone(pod)
            spec = pod["spec"]
            self.assertEqual(spec["runtimeClassName"], runtime_class)
            # The RuntimeClass admission merged the Sysbox node selector.
            self.assertEqual(spec["nodeSelector"].get("sysbox-runtime"), "running")
            self.assertEqual(pod["metadata"]["annotations"]["io.kubernetes.cri-o.userns-mode"],
                             "auto:size=65536")
            self.assertEqual([v for v in spec["volumes"] if "hostPath" in v], [])
            for c in spec["containers"]:
                self.assertFalse(c.get("securityContext", {}).get("privileged", False))
            for field in ("hostNetwork", "hostPID", "hostIPC"):
                self.assertFalse(spec.get(field, False), field)
            self.assertEqual(container(pod)["command"], ["/sbin/init"])
            self.assertEqual(container(pod)["image"], INNER_IMAGE)
            self.assertEqual(env_of(pod)["CODER_AGENT_TOKEN"]["valueFrom"]["secretKeyRef"],
                             {"name": "ws-sysbox-agent", "key": "token"})
            values = d.resource("cvm_workspace.sysbox")
            self.assertEqual(values["host_path_mounts"], [])
            self.assertEqual(values["phase"], "Running")

        self.assert_plan_empty(d)
        d.destroy()
        for ns, name in ((ns_off, "ws-off"), (ns_cached, "ws-cached"),
                         (ns_shiftfs, "ws-shiftfs"), (ns_sysbox, "ws-sysbox")):
            self.assertIsNone(self.pod(ns, name))
            self.assertIsNone(self.claim(ns, name))
            self.assertIsNone(self.secret(ns, name))


@needs_cluster
class WorkspaceLifecycleTest(WorkspaceTestBase):
    def test_lifecycle_secrecy_stop_start_drift_import_destroy(self):
        ns = self.settled_namespace("ws-life")
        before = self.namespace_objects(ns)
        name = "life"
        main_tf = workspace_hcl("dev", name, hcl(ns),
                                '  running = %s\n  labels = { team = "e2e" }')
        d = self.tf(main_tf % "true")
        self.destroy_on_cleanup(d)
        audit_offset = self.cluster.audit.mark()

        # Plan JSON and trace logs of plan and apply hold no token.
        trace = {"TF_LOG": "trace"}
        planned = d.run("plan", "-no-color", "-out=tfplan", env=trace)
        self.assertEqual(planned.code, 0, planned)
        self.assert_token_absent(planned.output, "TF_LOG=trace output of plan")
        plan_json = d.run("show", "-json", "tfplan", check=True).stdout
        self.assert_token_absent(plan_json, "plan JSON")
        change = next(r for r in json.loads(plan_json)["resource_changes"]
                      if r["address"] == "cvm_workspace.dev")["change"]
        self.assertEqual(change["after"]["agent_token_sha256"], TOKEN_SHA)
        self.assertIsNone(change["after"].get("agent_token"))
        applied = d.run("apply", "-no-color", "tfplan", env=trace)
        self.assertEqual(applied.code, 0, applied)
        self.assert_token_absent(applied.output, "TF_LOG=trace output of apply")

        pod = self.pod(ns, name)
        claim_uid = self.claim(ns, name)["metadata"]["uid"]
        self.assert_token_absent(json.dumps(pod), "the pod")
        # Apply waited for Ready by watch, not by polling.
        pod_calls = [(e["verb"], e["requestURI"])
                     for e in self.cluster.audit.events_since(audit_offset, "cvm-admin")
                     if (e.get("objectRef") or {}).get("namespace") == ns
                     and e["objectRef"].get("resource") == "pods"]
        self.assertIn("watch", [verb for verb, _ in pod_calls], pod_calls)
        self.assertLessEqual(len([v for v, _ in pod_calls if v == "get"]), 4, pod_calls)
        state_json = d.run("show", "-json", check=True).stdout
        self.assert_token_absent(state_json, "terraform show -json")
        self.assert_token_absent(d.read("terraform.tfstate"), "terraform.tfstate")
        values = d.resource("cvm_workspace.dev")
        self.assertEqual(values["agent_token_sha256"], TOKEN_SHA)
        self.assertEqual(values["id"], f"{ns}/{name}")
        self.assertEqual(values["secret_name"], f"{name}-agent")
        self.assertEqual(values["home_claim_name"], f"{name}-home")
        self.assert_plan_empty(d)

        with self.subTest("stop keeps the claim and the Secret"):
            d.write("main.tf", d.read("main.tf").replace("running = true", "running = false"))
            d.apply()
            self.assertIsNone(self.pod(ns, name))
            self.assertEqual(self.claim(ns, name)["metadata"]["uid"], claim_uid)
            self.assertIsNotNone(self.secret(ns, name))
            values = d.resource("cvm_workspace.dev")
            self.assertEqual((values["phase"], values["node_name"]), ("Stopped", ""))
            self.assert_plan_empty(d)
            # A stopped workspace imports too (no pod to read the hash from).
            d.run("state", "rm", "cvm_workspace.dev", check=True)
            d.run("import", "-no-color", "cvm_workspace.dev", f"{ns}/{name}", check=True)
            self.assert_plan_empty(d)

        with self.subTest("start brings the pod back on the same claim"):
            d.write("main.tf", d.read("main.tf").replace("running = false", "running = true"))
            d.apply()
            pod = self.pod(ns, name)
            self.assertIsNotNone(pod)
            self.assertEqual(self.claim(ns, name)["metadata"]["uid"], claim_uid)
            self.assertEqual(pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
                             f"{name}-home")
            self.assertEqual(d.resource("cvm_workspace.dev")["phase"], "Running")
            self.assert_plan_empty(d)

        with self.subTest("a pod deleted by hand shows in the plan and is recreated"):
            old_uid = pod["metadata"]["uid"]
            self.cluster.delete(f"/api/v1/namespaces/{ns}/pods/{name}")
            self.cluster.wait_gone(f"/api/v1/namespaces/{ns}/pods/{name}")
            plan = d.run("plan", "-no-color", "-detailed-exitcode")
            self.assertEqual(plan.code, 2, plan)
            self.assertIn("cvm_workspace.dev will be updated in-place", plan.stdout)
            self.assertRegex(plan.stdout, r"running\s+= false -> true")
            d.apply()
            pod = self.pod(ns, name)
            self.assertIsNotNone(pod)
            self.assertNotEqual(pod["metadata"]["uid"], old_uid)
            self.assertEqual(self.claim(ns, name)["metadata"]["uid"], claim_uid)
            self.assert_plan_empty(d)

        with self.subTest("labels and the envbox image change in place"):
            old_uid = pod["metadata"]["uid"]
            self.cluster.merge_patch(f"/api/v1/namespaces/{ns}/pods/{name}",
                                     {"metadata": {"labels": {"team": "changed-by-hand"}}})
            plan = d.run("plan", "-no-color", "-detailed-exitcode")
            self.assertEqual(plan.code, 2, plan)
            self.assertIn("will be updated in-place", plan.stdout)
            self.assertNotIn("Pod Will Be Recreated", plan.output)
            d.write("main.tf", d.read("main.tf").replace(
                "running = true",
                'running = true\n  image = "ghcr.io/coder/envbox:0.6.6"'))
            plan = d.run("plan", "-no-color")
            self.assertNotIn("Pod Will Be Recreated", plan.output)
            d.apply()
            pod = self.pod(ns, name)
            self.assertEqual(pod["metadata"]["uid"], old_uid)
            self.assertEqual(pod["metadata"]["labels"]["team"], "e2e")
            self.assertEqual(container(pod)["image"], "ghcr.io/coder/envbox:0.6.6")
            self.assert_plan_empty(d)

        with self.subTest("import by namespace/name, then an empty plan"):
            d.run("state", "rm", "cvm_workspace.dev", check=True)
            imported = d.run("import", "-no-color", "cvm_workspace.dev", f"{ns}/{name}")
            self.assertEqual(imported.code, 0, imported)
            self.assertIn("Import successful", imported.stdout)
            self.assert_plan_empty(d)
            values = d.resource("cvm_workspace.dev")
            self.assertEqual(values["inner_image"], INNER_IMAGE)
            self.assertEqual(values["cpu"], {"limit": "2", "request": None})
            bad = d.run("import", "-no-color", "cvm_workspace.other", "no-slash")
            self.assertNotEqual(bad.code, 0)

        with self.subTest("destroy leaves the namespace as it was"):
            d.destroy()
            wait_for("namespace back to its objects",
                     lambda: self.namespace_objects(ns) == before, timeout=30)
            self.assertEqual(self.namespace_objects(ns), before)


@needs_cluster
class WorkspaceSettingsChangeTest(WorkspaceTestBase):
    def test_caching_toggled_replaces_the_pod_and_keeps_the_claim(self):
        ns = f"ws-toggle-{suffix()}"
        self.addCleanup(self.cluster.delete, f"/api/v1/namespaces/{ns}")
        # Platform team and template author keep separate states.
        settings_tf = f"""
resource "cvm_cluster_settings" "ns" {{
  namespace        = "{ns}"
  manage_namespace = true
  caching          = %s
}}
"""
        platform = self.tf(settings_tf % "false")
        template = self.tf(workspace_hcl("dev", "toggle", hcl(ns)))
        self.destroy_on_cleanup(platform)
        self.destroy_on_cleanup(template)
        platform.apply()
        template.apply()
        pod_uid = self.pod(ns, "toggle")["metadata"]["uid"]
        claim_uid = self.claim(ns, "toggle")["metadata"]["uid"]
        self.assertEqual(host_paths_of(self.pod(ns, "toggle")), ROW_OFF)
        self.assert_plan_empty(template)

        platform.write("main.tf", platform.read("main.tf").replace(
            "caching          = false", "caching          = true"))
        platform.apply()
        plan = template.run("plan", "-no-color", "-detailed-exitcode")
        self.assertEqual(plan.code, 2, plan)
        text = flat(plan.output)
        self.assertIn("Warning: Workspace Pod Will Be Recreated", text)
        self.assertIn(f"Pod {ns}/toggle must be recreated", text)
        self.assertIn("host_path_mounts (from the namespace's cluster settings)", text)
        self.assertIn('+ path = "/var/lib"', text)
        template.apply()
        pod = self.pod(ns, "toggle")
        self.assertNotEqual(pod["metadata"]["uid"], pod_uid)
        self.assertEqual(self.claim(ns, "toggle")["metadata"]["uid"], claim_uid)
        self.assertEqual(host_paths_of(pod), ROW_CACHED)
        self.assertEqual(state_host_paths(template.resource("cvm_workspace.dev")), ROW_CACHED)
        self.assert_plan_empty(template)
        template.destroy()
        platform.destroy()


    def test_settings_change_in_the_same_configuration_takes_one_apply(self):
        ns = f"ws-one-{suffix()}"
        self.addCleanup(self.cluster.delete, f"/api/v1/namespaces/{ns}")
        settings = f"""
resource "cvm_cluster_settings" "ns" {{
  namespace        = "{ns}"
  manage_namespace = true
  caching          = false
}}
"""
        workspace = workspace_hcl("dev", "one", "cvm_cluster_settings.ns.namespace",
                                  "  cluster_settings_id = cvm_cluster_settings.ns.id")
        d = self.tf(settings + workspace)
        self.destroy_on_cleanup(d)
        d.apply()
        self.assertEqual(host_paths_of(self.pod(ns, "one")), ROW_OFF)
        d.write("main.tf", d.read("main.tf").replace("caching          = false",
                                                     "caching          = true"))
        # The settings' id is planned unknown, so the workspace plans from the
        # new settings: one apply replaces the pod, the next plan is empty.
        d.apply()
        self.assertEqual(host_paths_of(self.pod(ns, "one")), ROW_CACHED)
        self.assertEqual(state_host_paths(d.resource("cvm_workspace.dev")), ROW_CACHED)
        self.assertEqual(d.resource("cvm_cluster_settings.ns")["id"], ns)
        self.assert_plan_empty(d)
        d.destroy()

    def test_kept_home_outlives_the_workspace_and_its_namespace_stays(self):
        ns = f"ws-keep-{suffix()}"
        self.addCleanup(self.cluster.delete, f"/api/v1/namespaces/{ns}")
        platform = self.tf(f"""
resource "cvm_cluster_settings" "ns" {{
  namespace        = "{ns}"
  manage_namespace = true
}}
""")
        template = self.tf(workspace_hcl("dev", "keep", hcl(ns),
                                         "  home {\n    keep_on_destroy = true\n  }"))
        self.destroy_on_cleanup(template)
        self.destroy_on_cleanup(platform)
        platform.apply()
        template.apply()
        claim_uid = self.claim(ns, "keep")["metadata"]["uid"]
        template.destroy()
        self.cluster.wait_gone(f"/api/v1/namespaces/{ns}/pods/keep")
        claim = self.claim(ns, "keep")
        self.assertEqual(claim["metadata"]["uid"], claim_uid)
        self.assertEqual(claim["metadata"]["labels"]["cvm.coder.com/component"],
                         "retained-home")
        self.assertIsNone(self.secret(ns, "keep"))
        # Planning the workspace again says that it would get the kept home.
        plan = template.run("plan", "-no-color")
        self.assertEqual(plan.code, 0, plan)
        text = flat(plan.output)
        self.assertIn("Warning: Workspace Objects Exist and Will Be Adopted", text)
        self.assertIn(f"claim {ns}/keep-home of this new workspace exists already, kept", text)
        # No workspace uses the settings any more, so destroy is allowed; the
        # namespace it created holds the kept home, so it stays.
        result = platform.destroy()
        self.assertIn("Namespace Kept", flat(result.output))
        self.assertIn("keep-home", flat(result.output))
        self.assertEqual(self.claim(ns, "keep")["metadata"]["uid"], claim_uid)
        ns_object = self.cluster.get(f"/api/v1/namespaces/{ns}")
        self.assertIsNotNone(ns_object)
        self.assertFalse(ns_object["metadata"].get("deletionTimestamp"), ns_object)

    def test_large_annotations_apply_and_are_not_recorded_twice(self):
        # 200 KiB of annotations pass the plan-time limit (256 KiB per
        # object); the claim's record of the configuration leaves them out,
        # or the claim itself would go over the limit.
        ns = self.new_namespace("ws-annot")
        big = "x" * (200 * 1024)
        d = self.tf(workspace_hcl("dev", "annot", hcl(ns),
                                  f'  annotations = {{ "example.com/big" = "{big}" }}'))
        self.destroy_on_cleanup(d)
        d.apply()
        self.assertEqual(self.pod(ns, "annot")["metadata"]["annotations"]["example.com/big"],
                         big)
        recorded = self.claim(ns, "annot")["metadata"]["annotations"][
            "cvm.coder.com/workspace-config"]
        self.assertLess(len(recorded), 64 * 1024)
        self.assertIn('"annotations":null', recorded)
        self.assert_plan_empty(d)

    def test_home_size_cannot_shrink(self):
        ns = self.new_namespace("ws-shrink")
        d = self.tf(workspace_hcl("dev", "shrink", hcl(ns),
                                  '  home {\n    size = "40Gi"\n  }'))
        self.destroy_on_cleanup(d)
        d.apply()
        d.write("main.tf", d.read("main.tf").replace('size = "40Gi"', 'size = "30Gi"'))
        plan = d.run("plan", "-no-color")
        self.assertEqual(plan.code, 1, plan)
        text = flat(plan.output)
        self.assertIn("Error: Home Volume Cannot Shrink", text)
        self.assertIn("home.size is 40Gi and cannot become 30Gi", text)


@needs_cluster
class WorkspaceFailureTest(WorkspaceTestBase):
    def test_failing_pod_reports_its_events_and_state_tracks_the_objects(self):
        ns = self.new_namespace("ws-fail")
        pull = 'ImagePullBackOff: Back-off pulling image \\"registry.invalid/envbox:1\\"'
        main_tf = workspace_hcl("pull", "pull", hcl(ns), f"""
  annotations = {{ "cvm-test/fail" = "{pull}" }}
  timeouts {{
    create = "12s"
  }}
""") + workspace_hcl("badimage", "badimage", hcl(ns), """
  annotations = { "cvm-test/fail" = "InvalidImageName: couldn't parse image reference" }
""") + workspace_hcl("crash", "crash", hcl(ns), """
  annotations = {
    "cvm-test/fail"       = "Error: exit status 1"
    "cvm-test/fail-phase" = "Failed"
  }
""")
        d = self.tf(main_tf)
        self.destroy_on_cleanup(d)
        result = d.apply(check=False)
        self.assertEqual(result.code, 1, result)
        errors = error_blocks(result.output)
        pull_error = flat(next(e for e in errors if f"{ns}/pull" in e))
        self.assertIn("did not become Ready within timeouts.create", pull_error)
        self.assertIn("Last warning events:", pull_error)
        self.assertIn('ImagePullBackOff', pull_error)
        self.assertIn('Back-off pulling image "registry.invalid/envbox:1"', pull_error)
        crash_error = flat(next(e for e in errors if f"{ns}/crash" in e))
        self.assertIn("the pod terminated (phase Failed)", crash_error)
        # Waiting cannot fix an invalid image name: no need for the timeout.
        bad_error = flat(next(e for e in errors if f"{ns}/badimage" in e))
        self.assertIn("container dev cannot start: InvalidImageName", bad_error)
        self.assertLess(result.seconds, 120)

        listed = d.run("state", "list", check=True).stdout.split()
        self.assertEqual(sorted(listed), ["cvm_workspace.badimage", "cvm_workspace.crash",
                                          "cvm_workspace.pull"])
        shown = d.run("state", "show", "-no-color", "cvm_workspace.pull", check=True).stdout
        self.assertIn("(tainted)", shown)
        for name in ("pull", "badimage", "crash"):
            self.assertIsNotNone(self.pod(ns, name))
            self.assertIsNotNone(self.claim(ns, name))
            self.assertIsNotNone(self.secret(ns, name))
        plan = d.plan()
        self.assertIn("cvm_workspace.pull is tainted, so must be replaced", plan.stdout)
        d.destroy()
        for name in ("pull", "badimage", "crash"):
            self.assertIsNone(self.pod(ns, name))
            self.assertIsNone(self.claim(ns, name))
            self.assertIsNone(self.secret(ns, name))

    def test_missing_image_fails_within_seconds_with_the_kubelets_message(self):
        # The simulator fails pulls from missing.cvm.test with containerd's
        # NotFound (ErrImagePull, then ImagePullBackOff), and from
        # unreachable.cvm.test with an i/o timeout, as a kubelet reports them.
        ns = self.new_namespace("ws-pull")
        missing = "missing.cvm.test/coder/envbox:0.6.7"
        d = self.tf(workspace_hcl("missing", "missing", hcl(ns), f'  image = "{missing}"\n'))
        self.destroy_on_cleanup(d)
        result = d.apply(check=False)
        self.assertEqual(result.code, 1, result)
        # Not the default timeouts.create (10m): the cause is permanent.
        self.assertLess(result.seconds, 60, result)
        text = flat(next(e for e in error_blocks(result.output) if f"{ns}/missing" in e))
        self.assertNotIn("within timeouts.create", text)
        self.assertIn("container dev cannot start: ErrImagePull: rpc error: code = NotFound "
                      "desc = failed to pull and unpack image "
                      f'"{missing}": failed to resolve reference "{missing}": '
                      f"{missing}: not found", text)
        self.assertIn(f'Last warning events: Warning Failed: Failed to pull image "{missing}": '
                      "rpc error: code = NotFound", text)
        self.assertIn("Warning Failed: Error: ErrImagePull", text)
        # The state keeps the objects (tainted), so the next apply replaces them.
        self.assertEqual(d.run("state", "list", check=True).stdout.split(),
                         ["cvm_workspace.missing"])
        shown = d.run("state", "show", "-no-color", "cvm_workspace.missing", check=True).stdout
        self.assertIn("(tainted)", shown)
        self.assertIsNotNone(self.pod(ns, "missing"))
        self.assertIsNotNone(self.claim(ns, "missing"))

        # A transient cause is waited out; the timeout says what was seen.
        unreachable = "unreachable.cvm.test/coder/envbox:0.6.7"
        d.write("main.tf", d.read("main.tf") + workspace_hcl(
            "slowpull", "slowpull", hcl(ns), f"""  image = "{unreachable}"
  timeouts {{
    create = "12s"
  }}
"""))
        result = d.apply("-target=cvm_workspace.slowpull", check=False)
        self.assertEqual(result.code, 1, result)
        self.assertGreaterEqual(result.seconds, 12, result)
        text = flat(result.output)
        self.assertIn("did not become Ready within timeouts.create (12s)", text)
        self.assertRegex(text, r"Container statuses: container dev \(image "
                               + re.escape(f'"{unreachable}"') + r"\): waiting: "
                               r"(ErrImagePull|ImagePullBackOff): .*i/o timeout")
        d.destroy()
        self.assertIsNone(self.pod(ns, "missing"))
        self.assertIsNone(self.pod(ns, "slowpull"))

    def test_wait_for_ready_false_and_timeouts(self):
        ns = self.new_namespace("ws-wait")
        slow = '  annotations = { "cvm-test/start-delay-seconds" = "40" }\n'
        d = self.tf(workspace_hcl("nowait", "nowait", hcl(ns),
                                  slow + "  wait_for_ready = false"))
        self.destroy_on_cleanup(d)
        d.apply()
        values = d.resource("cvm_workspace.nowait")
        self.assertEqual(values["phase"], "Pending")
        self.assertNotIn(self.pod(ns, "nowait")["status"].get("phase"), ("Running",))
        # Still starting: no change to plan.
        self.assert_plan_empty(d)

        d.write("main.tf", d.read("main.tf") + workspace_hcl("slow", "slow", hcl(ns), slow + """
  timeouts {
    create = "3s"
  }
"""))
        result = d.apply("-target=cvm_workspace.slow", check=False)
        self.assertEqual(result.code, 1, result)
        self.assertIn("did not become Ready within timeouts.create", flat(result.output))
        self.assertLess(result.seconds, 40, result)  # before the pod would be Ready
        d.destroy()
        self.assertIsNone(self.pod(ns, "slow"))
        self.assertIsNone(self.claim(ns, "nowait"))


def subset_mismatches(want, got, path="", prefix_lists=True):
    """Where `got` (a live object) differs from `want` (what we rendered): every
    field of `want` must be in `got` with the same value. Lists compare
    element by element; with prefix_lists, `got` may have extra elements at
    the end (the ServiceAccount admission appends its token volume)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{path}: {got!r} is not an object"]
        out = []
        for k, v in want.items():
            if k not in got:
                out.append(f"{path}.{k}: missing")
            else:
                out.extend(subset_mismatches(v, got[k], f"{path}.{k}", prefix_lists))
        return out
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) < len(want) or \
                (not prefix_lists and len(got) != len(want)):
            return [f"{path}: {got!r} vs {want!r}"]
        out = []
        for i, (w, g) in enumerate(zip(want, got)):
            out.extend(subset_mismatches(w, g, f"{path}[{i}]", prefix_lists))
        return out
    return [] if want == got else [f"{path}: {got!r} != {want!r}"]


@needs_cluster
class WorkspaceManifestTest(WorkspaceTestBase):
    def test_manifest_renders_the_live_pod_without_api_calls(self):
        ns = self.new_namespace("ws-manifest")
        self.settings_config_map(ns, {"caching": "true", "tun": "true",
                                      "docker_bridge_cidr": "172.20.0.0/29"})
        args = """
  inner_hostname   = "box"
  inner_username   = "dev"
  agent_url        = "https://coder.example.com"
  bootstrap_script = "echo hello"
  env              = { EDITOR = "vim", LANG = "C.UTF-8" }
  env_passthrough  = ["KUBERNETES_*"]
  mounts = [
    { source = "projects", target = "/workspace" },
    { source = "data", target = "/opt/data", read_only = true },
  ]
  image_pull_secret = "regcred"
  labels            = { team = "e2e" }
  annotations       = { note = "manifest" }
  tolerations = [
    { key = "cvm", operator = "Exists", effect = "NoSchedule" },
  ]
  fuse = true
  home {
    size = "20Gi"
  }
"""
        resource = self.tf(workspace_hcl("dev", "render", hcl(ns), args).replace(
            'limit = "2"', 'request = "1"\n    limit = "2"'))
        self.destroy_on_cleanup(resource)
        resource.apply()
        live = self.pod(ns, "render")
        live_claim = self.claim(ns, "render")

        user, crt, key = self.mint_user("cvm-e2e-manifest", group="cvm-e2e-nobody")
        data_tf = (workspace_hcl("dev", "render", hcl(ns), args + """
  cluster_settings {
    caching            = true
    tun                = true
    docker_bridge_cidr = "172.20.0.0/29"
  }
""", token=False).replace('resource "cvm_workspace"', 'data "cvm_workspace_manifest"')
                   .replace('limit = "2"', 'request = "1"\n    limit = "2"') + """
output "json" {
  value = data.cvm_workspace_manifest.dev.json
}
output "pod_yaml" {
  value = data.cvm_workspace_manifest.dev.pod_yaml
}
output "host_path_mounts" {
  value = data.cvm_workspace_manifest.dev.host_path_mounts
}
""")
        d = self.tf(data_tf, self.cluster.host_provider_block(cert_file=crt, key_file=key),
                    files={}, env={})
        d.apply()
        self.assertEqual(self.cluster.audit.events_since(0, user, stage=None), [],
                         "cvm_workspace_manifest made API calls")
        # The count is real: one request with that identity shows up.
        with ApiClient(self.cluster.env["KUBE_HOST"], self.cluster.env["KUBE_CA_FILE"],
                       cert_file=crt, key_file=key) as probe:
            with self.assertRaises(ApiError):
                probe.request("GET", f"/api/v1/namespaces/{ns}/pods")
        wait_for("audit line of the probe",
                 lambda: self.cluster.audit.events_since(0, user, stage=None), timeout=10)

        outputs = json.loads(d.run("output", "-json", check=True).stdout)
        objects = json.loads(outputs["json"]["value"])
        self.assertEqual([o["kind"] for o in objects], ["Pod", "PersistentVolumeClaim"])
        pod, claim = objects
        self.assertRegex(outputs["pod_yaml"]["value"], r"(?m)^kind: \"?Pod\"?$")
        self.assertEqual(state_host_paths({"host_path_mounts": outputs["host_path_mounts"]["value"]}),
                         ROW_CACHED)
        # The same pod: spec, labels and annotations (the resource's hash also
        # covers the agent token, so only that annotation may differ).
        self.assertEqual(subset_mismatches(pod["spec"], live["spec"]), [])
        self.assertEqual(len(pod["spec"]["containers"]), len(live["spec"]["containers"]))
        self.assertEqual(pod["metadata"]["labels"], live["metadata"]["labels"])
        hash_key = "cvm.coder.com/pod-spec-hash"
        want = {k: v for k, v in pod["metadata"]["annotations"].items() if k != hash_key}
        got = {k: v for k, v in live["metadata"]["annotations"].items() if k != hash_key}
        self.assertEqual(want, got)
        self.assertEqual(subset_mismatches(claim["spec"], live_claim["spec"]), [])
        self.assertEqual(claim["metadata"]["labels"], live_claim["metadata"]["labels"])
        env = env_of(live)
        self.assertEqual(env["CODER_INNER_HOSTNAME"]["value"], "box")
        self.assertEqual(env["CODER_ADD_TUN"]["value"], "true")
        self.assertEqual(env["CODER_ADD_FUSE"]["value"], "true")
        self.assertEqual(env["CODER_DOCKER_BRIDGE_CIDR"]["value"], "172.20.0.0/29")
        self.assertEqual(env["CODER_IMAGE_PULL_SECRET"]["valueFrom"]["secretKeyRef"],
                         {"name": "regcred", "key": ".dockerconfigjson"})
        self.assert_token_absent(json.dumps(objects), "the manifest")


@needs_cluster
class WorkspaceValidationTest(WorkspaceTestBase):
    """Every plan-time rule: exit 1, the attribute named, no API write."""

    def test_every_validation_rule_fails_at_plan_naming_the_attribute(self):
        sfx = suffix()
        plain = self.new_namespace("ws-val")
        baseline = self.new_namespace("ws-val-baseline",
                                      {"pod-security.kubernetes.io/enforce": "baseline"})
        restricted = self.new_namespace("ws-val-restricted",
                                        {"pod-security.kubernetes.io/enforce": "restricted"})
        gpu_cached = self.new_namespace("ws-val-gpucache")
        self.settings_config_map(gpu_cached, {"gpu_vendor": "nvidia", "caching": "true"})
        gpu_cloud = self.new_namespace("ws-val-gpucloud")
        self.settings_config_map(gpu_cloud, {"gpu_vendor": "nvidia", "platform": "aws"})
        gpu_ok = self.new_namespace("ws-val-gpuok")
        self.settings_config_map(gpu_ok, {"gpu_vendor": "nvidia"})
        no_rc = self.new_namespace("ws-val-norc")
        self.settings_config_map(no_rc, {"runtime_class_name": f"missing-{sfx}"})
        # sysbox mode passes baseline, given its RuntimeClass.
        baseline_rc = self.new_namespace("ws-val-baseline-rc",
                                         {"pod-security.kubernetes.io/enforce": "baseline"})
        rc = f"sysbox-val-{sfx}"
        self.create_runtime_class(rc, "sysbox-runc")
        self.settings_config_map(baseline_rc, {"runtime_class_name": rc})

        def ws(extra="", ns=plain, **replace):
            text = workspace_hcl("w", "w", hcl(ns), extra)
            for old, new in replace.items():
                text = text.replace(*{
                    "cpu": ('limit = "2"', new), "memory": ('limit = "4Gi"', new),
                    "name": ('"w"\n', new + "\n"), "image": (INNER_IMAGE, new),
                }[old])
            return text

        gpu = "  gpu {\n    count = 1\n  }\n"
        sysbox = '  mode = "sysbox"\n'
        # (case, config, attribute shown, message)
        errors = [
            ("gpu without nvidia settings", ws(gpu), "gpu", "GPUs Not Enabled"),
            ("gpu with caching", ws(gpu, gpu_cached), "gpu", "not supported with cached"),
            ("gpu on a cloud", ws(gpu, gpu_cloud), "gpu", "bare-metal clusters only"),
            ("gpu in sysbox mode", ws(gpu + sysbox), "gpu", "GPUs Need envbox Mode"),
            ("gpu library dir", ws('  gpu {\n    count = 1\n    host_lib_dir = "/usr"\n  }\n'),
             "host_lib_dir", "Invalid GPU Library Directory"),
            ("amd gpu vendor", f'resource "cvm_cluster_settings" "s" {{\n  namespace = "{plain}"\n'
             '  gpu_vendor = "amd"\n}\n', "gpu_vendor", "NVIDIA"),
            ("mount under /tmp", ws('  mounts = [{ source = "a", target = "/tmp/a" }]'),
             "target", "Mount Target Under /tmp"),
            ("mount onto a private path",
             ws('  mounts = [{ source = "a", target = "/var/lib/docker" }]'),
             "target", "Mount Target Is Private to envbox"),
            ("mount onto /usr/src",
             ws('  mounts = [{ source = "a", target = "/usr/src/linux" }]'),
             "target", "Mount Target Is Private to envbox"),
            ("malformed mount source", ws('  mounts = [{ source = "../etc", target = "/opt/x" }]'),
             "source", "relative directory inside the home volume"),
            ("malformed mount target", ws('  mounts = [{ source = "a", target = "opt/x" }]'),
             "target", "opt/x"),
            ("mount target with a comma",
             ws('  mounts = [{ source = "a", target = "/opt/a,b" }]'), "target", "/opt/a,b"),
            ("malformed inner image", ws(image="Not A Valid Image!"), "inner_image",
             "Not A Valid Image!"),
            ("malformed envbox image", ws('  image = "ghcr.io/coder/envbox:bad tag"'),
             "image", "bad tag"),
            ("malformed cpu quantity", ws(cpu='limit = "2 cores"'), "limit", "2 cores"),
            ("malformed memory quantity", ws(memory='limit = "4GiB"'), "limit", "4GiB"),
            ("cpu request above limit", ws(cpu='request = "4"\n    limit = "2"'), "request",
             "Request Exceeds Limit"),
            ("memory request above limit", ws(memory='request = "8Gi"\n    limit = "4Gi"'),
             "request", "Request Exceeds Limit"),
            ("zero cpu limit", ws(cpu='limit = "0"'), "limit", "greater than zero"),
            ("home below 10Gi", ws('  home {\n    size = "5Gi"\n  }'), "size",
             "Home Volume Too Small"),
            ("malformed home size", ws('  home {\n    size = "lots"\n  }'), "size", "lots"),
            ("malformed hostname", ws('  inner_hostname = "Bad_Host"'), "inner_hostname",
             "Bad_Host"),
            ("malformed name", ws(name='"Dev_1"'), "name", "Dev_1"),
            ("name too long", ws(name='"' + "a" * 60 + '"'), "name", "a" * 60),
            ("malformed namespace", ws(ns="Bad_NS"), "namespace", "Bad_NS"),
            ("malformed username", ws('  inner_username = "Bad User"'), "inner_username",
             "Bad User"),
            ("malformed label", ws('  labels = { "bad key!" = "x" }'), "labels", "bad key!"),
            ("privileged in sysbox mode", ws(sysbox + "  privileged = true"), "privileged",
             "Not Supported in sysbox Mode"),
            ("host network in sysbox mode", ws(sysbox + "  host_network = true"),
             "host_network", "Not Supported in sysbox Mode"),
            ("host pid in sysbox mode", ws(sysbox + "  host_pid = true"), "host_pid",
             "Not Supported in sysbox Mode"),
            ("host ipc in sysbox mode", ws(sysbox + "  host_ipc = true"), "host_ipc",
             "Not Supported in sysbox Mode"),
            ("tun in sysbox mode", ws(sysbox + "  tun = true"), "tun",
             "Not Supported in sysbox Mode"),
            ("unprivileged envbox", ws("  privileged = false"), "privileged",
             "envbox Needs a Privileged Pod"),
            ("baseline namespace for envbox", ws(ns=baseline), "namespace",
             "Namespace Forbids Privileged Pods"),
            ("restricted namespace for sysbox", ws(sysbox, ns=restricted), "namespace",
             "Namespace Forbids Root Pods"),
            ("missing runtime class", ws(sysbox, ns=no_rc), "mode",
             "Sysbox RuntimeClass Missing"),
        ]
        # (case, config, warning) that plan with exit 0.
        warnings = [
            # Another resource may create it in the same apply.
            ("missing namespace", ws(ns=f"ws-val-missing-{sfx}"),
             "Namespace Does Not Exist Yet"),
            ("fractional cpu", ws(cpu='limit = "1.5"'), "CPU Limit Rounded Up"),
            ("decimal memory unit", ws(memory='limit = "4G"'), "Decimal Memory Unit"),
            ("small home", ws('  home {\n    size = "20Gi"\n  }'), "Small Home Volume"),
            ("unpinned envbox image", ws('  image = "ghcr.io/coder/envbox:latest"'),
             "Unpinned envbox Image"),
            ("gpu on bare metal with nvidia settings", ws(gpu, gpu_ok), None),
            ("sysbox in a baseline namespace", ws(sysbox, baseline_rc), None),
        ]

        user, crt, key = self.mint_user("cvm-e2e-validate")
        provider = self.cluster.host_provider_block(cert_file=crt, key_file=key)
        workers = [self.tf("", provider, init=False) for _ in range(3)]
        with concurrent.futures.ThreadPoolExecutor(len(workers)) as pool:
            list(pool.map(lambda d: d.init(), workers))

        cases = [(c, cfg, 1, (attr, msg)) for c, cfg, attr, msg in errors] + \
                [(c, cfg, 0, w) for c, cfg, w in warnings]
        queue = list(enumerate(cases))

        def run(worker):
            out = []
            while queue:
                try:
                    i, case = queue.pop()
                except IndexError:
                    break
                d = workers[worker]
                d.write("main.tf", self.main_tf(case[1], provider))
                out.append((case, d.run("plan", "-no-color", "-input=false", "-lock=false")))
            return out

        with concurrent.futures.ThreadPoolExecutor(len(workers)) as pool:
            results = [r for rs in pool.map(run, range(len(workers))) for r in rs]
        self.assertEqual(len(results), len(cases))
        for (case, config, code, expect), result in sorted(results, key=lambda r: r[0][0]):
            with self.subTest(case):
                if code == 1:
                    attr, message = expect
                    self.assertEqual(result.code, 1, result)
                    blocks = [b for b in error_blocks(result.output) if message in flat(b)]
                    self.assertTrue(blocks, f"no error with {message!r}:\n{result.output}")
                    self.assertIn(attr, flat(blocks[0]), blocks[0])
                else:
                    self.assertEqual(result.code, 0, result)
                    if expect:
                        self.assertIn(f"Warning: {expect}", flat(result.output))
        verbs = {e["verb"] for e in self.cluster.audit.events_since(0, user, stage=None)}
        self.assertTrue(verbs, "plans read the cluster with the minted user")
        self.assertLessEqual(verbs, {"get", "list", "watch"}, "a plan wrote to the cluster")


if __name__ == "__main__":
    unittest.main()
