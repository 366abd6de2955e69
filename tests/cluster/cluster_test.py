#!/usr/bin/env python3
"""End-to-end checks of the local control plane and the node simulator.

Runs against a cluster started by tests/cluster/start.sh; finds it through
CVM_CLUSTER_DIR (its env file). Every test works in namespaces of its own
(names carry a random suffix), so it can share a cluster with other tests.

    CVM_CLUSTER_DIR=/tmp/cvm-cluster python3 tests/cluster/cluster_test.py -v

Exit status 77 (ctest: skipped) when no cluster is running because the
control-plane binaries were never built (start.sh exited 3).
"""

import json
import os
import secrets
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from node_simulator import ApiClient, ApiError, read_env_file  # noqa: E402

CLUSTER_DIR = os.environ.get("CVM_CLUSTER_DIR", "/tmp/cvm-cluster")
ENV = {}
SUFFIX = secrets.token_hex(3)


def setUpModule():
    """Reads the cluster's env file."""
    ENV.update(read_env_file(os.path.join(CLUSTER_DIR, "env")))


def admin():
    """A client authenticated with the admin client certificate."""
    return ApiClient(ENV["KUBE_HOST"], ENV["KUBE_CA_FILE"], ENV["KUBE_CLIENT_CERT_FILE"],
                     ENV["KUBE_CLIENT_KEY_FILE"])


def with_token(name):
    """A client authenticated with one of the bearer tokens (ADMIN, VIEWER, NOBODY)."""
    return ApiClient(ENV["KUBE_HOST"], ENV["KUBE_CA_FILE"], token=ENV[f"KUBE_TOKEN_{name}"])


def wait_until(what, probe, timeout=60.0, interval=0.2):
    """Polls probe() until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def condition(obj, kind):
    """The status of condition `kind` of a Pod or Node, or None."""
    for c in obj.get("status", {}).get("conditions") or []:
        if c.get("type") == kind:
            return c.get("status")
    return None


def gone(api, path):
    """True once GET path answers 404."""
    try:
        api.request("GET", path)
        return False
    except ApiError as e:
        if e.status == 404:
            return True
        raise


def pod_manifest(name, annotations=None, **spec):
    """A small privileged pod with labels (labels exercise the reflect2 fix)."""
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "cvm-test", "run": name},
                     "annotations": annotations or {}},
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 30,
            "containers": [{
                "name": "dev",
                "image": "ghcr.io/coder/envbox:0.6.0",
                "command": ["/envbox", "docker"],
                "securityContext": {"privileged": True},
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
            }],
        },
    }
    body["spec"].update(spec)
    return body


class ClusterTest(unittest.TestCase):
    """The control plane answers, schedules onto simulated nodes and runs pods."""

    @classmethod
    def setUpClass(cls):
        cls.api = admin()
        cls.ns = f"cvm-cluster-test-{SUFFIX}"
        cls.api.request("POST", "/api/v1/namespaces", {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": cls.ns,
                         "labels": {"pod-security.kubernetes.io/enforce": "privileged"}}})
        # Pods are admitted only once the namespace's service account has its token.
        wait_until("service account default in the test namespace", cls._has_token)

    @classmethod
    def _has_token(cls):
        try:
            sa = cls.api.request("GET", f"/api/v1/namespaces/{cls.ns}/serviceaccounts/default")
            return bool(sa.get("secrets"))
        except ApiError as e:
            if e.status == 404:
                return False
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.api.request("DELETE", f"/api/v1/namespaces/{cls.ns}")
        except ApiError:
            pass
        cls.api.close()

    def path(self, resource, name=""):
        """URL path of a namespaced core/v1 object or collection."""
        return f"/api/v1/namespaces/{self.ns}/{resource}" + (f"/{name}" if name else "")

    def create_pod(self, body):
        """Creates a pod in the test namespace and returns it."""
        return self.api.request("POST", self.path("pods"), body)

    def wait_running(self, name, timeout=60.0):
        """Waits for Running + Ready and returns the pod."""
        def probe():
            pod = self.api.request("GET", self.path("pods", name))
            if pod["status"].get("phase") == "Running" and condition(pod, "Ready") == "True":
                return pod
            return None
        return wait_until(f"pod {name} Running and Ready", probe, timeout)

    def events_of(self, name):
        """The events whose involvedObject is the named pod."""
        selector = urllib.parse.urlencode(
            {"fieldSelector": f"involvedObject.kind=Pod,involvedObject.name={name}"})
        return self.api.request("GET", f"{self.path('events')}?{selector}")["items"]

    def nodes(self):
        """Names of the nodes the simulator registered (from the env file)."""
        names = [n for n in ENV.get("CVM_NODES", "").split(",") if n]
        if not names:
            self.skipTest("the cluster runs without the node simulator")
        return names

    # ---- tests

    def test_version_and_readyz(self):
        version = self.api.request("GET", "/version")
        self.assertEqual(version["gitVersion"], "v1.20.2")
        for path in ("/readyz", "/healthz"):
            conn = self.api._new_connection(10)
            try:
                conn.request("GET", path)
                self.assertEqual(conn.getresponse().status, 200, path)
            finally:
                conn.close()

    def test_nodes_registered_and_ready(self):
        for name in self.nodes():
            node = self.api.request("GET", f"/api/v1/nodes/{name}")
            self.assertEqual(condition(node, "Ready"), "True", name)
            taints = [t["key"] for t in node["spec"].get("taints") or []]
            self.assertNotIn("node.kubernetes.io/not-ready", taints)
            info = node["status"]["nodeInfo"]
            for key in ("kernelVersion", "osImage", "containerRuntimeVersion", "architecture"):
                self.assertTrue(info.get(key), key)
            lease = self.api.request(
                "GET", f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}")
            self.assertEqual(lease["spec"]["holderIdentity"], name)

    def test_pod_with_claim_runs_and_deletes(self):
        nodes = self.nodes()
        claim = f"home-{SUFFIX}"
        # The default StorageClass is WaitForFirstConsumer: the claim binds once
        # the scheduler picked a node for the pod using it.
        self.api.request("POST", self.path("persistentvolumeclaims"), {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim, "labels": {"app": "cvm-test"}},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "10Gi"}}}})
        pod = pod_manifest("workspace", volumes=[
            {"name": "home", "persistentVolumeClaim": {"claimName": claim}}])
        pod["spec"]["containers"][0]["volumeMounts"] = [
            {"name": "home", "mountPath": "/home/coder", "subPath": "home"}]
        pod["spec"]["nodeSelector"] = {"sysbox-runtime": "running"}
        self.create_pod(pod)
        running = self.wait_running("workspace")
        self.assertIn(running["spec"]["nodeName"], nodes)
        self.assertTrue(running["status"].get("podIP"))
        self.assertTrue(running["status"].get("hostIP"))
        self.assertTrue(running["status"]["containerStatuses"][0]["ready"])
        pvc = wait_until("claim Bound", lambda: (
            lambda c: c if c["status"].get("phase") == "Bound" else None)(
                self.api.request("GET", self.path("persistentvolumeclaims", claim))))
        self.assertEqual(pvc["spec"]["storageClassName"], "standard")
        volume = self.api.request("GET", f"/api/v1/persistentvolumes/{pvc['spec']['volumeName']}")
        self.assertEqual(volume["spec"]["capacity"]["storage"], "10Gi")
        self.assertEqual(volume["spec"]["claimRef"]["name"], claim)
        scheduled = [e for e in self.events_of("workspace") if e["reason"] == "Scheduled"]
        self.assertTrue(scheduled, "the real scheduler posts a Scheduled event")

        # A graceful deletion (30 s grace period) completes through the simulator.
        self.api.request("DELETE", self.path("pods", "workspace"))
        wait_until("pod deleted", lambda: gone(self.api, self.path("pods", "workspace")), 30)
        self.api.request("DELETE", self.path("persistentvolumeclaims", claim))
        wait_until("claim deleted",
                   lambda: gone(self.api, self.path("persistentvolumeclaims", claim)), 30)
        wait_until("released volume deleted", lambda: gone(
            self.api, f"/api/v1/persistentvolumes/{pvc['spec']['volumeName']}"), 30)

    def test_immediate_claim_binds_without_pod(self):
        self.nodes()
        claim = f"data-{SUFFIX}"
        self.api.request("POST", self.path("persistentvolumeclaims"), {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard-immediate",
                     "resources": {"requests": {"storage": "1Gi"}}}})
        wait_until("immediate claim Bound", lambda: self.api.request(
            "GET", self.path("persistentvolumeclaims", claim))["status"].get("phase") == "Bound")

    def test_failing_pod_gets_warning_event(self):
        self.nodes()
        message = 'Back-off pulling image "ghcr.io/coder/envbox:nope"'
        self.create_pod(pod_manifest("broken", {"cvm-test/fail": f"ImagePullBackOff: {message}"}))
        events = wait_until("Warning event", lambda: [
            e for e in self.events_of("broken") if e["type"] == "Warning"])
        self.assertEqual(events[0]["reason"], "ImagePullBackOff")
        self.assertEqual(events[0]["message"], message)
        pod = self.api.request("GET", self.path("pods", "broken"))
        self.assertEqual(pod["status"]["phase"], "Pending")
        self.assertEqual(condition(pod, "Ready"), "False")
        waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]
        self.assertEqual(waiting["reason"], "ImagePullBackOff")

    def test_pod_can_be_made_to_fail(self):
        self.nodes()
        self.create_pod(pod_manifest("crashed", {"cvm-test/fail": "Error: exit status 1",
                                                 "cvm-test/fail-phase": "Failed"}))
        pod = wait_until("pod Failed", lambda: (
            lambda p: p if p["status"].get("phase") == "Failed" else None)(
                self.api.request("GET", self.path("pods", "crashed"))))
        self.assertEqual(pod["status"]["reason"], "Error")

    def test_unschedulable_pod_gets_failed_scheduling(self):
        self.nodes()
        pod = pod_manifest("needs-gpu")
        pod["spec"]["containers"][0]["resources"] = {"limits": {"nvidia.com/gpu": "64"}}
        self.create_pod(pod)
        events = wait_until("FailedScheduling event", lambda: [
            e for e in self.events_of("needs-gpu") if e["reason"] == "FailedScheduling"])
        self.assertEqual(events[0]["type"], "Warning")
        self.assertIn("nvidia.com/gpu", events[0]["message"])

    def test_runtime_class_node_selector_is_merged(self):
        self.nodes()
        name = f"cvm-test-sysbox-{SUFFIX}"
        self.api.request("POST", "/apis/node.k8s.io/v1/runtimeclasses", {
            "apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
            "metadata": {"name": name}, "handler": "sysbox-runc",
            "scheduling": {"nodeSelector": {"sysbox-runtime": "running"}}})
        try:
            pod = pod_manifest("native", runtimeClassName=name)
            pod["spec"]["containers"][0]["securityContext"] = {}
            created = self.create_pod(pod)
            self.assertEqual(created["spec"]["nodeSelector"], {"sysbox-runtime": "running"})
            running = self.wait_running("native")
            node = self.api.request("GET", f"/api/v1/nodes/{running['spec']['nodeName']}")
            self.assertEqual(node["metadata"]["labels"].get("sysbox-runtime"), "running")
        finally:
            self.api.request("DELETE", f"/apis/node.k8s.io/v1/runtimeclasses/{name}")

    def test_tokens_and_rbac(self):
        with with_token("ADMIN") as api:
            api.request("GET", self.path("pods"))
        with with_token("VIEWER") as viewer:
            viewer.request("GET", "/api/v1/namespaces/default/pods")
            with self.assertRaises(ApiError) as caught:
                viewer.request("POST", "/api/v1/namespaces/default/configmaps", {
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
            self.assertEqual(caught.exception.status, 403)
            self.assertEqual(caught.exception.reason, "Forbidden")
        with with_token("NOBODY") as nobody, self.assertRaises(ApiError) as caught:
            nobody.request("GET", "/api/v1/namespaces/default/pods")
        self.assertEqual(caught.exception.status, 403)
        with ApiClient(ENV["KUBE_HOST"], ENV["KUBE_CA_FILE"], token="wrong") as stranger, \
                self.assertRaises(ApiError) as caught:
            stranger.request("GET", "/api/v1/namespaces")
        self.assertEqual(caught.exception.status, 401)

    def test_audit_log_records_requests(self):
        self.api.request("GET", f"/api/v1/namespaces/{self.ns}")
        with open(ENV["CVM_AUDIT_LOG"], encoding="utf-8") as f:
            entries = [json.loads(line) for line in f if line.strip()]
        mine = [e for e in entries if e.get("user", {}).get("username") == "cvm-admin"
                and e.get("objectRef", {}).get("name") == self.ns]
        self.assertTrue(mine)
        self.assertEqual(mine[-1]["stage"], "ResponseComplete")


def main():
    """Skips (77) when no cluster runs because nothing was built; else runs the tests."""
    if not os.path.exists(os.path.join(CLUSTER_DIR, "env")):
        print(f"no cluster in {CLUSTER_DIR} (start it with tests/cluster/start.sh; "
              "binaries built by tests/cluster/ensure-control-plane.sh)", file=sys.stderr)
        sys.exit(77)
    unittest.main()


if __name__ == "__main__":
    main()
