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
  * runtime_class_name in sysbox mode is a plan-time error naming it.
"""

import unittest

from tfharness import (AGENT_TOKEN_VARIABLE, INNER_IMAGE, ClusterTestCase, flat, hcl,
                       needs_cluster, suffix)

TOKEN = "cvm-e2e-pod-options-token-81c2e4"


def workspace_hcl(name, namespace, extra):
    return f"""
resource "cvm_workspace" "dev" {{
  name        = "{name}"
  namespace   = {hcl(namespace)}
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


@needs_cluster
class WorkspacePodOptionsTest(ClusterTestCase):
    tf_files = {"variables.tf": AGENT_TOKEN_VARIABLE}
    tf_env = {"TF_VAR_agent_token": TOKEN}

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
            before = d.resource("cvm_workspace.dev")
            d.run("state", "rm", "cvm_workspace.dev", check=True)
            imported = d.run("import", "-no-color", "cvm_workspace.dev", f"{ns}/{name}")
            self.assertEqual(imported.code, 0, imported)
            self.assert_plan_empty(d)
            after = d.resource("cvm_workspace.dev")
            for key in ("service_account_name", "automount_service_account_token",
                        "image_pull_secrets", "priority_class_name", "runtime_class_name",
                        "termination_grace_period", "dns_policy", "dns_config",
                        "host_aliases", "home", "pod_spec_hash"):
                self.assertEqual(after[key], before[key], key)

    def test_runtime_class_name_is_an_error_in_sysbox_mode(self):
        ns = self.new_namespace("ws-podopt-sysbox")
        d = self.tf(workspace_hcl("rc", ns, '  mode = "sysbox"\n'
                                  '  runtime_class_name = "nvidia"\n'))
        plan = d.run("plan", "-no-color")
        self.assertEqual(plan.code, 1, plan)
        text = flat(plan.output)
        self.assertIn("Error: Not Supported in sysbox Mode", text)
        self.assertIn("runtime_class_name", text)


if __name__ == "__main__":
    unittest.main()
