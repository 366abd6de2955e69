"""End-to-end: the pod options of cvm_workspace.

The real terraform CLI runs the built provider against the local control
plane (tests/cluster: kube-apiserver 1.20.2, with the ServiceAccount,
Priority and RuntimeClass admission plugins, and the node simulator).

What is checked, on the objects read back from the API server:
  * a workspace with every pod option (service account, token automount,
    pull secrets, priority and runtime class, grace period, DNS policy and
    config, host aliases, home claim labels and annotations) applies, and
    the pod and the claim carry each one;
  * plan after apply is empty; a claim label edited by hand shows in the
    plan and is set back in place;
  * import by namespace/name restores them: the plan after it is empty;
  * runtime_class_name in sysbox mode is a plan-time error naming it;
  * affinity (node affinity, pod affinity, pod anti-affinity) reaches the
    pod in both modes as written, beside the nodeSelector the Sysbox
    RuntimeClass adds in sysbox mode; a required anti-affinity per owner
    puts two workspaces on two nodes; plan after apply is empty and import
    restores it;
  * env_value_from puts valueFrom references (Secret, ConfigMap) on the
    workspace container in both modes, and in envbox mode the names into
    CODER_INNER_ENVS; the Secret's value is never in the state; plan after
    apply is empty and import restores them; a name also in env is a
    plan-time error;
  * volume blocks (Secret, ConfigMap, NFS) and the envbox block: in envbox
    mode mounted under /home/.cvm-volume-<name> and passed in by
    CODER_MOUNTS, with envbox's CODER_EXTRA_CERTS_PATH and
    CODER_DISABLE_IDMAPPED_MOUNT; in sysbox mode mounted at the target;
    plan after apply is empty and import restores them; a sysbox volume
    without a target and an envbox block naming no volume are plan-time
    errors;
  * pod_overrides adds an init container, a sidecar, a port on dev and a
    label in both modes; the plan warns with what it adds; the dry run
    stores nothing; plan after apply is empty and import restores it; a
    pod the API server rejects (a container without an image, a field
    unknown to the schema) fails the plan with the server's words; a
    change of a rendered value or a hostPath volume fails the plan naming
    the field.
"""

import unittest

from tfharness import (AGENT_TOKEN_VARIABLE, INNER_IMAGE, ClusterTestCase, flat, hcl,
                       needs_cluster, suffix)

TOKEN = "cvm-e2e-pod-options-token-81c2e4"


def workspace_hcl(name, namespace, extra, label="dev", namespace_expr=None):
    """cvm_workspace.<label> in `namespace` (or the HCL `namespace_expr`)."""
    return f"""
resource "cvm_workspace" "{label}" {{
  name        = "{name}"
  namespace   = {namespace_expr or hcl(namespace)}
  inner_image = "{INNER_IMAGE}"
  agent_token = var.agent_token
  cpu {{
    limit = "2"
  }}
  memory {{
    limit = "4Gi"
  }}
{extra}
}}
"""


def options_hcl(sa, priority, runtime):
    return f"""
  service_account_name            = "{sa}"
  automount_service_account_token = false
  image_pull_secrets              = ["mirror-pull", "other-pull"]
  priority_class_name             = "{priority}"
  runtime_class_name              = "{runtime}"
  termination_grace_period        = "2m"
  dns_policy                      = "None"
  dns_config {{
    nameservers = ["10.96.0.10"]
    searches    = ["corp.example.com"]
    options = [
      {{ name = "ndots", value = "2" }},
      {{ name = "edns0" }},
    ]
  }}
  host_aliases = [
    {{ ip = "10.1.2.3", hostnames = ["git.corp.example.com", "registry.corp.example.com"] }},
  ]
  home {{
    size        = "50Gi"
    labels      = {{ "example.com/owner" = "alice" }}
    annotations = {{ "coder.com/owner" = "alice" }}
  }}
"""


AFFINITY_HCL = """
  labels = {{ "example.com/owner" = "alice" }}
  affinity {{
    node_affinity {{
      required_during_scheduling_ignored_during_execution {{
        node_selector_term {{
          match_expressions {{
            key      = "kubernetes.io/os"
            operator = "In"
            values   = ["linux"]
          }}
          match_expressions {{
            key      = "sysbox-runtime"
            operator = "Exists"
          }}
        }}
      }}
      preferred_during_scheduling_ignored_during_execution {{
        weight = 50
        preference {{
          match_expressions {{
            key      = "kubernetes.io/arch"
            operator = "In"
            values   = ["amd64"]
          }}
        }}
      }}
    }}
    pod_affinity {{
      preferred_during_scheduling_ignored_during_execution {{
        weight = 1
        pod_affinity_term {{
          topology_key = "topology.kubernetes.io/zone"
          label_selector {{
            match_expressions {{
              key      = "example.com/cache"
              operator = "Exists"
            }}
          }}
        }}
      }}
    }}
    pod_anti_affinity {{
      required_during_scheduling_ignored_during_execution {{
        topology_key = "kubernetes.io/hostname"
        namespaces   = [{namespace}]
        label_selector {{
          match_labels = {{ "example.com/owner" = "alice" }}
        }}
      }}
    }}
  }}
"""

# The pod's spec.affinity for AFFINITY_HCL in `namespace`.
def expected_affinity(namespace):
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [
                    {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
                    {"key": "sysbox-runtime", "operator": "Exists"}]}]},
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 50, "preference": {"matchExpressions": [
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]}}]},
        "podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "podAffinityTerm": {
                "topologyKey": "topology.kubernetes.io/zone",
                "labelSelector": {"matchExpressions": [
                    {"key": "example.com/cache", "operator": "Exists"}]}}}]},
        "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "kubernetes.io/hostname", "namespaces": [namespace],
             "labelSelector": {"matchLabels": {"example.com/owner": "alice"}}}]},
    }


def affinity_workspace_hcl(label, name, namespace_expr, namespace_hcl, extra=""):
    return f"""
resource "cvm_workspace" "{label}" {{
  name        = "{name}"
  namespace   = {namespace_expr}
  inner_image = "{INNER_IMAGE}"
  agent_token = var.agent_token
  cpu {{
    limit = "1"
  }}
  memory {{
    limit = "2Gi"
  }}
{extra}{AFFINITY_HCL.format(namespace=namespace_hcl)}
}}
"""


@needs_cluster
class PodOptionsTestCase(ClusterTestCase):
    """What the tests of this file share: a Terraform directory with the
    agent token, a sysbox-mode namespace, both modes in one apply, and the
    import check."""
    tf_files = {"variables.tf": AGENT_TOKEN_VARIABLE}
    tf_env = {"TF_VAR_agent_token": TOKEN}

    def sysbox_settings(self, prefix):
        """(namespace, RuntimeClass, HCL) of a cvm_cluster_settings "sysbox"
        that makes both for this test; both are deleted at its end."""
        ns, runtime_class = f"{prefix}-sysbox-{suffix()}", f"sysbox-{prefix}-{suffix()}"
        self.addCleanup(self.cluster.delete, f"/api/v1/namespaces/{ns}")
        self.addCleanup(self.cluster.delete,
                        f"/apis/node.k8s.io/v1/runtimeclasses/{runtime_class}")
        return ns, runtime_class, f"""
resource "cvm_cluster_settings" "sysbox" {{
  namespace        = "{ns}"
  manage_namespace = true
  force_destroy    = true
  runtime_class {{
    name   = "{runtime_class}"
    manage = true
  }}
}}
"""

    def both_modes(self, ns, prefix, envbox_extra, sysbox_extra=None):
        """A Terraform directory with workspaces "envbox" in `ns` and
        "sysbox" in a namespace of its own, with the given arguments
        (sysbox: `envbox_extra` unless given); returns it and the sysbox
        namespace. Destroyed at the test's end."""
        ns_sysbox, _, settings = self.sysbox_settings(prefix)
        main_tf = settings + workspace_hcl("envbox", ns, envbox_extra, label="envbox") + \
            workspace_hcl("sysbox", None, '  mode = "sysbox"\n'
                          "  cluster_settings_id = cvm_cluster_settings.sysbox.id\n"
                          + (envbox_extra if sysbox_extra is None else sysbox_extra),
                          label="sysbox", namespace_expr="cvm_cluster_settings.sysbox.namespace")
        d = self.tf(main_tf)
        self.addCleanup(lambda: d.destroy(check=False))
        return d, ns_sysbox

    def assert_import_restores(self, d, address, import_id, keys):
        """After `terraform state rm` and `terraform import` of `address`, the
        plan is empty and each of `keys` is as before."""
        before = d.resource(address)
        d.run("state", "rm", address, check=True)
        imported = d.run("import", "-no-color", address, import_id)
        self.assertEqual(imported.code, 0, imported)
        self.assert_plan_empty(d)
        after = d.resource(address)
        for key in keys:
            self.assertEqual(after[key], before[key], key)


class WorkspacePodOptionsTest(PodOptionsTestCase):
    def create(self, path, body, cleanup_path=None):
        self.cluster.api.request("POST", path, body)
        name = body["metadata"]["name"]
        self.addCleanup(self.cluster.delete, cleanup_path or f"{path}/{name}")

    def prerequisites(self, ns):
        """The ServiceAccount, PriorityClass and RuntimeClass the pod names
        (admission rejects a pod naming one that does not exist)."""
        sfx = suffix()
        sa, priority, runtime = "workspace-sa", f"workspaces-{sfx}", f"nvidia-{sfx}"
        self.create(f"/api/v1/namespaces/{ns}/serviceaccounts",
                    {"apiVersion": "v1", "kind": "ServiceAccount",
                     "metadata": {"name": sa}})
        self.create("/apis/scheduling.k8s.io/v1/priorityclasses",
                    {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                     "metadata": {"name": priority}, "value": 1000})
        self.create_runtime_class(runtime, "runc")
        return sa, priority, runtime

    def pod(self, ns, name):
        return self.cluster.get(f"/api/v1/namespaces/{ns}/pods/{name}")

    def claim(self, ns, name):
        return self.cluster.get(f"/api/v1/namespaces/{ns}/persistentvolumeclaims/{name}-home")

    def test_every_option_applies_reads_back_and_imports(self):
        ns = self.new_namespace("ws-podopt")
        sa, priority, runtime = self.prerequisites(ns)
        name = "podopt"
        d = self.tf(workspace_hcl(name, ns, options_hcl(sa, priority, runtime)))
        self.addCleanup(lambda: d.destroy(check=False))
        applied = d.apply()
        self.assert_no_provider_bug(applied)

        spec = self.pod(ns, name)["spec"]
        with self.subTest("the pod carries each option"):
            self.assertEqual(spec["serviceAccountName"], sa)
            self.assertIs(spec["automountServiceAccountToken"], False)
            self.assertEqual(spec["imagePullSecrets"],
                             [{"name": "mirror-pull"}, {"name": "other-pull"}])
            self.assertEqual(spec["priorityClassName"], priority)
            self.assertEqual(spec["priority"], 1000)  # resolved by admission
            self.assertEqual(spec["runtimeClassName"], runtime)
            self.assertEqual(spec["terminationGracePeriodSeconds"], 120)
            self.assertEqual(spec["dnsPolicy"], "None")
            self.assertEqual(spec["dnsConfig"], {
                "nameservers": ["10.96.0.10"], "searches": ["corp.example.com"],
                "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]})
            self.assertEqual(spec["hostAliases"], [{
                "ip": "10.1.2.3",
                "hostnames": ["git.corp.example.com", "registry.corp.example.com"]}])
            # No token volume: automount is off.
            self.assertFalse(any("serviceaccount" in m["mountPath"]
                                 for c in spec["containers"] for m in c["volumeMounts"]))

        claim = self.claim(ns, name)
        with self.subTest("the claim carries home.labels and home.annotations"):
            self.assertEqual(claim["metadata"]["labels"]["example.com/owner"], "alice")
            self.assertEqual(claim["metadata"]["labels"]["cvm.coder.com/workspace"], name)
            self.assertEqual(claim["metadata"]["annotations"]["coder.com/owner"], "alice")
            self.assertIn("cvm.coder.com/workspace-config", claim["metadata"]["annotations"])

        with self.subTest("plan after apply is empty"):
            self.assert_plan_empty(d)

        with self.subTest("a claim label changed by hand shows and is set back in place"):
            pod_uid = self.pod(ns, name)["metadata"]["uid"]
            self.cluster.merge_patch(
                f"/api/v1/namespaces/{ns}/persistentvolumeclaims/{name}-home",
                {"metadata": {"labels": {"example.com/owner": "mallory"}}})
            plan = d.run("plan", "-no-color", "-detailed-exitcode")
            self.assertEqual(plan.code, 2, plan)
            self.assertIn("will be updated in-place", plan.stdout)
            self.assertNotIn("Pod Will Be Recreated", plan.output)
            d.apply()
            self.assertEqual(
                self.claim(ns, name)["metadata"]["labels"]["example.com/owner"], "alice")
            self.assertEqual(self.pod(ns, name)["metadata"]["uid"], pod_uid)
            self.assert_plan_empty(d)

        with self.subTest("import restores every option"):
            self.assert_import_restores(
                d, "cvm_workspace.dev", f"{ns}/{name}",
                ("service_account_name", "automount_service_account_token",
                 "image_pull_secrets", "priority_class_name", "runtime_class_name",
                 "termination_grace_period", "dns_policy", "dns_config",
                 "host_aliases", "home", "pod_spec_hash"))

    def test_runtime_class_name_is_an_error_in_sysbox_mode(self):
        ns = self.new_namespace("ws-podopt-sysbox")
        d = self.tf(workspace_hcl("rc", ns, '  mode = "sysbox"\n'
                                  '  runtime_class_name = "nvidia"\n'))
        plan = d.run("plan", "-no-color")
        self.assertEqual(plan.code, 1, plan)
        text = flat(plan.output)
        self.assertIn("Error: Not Supported in sysbox Mode", text)
        self.assertIn("runtime_class_name", text)

    def test_affinity_in_both_modes_spreads_an_owners_workspaces(self):
        ns = self.new_namespace("ws-affinity")
        ns_sysbox, runtime_class, settings = self.sysbox_settings("ws-affinity")
        main_tf = settings + "".join(
            affinity_workspace_hcl(label, label, hcl(ns), hcl(ns))
            for label in ("one", "two")) + affinity_workspace_hcl(
                "sysbox", "sysbox", "cvm_cluster_settings.sysbox.namespace",
                hcl(ns_sysbox),
                '  mode = "sysbox"\n'
                "  cluster_settings_id = cvm_cluster_settings.sysbox.id\n")
        d = self.tf(main_tf)
        self.addCleanup(lambda: d.destroy(check=False))
        self.assert_no_provider_bug(d.apply())

        pods = {name: self.pod(ns, name) for name in ("one", "two")}
        with self.subTest("envbox: the pods carry the affinity as written"):
            for pod in pods.values():
                self.assertEqual(pod["spec"]["affinity"], expected_affinity(ns))
        with self.subTest("the required anti-affinity puts an owner's workspaces apart"):
            self.assertNotEqual(pods["one"]["spec"]["nodeName"],
                                pods["two"]["spec"]["nodeName"])
        with self.subTest("sysbox: affinity beside the RuntimeClass's nodeSelector"):
            spec = self.pod(ns_sysbox, "sysbox")["spec"]
            self.assertEqual(spec["runtimeClassName"], runtime_class)
            self.assertEqual(spec["nodeSelector"].get("sysbox-runtime"), "running")
            self.assertEqual(spec["affinity"], expected_affinity(ns_sysbox))
        with self.subTest("plan after apply is empty"):
            self.assert_plan_empty(d)
        with self.subTest("import restores the affinity"):
            self.assert_import_restores(d, "cvm_workspace.one", f"{ns}/one",
                                        ("affinity", "labels", "pod_spec_hash"))

    def test_affinity_errors_at_plan_time(self):
        ns = self.new_namespace("ws-affinity-invalid")
        d = self.tf(workspace_hcl("bad", ns, """
  affinity {
    node_affinity {
      preferred_during_scheduling_ignored_during_execution {
        weight = 0
        preference {
          match_expressions {
            key      = "pool"
            operator = "In"
          }
        }
      }
    }
    pod_anti_affinity {
      required_during_scheduling_ignored_during_execution {
        topology_key = "kubernetes.io/hostname"
        label_selector {
          match_expressions {
            key      = "app"
            operator = "Gt"
            values   = ["1"]
          }
        }
      }
    }
  }
"""))
        plan = d.run("plan", "-no-color")
        self.assertEqual(plan.code, 1, plan)
        text = flat(plan.output)
        self.assertIn("weight", text)
        self.assertIn("must be a whole number from 1 to 100", text)
        self.assertIn("Error: Invalid Match Expression", text)
        self.assertIn("Operator In needs at least one value", text)
        self.assertIn('"Gt"', text)


ENV_FROM_HCL = """
  env = { EDITOR = "vim" }
  env_value_from {
    name = "GH_TOKEN"
    secret_key_ref {
      name     = "gh"
      key      = "token"
      optional = true
    }
  }
  env_value_from {
    name = "REGISTRY"
    config_map_key_ref {
      name = "corp"
      key  = "registry"
    }
  }
"""

SECRET_VALUE = "ghp-e2e-env-from-secret-5d1f"


def env_of(pod):
    return {e["name"]: e for e in pod["spec"]["containers"][0].get("env", [])}


class WorkspaceEnvFromTest(PodOptionsTestCase):
    def test_env_value_from_in_both_modes(self):
        ns = self.new_namespace("ws-envfrom")
        self.cluster.api.request("POST", f"/api/v1/namespaces/{ns}/secrets", {
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "gh"},
            "stringData": {"token": SECRET_VALUE}})
        self.cluster.api.request("POST", f"/api/v1/namespaces/{ns}/configmaps", {
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "corp"},
            "data": {"registry": "registry.corp.example.com"}})
        d, ns_sysbox = self.both_modes(ns, "ws-envfrom", ENV_FROM_HCL)
        self.assert_no_provider_bug(d.apply())

        secret_ref = {"secretKeyRef": {"name": "gh", "key": "token", "optional": True}}
        map_ref = {"configMapKeyRef": {"name": "corp", "key": "registry"}}
        for mode, pod_ns in (("envbox", ns), ("sysbox", ns_sysbox)):
            with self.subTest(mode=mode):
                env = env_of(self.cluster.get(f"/api/v1/namespaces/{pod_ns}/pods/{mode}"))
                self.assertEqual(env["GH_TOKEN"]["valueFrom"], secret_ref)
                self.assertEqual(env["REGISTRY"]["valueFrom"], map_ref)
                self.assertNotIn("value", env["GH_TOKEN"])
                if mode == "envbox":
                    self.assertEqual(env["CODER_INNER_ENVS"]["value"],
                                     "EDITOR,GH_TOKEN,REGISTRY")
                else:
                    self.assertNotIn("CODER_INNER_ENVS", env)
        with self.subTest("the secret's value is not in the state"):
            state = d.run("show", "-json", check=True).stdout
            self.assertNotIn(SECRET_VALUE, state)
            self.assertIn("GH_TOKEN", state)
        with self.subTest("plan after apply is empty"):
            self.assert_plan_empty(d)
        with self.subTest("import restores env_value_from"):
            self.assert_import_restores(d, "cvm_workspace.envbox", f"{ns}/envbox",
                                        ("env_value_from", "env", "pod_spec_hash"))

    def test_a_name_in_env_and_env_value_from_is_an_error(self):
        ns = self.new_namespace("ws-envfrom-invalid")
        d = self.tf(workspace_hcl("bad", ns, ENV_FROM_HCL.replace(
            '"GH_TOKEN"', '"EDITOR"').replace('"REGISTRY"', '"LD_PRELOAD"')))
        plan = d.run("plan", "-no-color")
        self.assertEqual(plan.code, 1, plan)
        text = flat(plan.output)
        self.assertIn("Error: Duplicate Environment Variable", text)
        self.assertIn("EDITOR is already set by env", text)
        self.assertIn("Error: Environment Variable Would Change envbox", text)
        self.assertIn("In envbox mode env_value_from is set on the envbox container", text)


VOLUMES_HCL = """
  volume {
    name = "corp-ca"
    secret {
      name = "corp-ca"
    }
  }
  volume {
    name   = "app"
    target = "/etc/app"
    config_map {
      name     = "app"
      optional = true
    }
  }
  volume {
    name      = "tools"
    target    = "/opt/tools"
    read_only = true
    nfs {
      server = "192.0.2.10"
      path   = "/exports/tools"
    }
  }
"""

ENVBOX_HCL = """
  envbox {
    extra_certs_volume     = "corp-ca"
    extra_certs_file       = "ca.crt"
    docker_config_volume   = "app"
    disable_idmapped_mount = true
    inner_work_dir         = "/home/coder/src"
    inner_usr_lib_dir      = "/usr/lib64"
  }
"""


class WorkspaceVolumesTest(PodOptionsTestCase):
    def test_volumes_and_envbox_settings_in_both_modes(self):
        ns = self.new_namespace("ws-volumes")
        self.cluster.api.request("POST", f"/api/v1/namespaces/{ns}/secrets", {
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "corp-ca"},
            "stringData": {"ca.crt": "-----BEGIN CERTIFICATE-----"}})
        sysbox_volumes = VOLUMES_HCL.replace(
            'name = "corp-ca"\n    secret', 'name   = "corp-ca"\n    target = "/etc/corp-ca"\n    secret')
        d, ns_sysbox = self.both_modes(ns, "ws-volumes", VOLUMES_HCL + ENVBOX_HCL, sysbox_volumes)
        self.assert_no_provider_bug(d.apply())

        volumes = {
            "vol-corp-ca": {"secret": {"secretName": "corp-ca"}},
            "vol-app": {"configMap": {"name": "app", "optional": True}},
            "vol-tools": {"nfs": {"server": "192.0.2.10", "path": "/exports/tools",
                                  "readOnly": True}},
        }
        for mode, pod_ns in (("envbox", ns), ("sysbox", ns_sysbox)):
            with self.subTest(mode=mode):
                pod = self.cluster.get(f"/api/v1/namespaces/{pod_ns}/pods/{mode}")
                by_name = {v["name"]: v for v in pod["spec"]["volumes"]}
                for name, source in volumes.items():
                    got = {k: v for k, v in by_name[name].items() if k != "name"}
                    # The API server adds the Secret's and ConfigMap's defaultMode.
                    for kind in ("secret", "configMap"):
                        got.get(kind, {}).pop("defaultMode", None)
                    self.assertEqual(got, source, name)
                mounts = {m["name"]: m for m in pod["spec"]["containers"][0]["volumeMounts"]}
                env = env_of(pod)
                if mode == "envbox":
                    self.assertEqual(mounts["vol-app"]["mountPath"], "/home/.cvm-volume-app")
                    self.assertEqual(
                        env["CODER_MOUNTS"]["value"],
                        "/home/coder:/home/coder,/home/.cvm-volume-app:/etc/app:ro,"
                        "/home/.cvm-volume-tools:/opt/tools:ro")
                    self.assertEqual(env["CODER_EXTRA_CERTS_PATH"]["value"],
                                     "/home/.cvm-volume-corp-ca/ca.crt")
                    self.assertEqual(env["CODER_DISABLE_IDMAPPED_MOUNT"]["value"], "true")
                    self.assertEqual(env["CODER_DOCKER_CONFIG"]["value"],
                                     "/home/.cvm-volume-app/.dockerconfigjson")
                    self.assertEqual(env["CODER_INNER_WORK_DIR"]["value"], "/home/coder/src")
                    self.assertEqual(env["CODER_INNER_USR_LIB_DIR"]["value"], "/usr/lib64")
                else:
                    self.assertEqual(mounts["vol-corp-ca"]["mountPath"], "/etc/corp-ca")
                    self.assertEqual(mounts["vol-tools"],
                                     {"name": "vol-tools", "mountPath": "/opt/tools",
                                      "readOnly": True})
        with self.subTest("plan after apply is empty"):
            self.assert_plan_empty(d)
        with self.subTest("import restores volume and envbox"):
            self.assert_import_restores(d, "cvm_workspace.envbox", f"{ns}/envbox",
                                        ("volume", "envbox", "pod_spec_hash"))

    def test_a_sysbox_volume_needs_a_target_and_envbox_names_a_volume(self):
        ns = self.new_namespace("ws-volumes-invalid")
        d = self.tf(workspace_hcl("bad", ns, '  mode = "sysbox"\n' + VOLUMES_HCL + ENVBOX_HCL)
                    + workspace_hcl("bad2", ns, ENVBOX_HCL, label="bad2"))
        plan = d.run("plan", "-no-color")
        self.assertEqual(plan.code, 1, plan)
        text = flat(plan.output)
        self.assertIn("Error: Missing Volume Target", text)
        self.assertIn("Error: envbox Settings Need envbox Mode", text)
        self.assertIn("Error: Unknown Volume", text)
        self.assertIn('No volume block is named "corp-ca"', text)


OVERRIDES_HCL = """
  pod_overrides = jsonencode({
    metadata = { labels = { team = "infra" } }
    spec = {
      initContainers = [{ name = "setup", image = "busybox:1.36", command = ["true"] }]
      containers = [
        { name = "dev", ports = [{ containerPort = 8080, name = "http" }] },
        { name = "proxy", image = "envoyproxy/envoy:v1.31.0" },
      ]
    }
  })
"""


class WorkspacePodOverridesTest(PodOptionsTestCase):
    def test_overrides_add_to_the_pod_in_both_modes(self):
        ns = self.new_namespace("ws-overrides")
        d, ns_sysbox = self.both_modes(ns, "ws-overrides", OVERRIDES_HCL)
        plan = d.plan()
        self.assertEqual(plan.code, 0, plan)
        text = flat(plan.output)
        self.assertIn("Warning: Pod Overrides Add to the Pod", text)
        self.assertIn("spec.containers[name=proxy]", text)
        self.assertIsNone(self.cluster.get(f"/api/v1/namespaces/{ns}/pods/envbox-cvm-dry-run"))
        self.assert_no_provider_bug(d.apply())

        for mode, pod_ns in (("envbox", ns), ("sysbox", ns_sysbox)):
            with self.subTest(mode=mode):
                pod = self.cluster.get(f"/api/v1/namespaces/{pod_ns}/pods/{mode}")
                containers = {c["name"]: c for c in pod["spec"]["containers"]}
                inits = {c["name"]: c for c in pod["spec"].get("initContainers", [])}
                self.assertEqual(containers["proxy"]["image"], "envoyproxy/envoy:v1.31.0")
                self.assertEqual(inits["setup"]["command"], ["true"])
                self.assertEqual(containers["dev"]["ports"][0]["containerPort"], 8080)
                self.assertEqual(pod["metadata"]["labels"]["team"], "infra")
                self.assertEqual(pod["metadata"]["labels"]["cvm.coder.com/workspace"], mode)
                if mode == "envbox":
                    self.assertTrue(containers["dev"]["securityContext"]["privileged"])
                else:
                    self.assertIn("home-owner", inits)
        with self.subTest("plan after apply is empty"):
            self.assert_plan_empty(d)
        with self.subTest("import restores pod_overrides"):
            self.assert_import_restores(d, "cvm_workspace.envbox", f"{ns}/envbox",
                                        ("pod_overrides", "pod_spec_hash"))

    def test_overrides_the_server_rejects_or_that_change_the_pod_fail_the_plan(self):
        ns = self.new_namespace("ws-overrides-invalid")
        cases = {
            "no-image": ('{ spec = { containers = [{ name = "proxy" }] } }',
                         ["Error: Pod Overrides Rejected", "image: Required value"]),
            "unknown-field": ('{ spec = { containers = [{ name = "proxy", image = "x", '
                              'imagePulPolicy = "Always" }] } }',
                              ["Error: Pod Overrides Rejected", "imagePulPolicy"]),
            "changes": ('{ spec = { restartPolicy = "Always" } }',
                        ["Error: Invalid Pod Overrides",
                         'would change spec.restartPolicy from "Never" to "Always"']),
            "host-path": ('{ spec = { volumes = [{ name = "h", hostPath = { path = "/" } }] } }',
                          ["cannot add hostPath volumes"]),
        }
        for name, (overrides, expected) in cases.items():
            with self.subTest(name):
                d = self.tf(workspace_hcl(name, ns, f"  pod_overrides = jsonencode({overrides})\n"))
                plan = d.plan()
                self.assertEqual(plan.code, 1, plan)
                text = flat(plan.output)
                for e in expected:
                    self.assertIn(e, text)
                self.assertIn("pod_overrides", text)
                self.assert_no_provider_bug(plan)
                self.assertEqual(self.cluster.names(f"/api/v1/namespaces/{ns}/pods"), [])


if __name__ == "__main__":
    unittest.main()
