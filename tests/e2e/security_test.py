"""End-to-end security checks through the real terraform CLI.

Against the local control plane (tests/cluster):
  * secrets (the agent token, the provider's bearer token and its client
    key) appear in no output of `terraform apply` and `destroy` at any
    TF_LOG level (trace, debug, info, warn, error), nor in the state;
  * they appear in no error message either (an apply refused with 403);
  * TLS verification of the API server is on by default: without the CA
    the plan fails on the certificate; `insecure = true` plans with a
    warning that names the attribute.

The process-level checks (socket directory, client certificates, loopback
only, malformed requests, crash output) are in process_test.cc.
"""

import base64
import unittest

from tfharness import AGENT_TOKEN_VARIABLE, INNER_IMAGE, ClusterTestCase, flat, hcl, needs_cluster

AGENT_TOKEN = "cvm-sec-agent-token-5e1f0c93ab7d"
LEVELS = ("trace", "debug", "info", "warn", "error")


def workspace_hcl(ns, name):
    return f"""
resource "cvm_workspace" "sec" {{
  name            = "{name}"
  namespace       = "{ns}"
  inner_image     = "{INNER_IMAGE}"
  agent_token     = var.agent_token
  wait_for_ready  = false
  cpu {{
    limit = "1"
  }}
  memory {{
    limit = "1Gi"
  }}
}}
"""


def read(path):
    with open(path) as f:
        return f.read()


@needs_cluster
class SecretsTest(ClusterTestCase):
    tf_files = {"variables.tf": AGENT_TOKEN_VARIABLE}
    tf_env = {"TF_VAR_agent_token": AGENT_TOKEN}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.cluster.env
        cls.host = env["KUBE_HOST"]
        cls.ca = read(env["KUBE_CA_FILE"])
        cls.cert = read(env["KUBE_CLIENT_CERT_FILE"])
        cls.key = read(env["KUBE_CLIENT_KEY_FILE"])
        cls.bearer = env["KUBE_TOKEN_ADMIN"]
        cls.nobody = env["KUBE_TOKEN_NOBODY"]

    def needles(self, bearer):
        """Every form in which a secret could leak: clear, base64, key body lines."""
        out = {"agent token": AGENT_TOKEN,
               "agent token (base64)": base64.b64encode(AGENT_TOKEN.encode()).decode(),
               "bearer token": bearer}
        body = [line for line in self.key.splitlines()
                if line and not line.startswith("-----")]
        for i, line in enumerate(body):
            if len(line) >= 32:
                out[f"client key line {i}"] = line
        out["client key (one line)"] = "".join(body)[:48]
        return out

    def assert_no_secret(self, text, where, bearer):
        for what, needle in self.needles(bearer).items():
            self.assertNotIn(needle, text, f"{what} in {where}")

    def provider_hcl(self, token, with_key=True, ca=True, extra=""):
        lines = [f"  host  = {hcl(self.host)}",
                 f"  token = {hcl(token)}"]
        if ca:
            lines.append(f"  cluster_ca_certificate = {hcl(self.ca)}")
        if with_key:
            lines.append(f"  client_certificate = {hcl(self.cert)}")
            lines.append(f"  client_key         = {hcl(self.key)}")
        return 'provider "cvm" {\n' + "\n".join(lines) + "\n" + extra + "}\n"

    def test_apply_and_destroy_at_every_log_level_hold_no_secret(self):
        ns = self.new_namespace("sec")
        # The provider's credentials come in through the configuration (a
        # bearer token and a client key), the agent token from a variable.
        d = self.tf(workspace_hcl(ns, "sec"), self.provider_hcl(self.bearer))
        self.addCleanup(lambda: d.destroy(check=False))
        for level in LEVELS:
            with self.subTest(TF_LOG=level):
                env = {"TF_LOG": level}
                applied = d.apply(check=False, env=env)
                self.assertEqual(applied.code, 0, applied)
                if level == "trace":
                    # The provider's own log lines reached terraform's log.
                    self.assertIn("terraform-provider-cvm", applied.stderr)
                self.assert_no_secret(applied.output, f"apply at TF_LOG={level}",
                                      self.bearer)
                self.assertIsNotNone(
                    self.cluster.get(f"/api/v1/namespaces/{ns}/secrets/sec-agent"))
                self.assert_no_secret(d.read("terraform.tfstate"),
                                      "terraform.tfstate", self.bearer)
                destroyed = d.run("destroy", "-auto-approve", "-no-color", env=env)
                self.assertEqual(destroyed.code, 0, destroyed)
                self.assert_no_secret(destroyed.output, f"destroy at TF_LOG={level}",
                                      self.bearer)

    def test_error_messages_hold_no_secret(self):
        ns = self.new_namespace("sec")
        # A user without rights: the apply fails with the API server's 403.
        d = self.tf(workspace_hcl(ns, "denied"),
                    self.provider_hcl(self.nobody, with_key=False))
        for level in ("trace", "error"):
            with self.subTest(TF_LOG=level):
                result = d.apply(check=False, env={"TF_LOG": level})
                self.assertEqual(result.code, 1, result)
                self.assertIn("Error:", result.output)
                self.assert_no_secret(result.output, f"failed apply at TF_LOG={level}",
                                      self.nobody)

    def test_tls_verification_is_on_by_default(self):
        ns = self.new_namespace("sec")
        # No CA: the API server's certificate (signed by the cluster's own
        # CA) must be refused.
        d = self.tf(workspace_hcl(ns, "tls"),
                    self.provider_hcl(self.bearer, with_key=False, ca=False))
        result = d.plan()
        self.assertEqual(result.code, 1, result)
        self.assertRegex(flat(result.output).lower(), r"certificate|ssl|tls", result)
        self.assert_no_secret(result.output, "plan refused by TLS", self.bearer)

    def test_insecure_warns_in_the_plan(self):
        ns = self.new_namespace("sec")
        d = self.tf(workspace_hcl(ns, "insecure"),
                    self.provider_hcl(self.bearer, with_key=False, ca=False,
                                      extra="  insecure = true\n"))
        result = d.plan()
        self.assertEqual(result.code, 0, result)
        text = flat(result.output)
        self.assertIn("Warning: TLS Verification Disabled", text, result)
        self.assertIn("insecure", text)
        self.assertIn("cvm_workspace.sec will be created", result.stdout)


if __name__ == "__main__":
    unittest.main()
