"""End-to-end: the real terraform CLI runs the built provider.

Without a cluster: init from a filesystem mirror, validate (valid and invalid
configurations), providers schema -json, and TF_LOG=trace output without
secrets. With the local control plane (CVM_CLUSTER_DIR set): plan of a create.
"""

import json
import os
import statistics
import unittest

from tfharness import ClusterTestCase, TerraformTestCase, flat, needs_cluster

SECRET_TOKEN = "cvm-e2e-agent-token-6d0b2f9e1c"
PROVIDER_TOKEN = "cvm-e2e-provider-token-a17c44"

WORKSPACE = """
resource "cvm_workspace" "dev" {
  name        = "dev-1"
  namespace   = "coder"
  inner_image = "docker.io/codercom/enterprise-base:ubuntu"
  agent_token = "%s"
  cpu {
    limit = "2"
  }
  memory {
    limit = "4Gi"
  }
  %s
}
"""

OFFLINE_PROVIDER = """
provider "cvm" {
  host                   = "https://127.0.0.1:1"
  token                  = "%s"
  cluster_ca_certificate = "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"
}
""" % PROVIDER_TOKEN


def workspace(extra=""):
    return WORKSPACE % (SECRET_TOKEN, extra)


class OfflineTest(TerraformTestCase):
    """What works without any cluster."""

    @classmethod
    def provider_block(cls):
        return OFFLINE_PROVIDER

    def test_init_installs_from_mirror_and_locks_hash(self):
        d = self.tf(workspace())
        with open(os.path.join(d.path, ".terraform.lock.hcl")) as f:
            lock = f.read()
        self.assertIn('provider "registry.terraform.io/cvm/cvm"', lock)
        self.assertIn('"h1:', lock)

    def test_validate_accepts_valid_configuration(self):
        d = self.tf(workspace())
        durations = []
        for _ in range(3):
            result = d.run("validate", "-no-color")
            self.assertEqual(result.code, 0, result)
            durations.append(result.seconds)
        print(f"\nterraform validate: median {statistics.median(durations) * 1000:.0f} ms "
              f"over {len(durations)} runs")

    def test_validate_rejects_invalid_configurations_naming_the_attribute(self):
        settings = """
resource "cvm_cluster_settings" "s" {
  namespace = "coder"
  %s
}
"""
        cases = [
            ("amd gpu", settings % 'gpu_vendor = "amd"', "gpu_vendor", "not supported"),
            ("shiftfs without caching", settings % "auto_load_shiftfs = true",
             "auto_load_shiftfs", "caching = true"),
            ("ipv6 bridge", settings % 'docker_bridge_cidr = "fd00::/64"',
             "docker_bridge_cidr", "IPv4 only"),
            ("bridge too small", settings % 'docker_bridge_cidr = "172.19.0.0/31"',
             "docker_bridge_cidr", "/30"),
            ("mount under /tmp",
             workspace('mounts = [{ source = "data", target = "/tmp/data" }]'),
             "mounts", "vanish once it boots"),
            ("home too small", workspace('home {\n    size = "5Gi"\n  }'), "size", "10Gi"),
            ("bad name", workspace("").replace('"dev-1"', '"Dev_1"'), "name",
             "not a valid name"),
            ("typo", workspace('inner_imag = "x"'), "inner_imag", "Unsupported argument"),
            ("wrong type", workspace('running = "maybe"'), "running", "Incorrect attribute value"),
            ("request above limit",
             workspace("").replace('limit = "2"', 'request = "4"\n    limit = "2"'),
             "request", "larger than"),
            ("privileged in sysbox mode", workspace('mode = "sysbox"\n  privileged = true'),
             "privileged", "sysbox"),
        ]
        for name, main_tf, attribute, message in cases:
            with self.subTest(name):
                d = self.tf(main_tf)
                result = d.run("validate", "-no-color")
                self.assertEqual(result.code, 1, result)
                self.assertIn(attribute, result.output)
                self.assertIn(message, flat(result.output))

    def test_providers_schema_lists_both_resources_with_attributes(self):
        d = self.tf(workspace())
        result = d.run("providers", "schema", "-json", check=True)
        schema = json.loads(result.stdout)["provider_schemas"]["registry.terraform.io/cvm/cvm"]
        self.assertIn("config_path", schema["provider"]["block"]["attributes"])
        resources = schema["resource_schemas"]
        self.assertEqual(sorted(resources), ["cvm_cluster_settings", "cvm_workspace"])
        ws = resources["cvm_workspace"]["block"]
        for attr in ("name", "namespace", "mode", "inner_image", "agent_token",
                     "host_path_mounts", "running"):
            self.assertIn(attr, ws["attributes"])
        self.assertTrue(ws["attributes"]["agent_token"]["sensitive"])
        self.assertTrue(ws["attributes"]["agent_token"].get("write_only"))
        for block in ("cpu", "memory", "home", "gpu", "timeouts"):
            self.assertIn(block, ws["block_types"])
        cs = resources["cvm_cluster_settings"]["block"]["attributes"]
        for attr in ("caching", "auto_load_shiftfs", "gpu_vendor", "host_path_mounts"):
            self.assertIn(attr, cs)
        self.assertEqual(sorted(schema["data_source_schemas"]),
                         ["cvm_cluster_settings", "cvm_workspace_manifest"])

    def test_trace_log_of_validate_holds_no_secret(self):
        d = self.tf(workspace())
        result = d.run("validate", "-no-color", env={"TF_LOG": "trace"})
        self.assertEqual(result.code, 0, result)
        self.assertIn("provider.terraform-provider-cvm", result.output)
        self.assertNotIn(SECRET_TOKEN, result.output)
        self.assertNotIn(PROVIDER_TOKEN, result.output)

    def test_provider_without_any_connection_settings_is_a_clear_error(self):
        d = self.tf("""
resource "cvm_cluster_settings" "s" {
  namespace = "coder"
}
""", provider="")
        result = d.plan()
        self.assertEqual(result.code, 1, result)
        text = flat(result.output)
        self.assertIn("Invalid Kubernetes Connection Settings", text)
        self.assertIn("config_path", text)
        self.assertIn("never falls back to localhost", text)


@needs_cluster
class ClusterPlanTest(ClusterTestCase):
    def test_plan_of_a_create_shows_the_workspace_without_secrets(self):
        ns = self.new_namespace("e2e-plan")
        # The token arrives as Coder's does, from elsewhere; an ephemeral
        # variable keeps it out of the saved plan (a literal in main.tf would
        # be in the plan's configuration section by definition).
        body = ('variable "agent_token" {\n  type      = string\n'
                '  ephemeral = true\n}\n' +
                (WORKSPACE % ("%s", "")).replace('"coder"', f'"{ns}"')
                .replace('"%s"', "var.agent_token"))
        d = self.tf(body, env={"TF_VAR_agent_token": SECRET_TOKEN})
        result = d.plan(env={"TF_LOG": "trace"})
        self.assertEqual(result.code, 0, result)
        self.assertIn("cvm_workspace.dev will be created", result.stdout)
        self.assertIn("Plan: 1 to add", result.stdout)
        # What the namespace's settings decide is read at apply: they may
        # change before a saved plan is applied.
        self.assertRegex(result.stdout, r"host_path_mounts\s+= \(known after apply\)")
        self.assertNotIn(SECRET_TOKEN, result.output)
        plan = d.plan_json()
        change = plan["resource_changes"][0]["change"]
        self.assertTrue(change["after_unknown"]["host_path_mounts"])
        planned = change["after"]
        self.assertIsNone(planned.get("agent_token"))
        self.assertNotIn(SECRET_TOKEN, json.dumps(plan))


if __name__ == "__main__":
    unittest.main()
