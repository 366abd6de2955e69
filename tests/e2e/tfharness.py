"""The harness of the end-to-end tests: the real `terraform` CLI against the
built provider, and the local control plane it talks to.

Each TerraformDir is a fresh working directory whose CLI configuration
installs `cvm/cvm` from a private filesystem mirror holding the binary under
test (CVM_PROVIDER_BINARY), so `terraform init` never reaches a registry.
Cluster tests get the local control plane through CVM_CLUSTER_DIR (see
tests/cluster/README.md), or start one of their own (PrivateCluster), and
talk to it with the node simulator's ApiClient (Cluster). TerraformTestCase
and ClusterTestCase give a test working directories, namespaces and users
that are removed when it ends.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER_SCRIPTS = os.path.join(HERE, "..", "cluster")
sys.path.insert(0, CLUSTER_SCRIPTS)

from node_simulator import ApiClient, ApiError, read_env_file  # noqa: E402,F401

VERSION = open(os.path.join(HERE, "..", "..", "release", "VERSION")).read().strip()
_MIRROR = None

CLUSTER_DIR = os.environ.get("CVM_CLUSTER_DIR", "")
HAVE_CLUSTER = bool(CLUSTER_DIR) and os.path.exists(os.path.join(CLUSTER_DIR, "env"))
needs_cluster = unittest.skipUnless(HAVE_CLUSTER,
                                    "needs the local control plane (tests/cluster/start.sh)")

REQUIRED_PROVIDERS = """terraform {
  required_providers {
    cvm = { source = "cvm/cvm" }
  }
}
"""

# The agent token comes in through an ephemeral variable (Terraform >= 1.10),
# the way write-only arguments are meant to be fed: Terraform itself keeps a
# literal in main.tf, or a plain variable, in the saved plan.
AGENT_TOKEN_VARIABLE = """
variable "agent_token" {
  type      = string
  sensitive = true
  ephemeral = true
}
"""

INNER_IMAGE = "docker.io/codercom/enterprise-base:ubuntu"

WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}

# What Terraform prints when a provider breaks its own plan (final plan or
# apply result differs from the plan); never acceptable output.
PROVIDER_BUG_MARKERS = ("Provider produced inconsistent", "This is a bug in the provider")


def suffix():
    """Six random hex digits, to make a name unique to one test."""
    return uuid.uuid4().hex[:6]


def flat(text):
    """`text` on one line, without Terraform's line wrapping and box characters."""
    return re.sub(r"[\s│]+", " ", text).strip()


def hcl(value):
    """The HCL literal of a string, number, bool or map of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {hcl(v)}' for k, v in value.items()) + " }"
    return json.dumps(value)


def error_blocks(output):
    """The 'Error: ...' diagnostics of terraform's output, one string each."""
    return ["Error: " + b for b in re.split(r"\n[│ ]*Error: ", "\n" + output)[1:]]


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
    """A Terraform working directory in a temp dir, removed by cleanup().

    Files are UTF-8 (lone surrogates written as the raw bytes they stand
    for) and so is terraform's output (bytes that are not UTF-8 replaced);
    environment values may carry raw bytes the same way."""

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
        """Writes file `name` (a path inside the directory, e.g. of a local
        module: its directories are created)."""
        path = os.path.join(self.path, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)

    def read(self, name):
        """The text of file `name` of the directory."""
        with open(os.path.join(self.path, name), encoding="utf-8") as f:
            return f.read()

    def run(self, *args, env=None, check=False, timeout=600):
        full_env = dict(self.env)
        full_env.update(env or {})
        start = time.monotonic()
        proc = subprocess.run(["terraform", *args], cwd=self.path, env=full_env,
                              capture_output=True, encoding="utf-8", errors="replace",
                              timeout=timeout)
        result = Result(list(args), proc, time.monotonic() - start)
        if check and result.code != 0:
            raise AssertionError(repr(result))
        return result

    def start(self, *args):
        """terraform `args` in the background, stdout and stderr in one
        stream; returns the Popen."""
        return subprocess.Popen(["terraform", *args], cwd=self.path, env=dict(self.env),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

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

    def apply_plan(self, plan_file="tfplan", check=False):
        """terraform apply of a saved plan (`terraform plan -out=plan_file`)."""
        return self.run("apply", "-no-color", "-input=false", plan_file, check=check)

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
    """A running local control plane: the one in `directory`, by default the
    ctest fixture's `cvm_cluster` (CVM_CLUSTER_DIR)."""

    def __init__(self, directory=None):
        self.dir = directory or CLUSTER_DIR
        env_file = os.path.join(self.dir, "env")
        if not self.dir or not os.path.exists(env_file):
            raise RuntimeError(f"no running cluster in {self.dir!r}: set CVM_CLUSTER_DIR "
                               "(tests/cluster/start.sh)")
        self.env = read_env_file(env_file)
        self.kubeconfig = self.env["CVM_KUBECONFIG"]
        self.api = ApiClient(self.env["KUBE_HOST"], self.env["KUBE_CA_FILE"],
                             cert_file=self.env["KUBE_CLIENT_CERT_FILE"],
                             key_file=self.env["KUBE_CLIENT_KEY_FILE"])
        self.audit = AuditLog(self.env.get("CVM_AUDIT_LOG"), self.api)

    def provider_block(self, extra=""):
        """A provider "cvm" block with the admin's kubeconfig, and `extra` lines."""
        return (f'provider "cvm" {{\n  config_path = "{self.kubeconfig}"\n{extra}}}\n')

    def host_provider_block(self, extra="", *, host=None, cert_file=None, key_file=None,
                            auth=None, alias=None):
        """A provider "cvm" block with the host (this cluster's unless `host`)
        and CA file, client certificate files (the admin's unless given) or
        the `auth` lines instead, and `extra` lines."""
        env = self.env
        if auth is None:
            auth = (f'  client_certificate = file("{cert_file or env["KUBE_CLIENT_CERT_FILE"]}")\n'
                    f'  client_key = file("{key_file or env["KUBE_CLIENT_KEY_FILE"]}")\n')
        alias_line = f'  alias = "{alias}"\n' if alias else ""
        return (f'provider "cvm" {{\n{alias_line}  host = "{host or env["KUBE_HOST"]}"\n'
                f'  cluster_ca_certificate = file("{env["KUBE_CA_FILE"]}")\n'
                f'{auth}{extra}}}\n')

    def get(self, path):
        """GET an API path; None on 404."""
        try:
            return self.api.request("GET", path)
        except ApiError as e:
            if e.status == 404:
                return None
            raise

    def delete(self, path):
        """DELETE an API path; None on 404."""
        try:
            return self.api.request("DELETE", path)
        except ApiError as e:
            if e.status == 404:
                return None
            raise

    def merge_patch(self, path, body):
        """PATCH an API path with a JSON merge patch."""
        return self.api.request("PATCH", path, body,
                                content_type="application/merge-patch+json")

    def create_namespace(self, name, labels=None):
        """Creates namespace `name` unless it exists."""
        body = {"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": name, "labels": labels or {}}}
        try:
            self.api.request("POST", "/api/v1/namespaces", body)
        except ApiError as e:
            if e.status != 409:
                raise

    def wait_gone(self, path, timeout=60):
        """Waits until a GET of `path` is a 404."""
        wait_for(f"{path} gone", lambda: self.get(path) is None, timeout)

    def names(self, path):
        """Sorted object names of a list path."""
        items = self.api.request("GET", path).get("items", [])
        return sorted(i["metadata"]["name"] for i in items)

    def add_node(self, name, labels=None, *, provider_id=None, os_image="Ubuntu 22.04.4 LTS"):
        """Registers a bare Node `name` with `labels`, as a kubelet would, but
        with no kubelet (nor simulator) behind it: the admission's not-ready
        taint stays, so no pod is scheduled there. Node facts (labels,
        providerID, OS image) are what the provider's cluster probe reads."""
        body = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name,
                             "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
                "spec": {"providerID": provider_id} if provider_id else {},
                "status": {"nodeInfo": {
                    "osImage": os_image, "kernelVersion": "5.15.0-105-generic",
                    "containerRuntimeVersion": "containerd://1.7.12",
                    "kubeletVersion": "v1.20.2", "operatingSystem": "linux",
                    "architecture": "amd64"}}}
        return self.api.request("POST", "/api/v1/nodes", body)

    def label_node(self, name, labels):
        """Merge-patches node `name`'s labels; a None value removes that label."""
        return self.merge_patch(f"/api/v1/nodes/{name}", {"metadata": {"labels": labels}})


class Repeating:
    """A context manager that calls action(i) for i = 0, 1, ... in a
    background thread every `interval` seconds while the block runs, at most
    `count` times and for at most `seconds`. `calls` counts the calls made;
    the first exception the action raised is re-raised when the block ends.
    `finish`, if given, is called last in the thread (e.g. an ApiClient's
    close(), which closes the calling thread's connection)."""

    def __init__(self, action, interval=0.05, count=200, seconds=60.0, finish=None):
        self.action, self.interval, self.count, self.seconds = action, interval, count, seconds
        self.finish = finish
        self.calls = 0
        self.error = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        deadline = time.monotonic() + self.seconds
        try:
            while (not self._stop.is_set() and self.calls < self.count and
                   time.monotonic() < deadline):
                self.action(self.calls)
                self.calls += 1
                self._stop.wait(self.interval)
        except Exception as e:  # reported by __exit__
            self.error = e
        finally:
            if self.finish is not None:
                self.finish()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(self.seconds + 30)
        if self.error is not None and exc[0] is None:
            raise self.error
        return False


class AuditLog:
    """The API requests recorded in a cluster's audit log (one JSON event a
    line, stage RequestReceived omitted)."""

    def __init__(self, path, api):
        self.path = path
        self.api = api

    def _read(self):
        """The log, once a request sent now (with `api`) is in it."""
        token = uuid.uuid4().hex
        try:
            self.api.request("GET", f"/api/v1/namespaces/audit-sentinel-{token}")
        except ApiError:
            pass

        def logged():
            with open(self.path, "rb") as f:
                data = f.read()
            return data if token.encode() in data else None
        return wait_for("the audit log to record the sentinel request", logged, 30, 0.1)

    def mark(self):
        """An offset for events_since(): the log's end, once a request sent now is in it."""
        return len(self._read())

    def events_since(self, offset, user=None, stage="ResponseComplete"):
        """Events after `offset` (by `user`, in `stage`; None: any), up to a request sent now."""
        data = self._read()[offset:]
        needle = f'"username":"{user}"'.encode() if user else b""
        events = []
        for line in data.splitlines():
            if needle not in line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if stage is not None and event.get("stage") != stage:
                continue
            if user is not None and event.get("user", {}).get("username") != user:
                continue
            events.append(event)
        return events

    def writes_since(self, offset, names, field_manager=None, user="cvm-admin"):
        """Write requests by `user` since `offset` that touch one of `names`
        (object name or namespace) or carry `field_manager`; with names None,
        every write by `user`."""
        found = []
        for e in self.events_since(offset, user):
            if e.get("verb") not in WRITE_VERBS:
                continue
            ref = e.get("objectRef") or {}
            uri = e.get("requestURI", "")
            if (names is None or ref.get("name") in names or ref.get("namespace") in names or
                    (field_manager and f"fieldManager={field_manager}" in uri)):
                found.append(f'{e["verb"]} {uri}')
        return found

    def provider_requests_since(self, offset, user="cvm-admin"):
        """Requests by `user` since `offset` that the provider sent."""
        return [e for e in self.events_since(offset, user)
                if e.get("userAgent", "").startswith("terraform-provider-cvm")]


class PrivateCluster:
    """A local control plane of the caller's own: tests/cluster/start.sh
    `options` into a temp dir, in the background; stop() removes it."""

    def __init__(self, *options):
        self.state = tempfile.mkdtemp(prefix="cvm-private-cluster-")
        self.dir = os.path.join(self.state, "cluster")
        self.log = os.path.join(self.state, "start.log")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [os.path.join(CLUSTER_SCRIPTS, "start.sh"), *options, self.dir],
                stdout=log, stderr=subprocess.STDOUT)

    def wait(self, timeout=None):
        """Waits for start.sh: raises unittest.SkipTest when the control-plane
        binaries are not built (exit 3), AssertionError with its output when it
        failed otherwise."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = f"not done after {timeout}s"
        if code == 3:
            raise unittest.SkipTest("control-plane binaries not built (start.sh exit 3)")
        if code != 0:
            with open(self.log) as f:
                raise AssertionError(f"start.sh failed ({code}):\n{f.read()[-3000:]}")

    def stop(self):
        """Stops what start.sh started and removes the temp dir."""
        self.proc.wait()
        subprocess.run([os.path.join(CLUSTER_SCRIPTS, "stop.sh"), self.dir],
                       capture_output=True)
        shutil.rmtree(self.state, ignore_errors=True)


class TerraformTestCase(unittest.TestCase):
    """A test case with Terraform working directories of its own."""

    tf_files = {}  # more files for every working directory of tf()
    tf_env = {}  # more environment for every terraform command of tf()

    @classmethod
    def provider_block(cls):
        """The provider block of tf() and main_tf() when they are given none."""
        return ""

    @classmethod
    def main_tf(cls, body, provider=None):
        """main.tf: required_providers, `provider` (default provider_block()) and `body`."""
        if provider is None:
            provider = cls.provider_block()
        return REQUIRED_PROVIDERS + provider + body

    def tf(self, body, provider=None, *, files=None, env=None, init=True):
        """A working directory with main_tf(body, provider) and tf_files (or
        `files`), tf_env (or `env`); initialised unless init=False, removed
        when the test ends."""
        return self._new_dir(self.addCleanup, body, provider, files, env, init)

    @classmethod
    def class_tf(cls, body, provider=None, *, files=None, env=None, init=True):
        """tf() for a class fixture: removed after tearDownClass."""
        return cls._new_dir(cls.addClassCleanup, body, provider, files, env, init)

    @classmethod
    def _new_dir(cls, add_cleanup, body, provider, files, env, init):
        files = dict(cls.tf_files if files is None else files)
        files["main.tf"] = cls.main_tf(body, provider)
        d = TerraformDir(files, env=dict(cls.tf_env if env is None else env))
        add_cleanup(d.cleanup)
        if init:
            d.init()
        return d

    def assert_no_provider_bug(self, result):
        """Terraform's output of `result` has none of PROVIDER_BUG_MARKERS."""
        for marker in PROVIDER_BUG_MARKERS:
            if marker in flat(result.output):
                self.fail(f"{marker!r} in the output of {result!r}")

    def assert_plan_empty(self, d, *extra):
        """A refresh and plan of `d` shows no changes (exit 0 of -detailed-exitcode)."""
        result = d.run("plan", "-no-color", "-detailed-exitcode", *extra)
        self.assertEqual(result.code, 0, result)
        return result


class ClusterTestCase(TerraformTestCase):
    """A test case against a running local control plane (`cluster`)."""

    cluster_dir = None  # None: the ctest fixture's (CVM_CLUSTER_DIR)
    cluster = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cluster = Cluster(cls.cluster_dir)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.api.close()
        super().tearDownClass()

    @classmethod
    def provider_block(cls):
        return cls.cluster.provider_block()

    def new_namespace(self, prefix, labels=None):
        """A new namespace `prefix-<suffix>`, deleted when the test ends."""
        ns = f"{prefix}-{suffix()}"
        self.cluster.create_namespace(ns, labels)
        self.addCleanup(self.cluster.delete, f"/api/v1/namespaces/{ns}")
        return ns

    def create_runtime_class(self, name, handler):
        """Creates RuntimeClass `name` with `handler`, deleted when the test ends."""
        self.cluster.api.request("POST", "/apis/node.k8s.io/v1/runtimeclasses", {
            "apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
            "metadata": {"name": name}, "handler": handler})
        self.addCleanup(self.cluster.delete, f"/apis/node.k8s.io/v1/runtimeclasses/{name}")

    def mint_user(self, prefix, group="system:masters"):
        """A user `prefix-<suffix>` in `group` with a client certificate of its
        own, so the audit log counts exactly the requests made with it.
        Returns (username, cert file, key file), removed when the test ends."""
        user = f"{prefix}-{suffix()}"
        tmp = tempfile.mkdtemp(prefix="cvm-user-")
        self.addCleanup(shutil.rmtree, tmp, True)
        key, crt = os.path.join(tmp, "user.key"), os.path.join(tmp, "user.crt")
        new_ec_key(key)
        mint_client_certificate(self.cluster.dir, key, crt, user, group)
        return user, crt, key
