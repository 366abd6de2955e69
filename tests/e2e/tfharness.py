"""Drives the real `terraform` CLI against the built provider.

Each TerraformDir is a fresh working directory whose CLI configuration
installs `cvm/cvm` from a private filesystem mirror holding the binary under
test (CVM_PROVIDER_BINARY), so `terraform init` never reaches a registry.
Cluster tests get the local control plane through CVM_CLUSTER_DIR (see
tests/cluster/README.md) and talk to it with the node simulator's ApiClient.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))

from node_simulator import ApiClient, ApiError, read_env_file  # noqa: E402,F401

VERSION = open(os.path.join(HERE, "..", "..", "release", "VERSION")).read().strip()
_MIRROR = None


def provider_binary():
    path = os.environ.get("CVM_PROVIDER_BINARY", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("set CVM_PROVIDER_BINARY to the built terraform-provider-cvm")
    return path


def mirror_dir():
    """A filesystem mirror (unpacked layout) with the provider under test."""
    global _MIRROR
    if _MIRROR is None:
        _MIRROR = tempfile.mkdtemp(prefix="cvm-mirror-")
        pkg = os.path.join(_MIRROR, "registry.terraform.io", "cvm", "cvm", VERSION,
                           "linux_amd64")
        os.makedirs(pkg)
        shutil.copy2(provider_binary(), os.path.join(pkg, f"terraform-provider-cvm_v{VERSION}"))
    return _MIRROR


class Result:
    def __init__(self, args, proc, seconds):
        self.args = args
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.seconds = seconds

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return (f"terraform {' '.join(self.args)} -> {self.code}\n"
                f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}")


class TerraformDir:
    """A Terraform working directory in a temp dir, removed by cleanup()."""

    def __init__(self, files=None, env=None):
        self.path = tempfile.mkdtemp(prefix="cvm-tf-")
        rc = os.path.join(self.path, ".terraformrc")
        with open(rc, "w") as f:
            f.write('provider_installation {\n'
                    f'  filesystem_mirror {{\n    path = "{mirror_dir()}"\n'
                    '    include = ["registry.terraform.io/cvm/cvm"]\n  }\n'
                    '  direct { exclude = ["registry.terraform.io/cvm/cvm"] }\n}\n')
        self.env = dict(os.environ)
        for key in [k for k in self.env if k.startswith(("TF_", "KUBE_"))]:
            del self.env[key]
        self.env.update({
            "TF_CLI_CONFIG_FILE": rc,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "TF_PLUGIN_CACHE_DIR": "",
        })
        self.env.update(env or {})
        for name, text in (files or {}).items():
            self.write(name, text)

    def write(self, name, text):
        with open(os.path.join(self.path, name), "w") as f:
            f.write(text)

    def run(self, *args, env=None, check=False, timeout=600):
        full_env = dict(self.env)
        full_env.update(env or {})
        start = time.monotonic()
        proc = subprocess.run(["terraform", *args], cwd=self.path, env=full_env,
                              capture_output=True, text=True, timeout=timeout)
        result = Result(list(args), proc, time.monotonic() - start)
        if check and result.code != 0:
            raise AssertionError(repr(result))
        return result

    def init(self):
        return self.run("init", "-no-color", check=True)

    def apply(self, *extra, check=True, env=None):
        return self.run("apply", "-auto-approve", "-no-color", *extra, check=check, env=env)

    def plan(self, *extra, check=False, env=None):
        return self.run("plan", "-no-color", "-input=false", *extra, check=check, env=env)

    def plan_json(self, *extra):
        """Plans to a file and returns `terraform show -json` of it."""
        self.run("plan", "-no-color", "-out=tfplan", *extra, check=True)
        return json.loads(self.run("show", "-json", "tfplan", check=True).stdout)

    def plan_is_empty(self):
        """True when a refresh + plan shows no changes (exit code 0 of -detailed-exitcode)."""
        result = self.run("plan", "-no-color", "-detailed-exitcode")
        if result.code == 1:
            raise AssertionError(repr(result))
        return result.code == 0, result

    def state(self):
        result = self.run("show", "-json", check=True)
        return json.loads(result.stdout) if result.stdout.strip() else {}

    def resource(self, address):
        """The state values of one resource, or None."""
        def walk(module):
            for r in module.get("resources", []):
                if r["address"] == address:
                    return r["values"]
            for child in module.get("child_modules", []):
                found = walk(child)
                if found is not None:
                    return found
            return None
        state = self.state()
        return walk(state.get("values", {}).get("root_module", {}))

    def destroy(self, check=True):
        return self.run("destroy", "-auto-approve", "-no-color", check=check)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def wait_for(what, probe, timeout=60.0, interval=0.2):
    """Calls probe() until it returns something true (returned), or raises
    AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def mint_client_certificate(cluster_dir, key, crt, user, group="system:masters"):
    """Writes `crt`, a one-day certificate for `user` in `group` signed by the
    local cluster's CA (in cluster_dir/pki), for the existing EC key `key`.
    A user of its own lets the audit log count exactly its requests."""
    pki = os.path.join(cluster_dir, "pki")
    csr = crt + ".csr"
    subprocess.run(["openssl", "req", "-new", "-key", key, "-subj", f"/CN={user}/O={group}",
                    "-out", csr], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(pki, "ca.crt"),
                    "-CAkey", os.path.join(pki, "ca.key"),
                    "-set_serial", str(int(uuid.uuid4().hex[:15], 16)), "-days", "1",
                    "-out", crt], check=True, capture_output=True)
    os.remove(csr)


def new_ec_key(path):
    """Writes a new P-256 private key (PEM) to `path`."""
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                    "-out", path], check=True, capture_output=True)


class Cluster:
    """The running local control plane of the ctest fixture `cvm_cluster`."""

    def __init__(self):
        self.dir = os.environ.get("CVM_CLUSTER_DIR", "")
        env_file = os.path.join(self.dir, "env")
        if not self.dir or not os.path.exists(env_file):
            raise RuntimeError("no running cluster: set CVM_CLUSTER_DIR (tests/cluster/start.sh)")
        self.env = read_env_file(env_file)
        self.kubeconfig = self.env["CVM_KUBECONFIG"]
        self.api = ApiClient(self.env["KUBE_HOST"], self.env["KUBE_CA_FILE"],
                             cert_file=self.env["KUBE_CLIENT_CERT_FILE"],
                             key_file=self.env["KUBE_CLIENT_KEY_FILE"])

    def provider_block(self, extra=""):
        return (f'provider "cvm" {{\n  config_path = "{self.kubeconfig}"\n{extra}}}\n')

    def get(self, path):
        """GET an API path; None on 404."""
        try:
            return self.api.request("GET", path)
        except ApiError as e:
            if e.status == 404:
                return None
            raise

    def delete(self, path):
        try:
            return self.api.request("DELETE", path)
        except ApiError as e:
            if e.status == 404:
                return None
            raise

    def create_namespace(self, name, labels=None):
        body = {"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": name, "labels": labels or {}}}
        try:
            self.api.request("POST", "/api/v1/namespaces", body)
        except ApiError as e:
            if e.status != 409:
                raise

    def wait(self, what, probe, timeout=60.0, interval=0.2):
        return wait_for(what, probe, timeout, interval)

    def names(self, path):
        """Sorted object names of a list path."""
        items = self.api.request("GET", path).get("items", [])
        return sorted(i["metadata"]["name"] for i in items)


REQUIRED_PROVIDERS = """terraform {
  required_providers {
    cvm = { source = "cvm/cvm" }
  }
}
"""
