#!/usr/bin/env python3
"""Unit tests of node_simulator.py (and image_pulls.py) that need no cluster."""

import copy
import glob
import json
import os
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import image_pulls  # noqa: E402
import node_simulator as sim  # noqa: E402

NOT_FOUND = ('rpc error: code = NotFound desc = failed to pull and unpack image '
             '"missing.cvm.test/coder/envbox:1": failed to resolve reference '
             '"missing.cvm.test/coder/envbox:1": missing.cvm.test/coder/envbox:1: not found')


class ExpandNodesTest(unittest.TestCase):
    """Node groups in the config become complete node dicts."""

    def test_count_names_and_defaults(self):
        nodes = sim.expand_nodes({"nodes": [{"name": "n", "count": 2,
                                             "capacity": {"nvidia.com/gpu": "1"}}]})
        self.assertEqual([n["name"] for n in nodes], ["n-1", "n-2"])
        self.assertEqual(nodes[0]["capacity"]["nvidia.com/gpu"], "1")
        self.assertEqual(nodes[0]["capacity"]["cpu"], sim.DEFAULT_NODE["capacity"]["cpu"])
        self.assertEqual(nodes[0]["osImage"], sim.DEFAULT_NODE["osImage"])

    def test_single_node_and_provider_id_template(self):
        nodes = sim.expand_nodes({"nodes": [{"name": "ip-1",
                                             "providerID": "aws:///zone/i-{hexid}:{name}"}]})
        self.assertEqual(len(nodes), 1)
        self.assertRegex(nodes[0]["providerID"], r"^aws:///zone/i-[0-9a-f]{17}:ip-1$")

    def test_duplicate_names_rejected(self):
        with self.assertRaises(ValueError):
            sim.expand_nodes({"nodes": [{"name": "a"}, {"name": "a"}]})

    def test_presets_are_valid(self):
        presets = glob.glob(os.path.join(HERE, "nodes", "*.json"))
        self.assertIn(os.path.join(HERE, "nodes", "default.json"), presets)
        for path in presets:
            with open(path, encoding="utf-8") as f:
                config = json.load(f)
            with self.subTest(preset=os.path.basename(path)):
                # "none" is the provisioner alone (the real node's cluster).
                self.assertEqual(bool(sim.expand_nodes(config)),
                                 os.path.basename(path) != "none.json")
                defaults = [c for c in config.get("storageClasses", []) if c.get("default")]
                self.assertLessEqual(len(defaults), 1)


class ArgsTest(unittest.TestCase):
    """Command-line flags and the cluster env file."""

    def test_flags_build_one_group(self):
        args = sim.parse_args(["--server", "https://127.0.0.1:1", "--ca-file", "ca",
                               "--cert-file", "c", "--key-file", "k", "--nodes", "3",
                               "--gpus", "2", "--label", "sysbox-runtime=running"])
        config = sim.config_from_args(args)
        nodes = sim.expand_nodes(config)
        self.assertEqual(len(nodes), 3)
        self.assertEqual(nodes[2]["capacity"]["nvidia.com/gpu"], "2")
        self.assertEqual(nodes[0]["labels"], {"sysbox-runtime": "running"})
        self.assertTrue(config["storageClasses"])

    def test_cluster_dir_fills_connection(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "env"), "w", encoding="utf-8") as f:
                f.write("# comment\nKUBE_HOST=https://127.0.0.1:6443\nKUBE_CA_FILE=/x/ca.crt\n")
            args = sim.parse_args(["--cluster-dir", d])
        self.assertEqual(args.server, "https://127.0.0.1:6443")
        self.assertEqual(args.ca_file, "/x/ca.crt")
        self.assertEqual(args.cert_file, os.path.join(d, "pki", "simulator.crt"))


class WorkerTest(unittest.TestCase):
    """The delayed, de-duplicating work queue."""

    def test_same_key_runs_latest_action_once(self):
        stop = threading.Event()
        worker = sim.Worker(stop)
        done = []
        worker.schedule("k", 0.2, lambda: done.append("old"))
        worker.schedule("k", 0.2, lambda: done.append("new"))
        worker.schedule("other", 0.0, lambda: done.append("other"))
        worker.start()
        deadline = time.monotonic() + 5
        while len(done) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        stop.set()
        self.assertEqual(done, ["other", "new"])


class PodStatusTest(unittest.TestCase):
    """Shapes of the statuses the simulator posts."""

    def setUp(self):
        args = sim.parse_args(["--server", "https://127.0.0.1:1", "--ca-file", "ca",
                               "--cert-file", "c", "--key-file", "k"])
        self.simulator = sim.Simulator(None, sim.DEFAULT_CONFIG, args)

    def test_node_object(self):
        node = self.simulator.node_object(self.simulator.nodes["cvm-node-1"])
        self.assertEqual(node["metadata"]["labels"]["sysbox-runtime"], "running")
        self.assertEqual(node["metadata"]["labels"]["kubernetes.io/hostname"], "cvm-node-1")
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        self.assertEqual(ready[0]["status"], "True")
        self.assertNotIn("providerID", node["spec"])

    def test_pod_ips_are_per_node_and_stable(self):
        pod = {"metadata": {"uid": "u1"}, "spec": {"nodeName": "cvm-node-2"}}
        first = self.simulator.pod_ip(pod)
        index = self.simulator.node_index["cvm-node-2"]
        self.assertTrue(first.startswith(f"10.244.{index}."))
        self.assertNotEqual(index, self.simulator.node_index["cvm-node-1"])
        self.assertEqual(self.simulator.pod_ip(pod), first)
        other = self.simulator.pod_ip({"metadata": {"uid": "u2"},
                                       "spec": {"nodeName": "cvm-node-2"}})
        self.assertNotEqual(other, first)


class ImagePullRulesTest(unittest.TestCase):
    """Which images fail to pull, and containerd's words for it."""

    def test_references_normalize_as_docker_does(self):
        cases = {
            "ubuntu": ("docker.io", "library/ubuntu", "latest", "docker.io/library/ubuntu:latest"),
            "codercom/enterprise-base:ubuntu":
                ("docker.io", "codercom/enterprise-base", "ubuntu",
                 "docker.io/codercom/enterprise-base:ubuntu"),
            "localhost:5000/x": ("localhost:5000", "x", "latest", "localhost:5000/x:latest"),
            "ghcr.io/coder/envbox:0.6.7":
                ("ghcr.io", "coder/envbox", "0.6.7", "ghcr.io/coder/envbox:0.6.7"),
        }
        for image, (domain, repo, tag, ref) in cases.items():
            with self.subTest(image=image):
                got = image_pulls.parse_reference(image)
                self.assertEqual((got[0], got[1], got[2], got[4]), (domain, repo, tag, ref))
        digest = image_pulls.parse_reference("x@sha256:" + "a" * 64)
        self.assertEqual((digest[2], digest[4]), ("", "docker.io/library/x@sha256:" + "a" * 64))

    def test_missing_registry_or_tag_is_not_found_unreachable_times_out(self):
        rules = image_pulls.PullRules()
        self.assertEqual(rules.error("missing.cvm.test/coder/envbox:1"), NOT_FOUND)
        self.assertEqual(
            rules.error("codercom/enterprise-base:does-not-exist"),
            'rpc error: code = NotFound desc = failed to pull and unpack image '
            '"docker.io/codercom/enterprise-base:does-not-exist": failed to resolve reference '
            '"docker.io/codercom/enterprise-base:does-not-exist": '
            'docker.io/codercom/enterprise-base:does-not-exist: not found')
        timeout = rules.error("unreachable.cvm.test/x:1")
        self.assertTrue(timeout.startswith("rpc error: code = Unknown desc = "), timeout)
        self.assertTrue(timeout.endswith(": i/o timeout"), timeout)
        self.assertIn('Head "https://unreachable.cvm.test/v2/x/manifests/1"', timeout)
        for image in ("ghcr.io/coder/envbox:0.6.7", "docker.io/codercom/enterprise-base:ubuntu",
                      "missing.cvm.test.example/x:1"):
            self.assertIsNone(rules.error(image), image)

    def test_config_replaces_a_default_and_flags_add(self):
        args = sim.parse_args(["--server", "https://127.0.0.1:1", "--ca-file", "ca",
                               "--cert-file", "c", "--key-file", "k",
                               "--missing-registry", "gone.example", "--missing-tag", "v0"])
        rules = image_pulls.PullRules.from_config(
            {"imagePulls": {"missingRegistries": ["nope.example"]}}, args)
        self.assertIsNotNone(rules.error("nope.example/x:1"))
        self.assertIsNotNone(rules.error("gone.example/x:1"))
        self.assertIsNone(rules.error("missing.cvm.test/x:1"))  # replaced
        self.assertIsNotNone(rules.error("x:v0"))
        self.assertIsNotNone(rules.error("x:does-not-exist"))  # default kept
        self.assertIsNotNone(rules.error("unreachable.cvm.test/x:1"))


class FakeApi:
    """Records requests; GET of the pod answers it, PATCH of its status
    merges into it."""

    def __init__(self, pod):
        self.pod = pod
        self.requests = []

    def request(self, method, path, body=None, query=None, content_type=None):
        self.requests.append((method, path, copy.deepcopy(body)))
        if method == "GET" and path.endswith("/pods/" + self.pod["metadata"]["name"]):
            return copy.deepcopy(self.pod)
        if method == "PATCH" and path.endswith("/status"):
            self.pod["status"] = copy.deepcopy(body["status"])
        return {}

    def events(self):
        """(type, reason, message) of each event posted, in order."""
        return [(b["type"], b["reason"], b["message"]) for m, p, b in self.requests
                if m == "POST" and p.endswith("/events")]


class RecordingWorker:
    """A Worker that only records: the test runs the actions itself."""

    def __init__(self):
        self.scheduled = []

    def schedule(self, key, delay, action):
        self.scheduled.append((key, delay, action))

    def run_next(self):
        key, delay, action = self.scheduled.pop(0)
        action()
        return key, delay


class ImagePullSimulationTest(unittest.TestCase):
    """A pull failure looks like a kubelet's: events first, then ErrImagePull,
    then ImagePullBackOff, and again."""

    def simulator(self, pod):
        args = sim.parse_args(["--server", "https://127.0.0.1:1", "--ca-file", "ca",
                               "--cert-file", "c", "--key-file", "k"])
        api = FakeApi(pod)
        simulator = sim.Simulator(api, sim.DEFAULT_CONFIG, args)
        simulator.worker = RecordingWorker()
        return simulator, api

    @staticmethod
    def pod(containers, init_containers=(), annotations=None):
        return {"metadata": {"name": "dev", "namespace": "coder", "uid": "uid-1",
                             "annotations": annotations or {}},
                "spec": {"nodeName": "cvm-node-1",
                         "initContainers": [{"name": n, "image": i} for n, i in init_containers],
                         "containers": [{"name": n, "image": i} for n, i in containers]},
                "status": {"phase": "Pending"}}

    def test_missing_image_events_then_err_image_pull_then_back_off(self):
        image = "missing.cvm.test/coder/envbox:1"
        simulator, api = self.simulator(self.pod([("dev", image)]))
        simulator.on_pod("ADDED", api.pod)
        self.assertEqual(simulator.worker.run_next()[0], ("start", "uid-1"))
        self.assertEqual(api.events(), [
            ("Normal", "Pulling", f'Pulling image "{image}"'),
            ("Warning", "Failed", f'Failed to pull image "{image}": {NOT_FOUND}'),
            ("Warning", "Failed", "Error: ErrImagePull")])
        methods = [m for m, p, _ in api.requests if m != "GET"]
        self.assertEqual(methods, ["POST", "POST", "POST", "PATCH"])  # events first
        status = api.pod["status"]
        self.assertEqual(status["phase"], "Pending")
        dev = status["containerStatuses"][0]
        self.assertEqual(dev["state"], {"waiting": {"reason": "ErrImagePull",
                                                    "message": NOT_FOUND}})
        self.assertEqual((dev["image"], dev["ready"]), (image, False))
        ready = [c for c in status["conditions"] if c["type"] == "Ready"][0]
        self.assertEqual((ready["status"], ready["reason"]), ("False", "ContainersNotReady"))
        # Our own status patch comes back as a watch event: no second cycle.
        simulator.on_pod("MODIFIED", api.pod)
        self.assertEqual(len(simulator.worker.scheduled), 1)

        key, delay = simulator.worker.run_next()
        self.assertEqual((key, delay), (("pull", "uid-1"), 1.0))
        self.assertEqual(api.events()[3:], [
            ("Normal", "BackOff", f'Back-off pulling image "{image}"'),
            ("Warning", "Failed", "Error: ImagePullBackOff")])
        self.assertEqual(api.pod["status"]["containerStatuses"][0]["state"], {"waiting": {
            "reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}})

        # The next attempt counts the same events up instead of posting them again.
        self.assertEqual(simulator.worker.run_next(), (("pull", "uid-1"), 1.0))
        patched = [b for m, p, b in api.requests if m == "PATCH" and "/events/" in p]
        self.assertEqual([b["count"] for b in patched], [2, 2, 2])
        self.assertEqual(api.pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
                         "ErrImagePull")
        # The back-off doubles.
        self.assertEqual(simulator.worker.run_next()[0], ("pull", "uid-1"))
        self.assertEqual(simulator.worker.scheduled[0][1], 3.0)

    def test_missing_init_container_image_holds_the_pod_initializing(self):
        image = "docker.io/codercom/enterprise-base:does-not-exist"
        simulator, api = self.simulator(self.pod([("dev", image)], [("home-owner", image)]))
        simulator.on_pod("ADDED", api.pod)
        simulator.worker.run_next()
        status = api.pod["status"]
        init = status["initContainerStatuses"][0]
        self.assertEqual(init["state"]["waiting"]["reason"], "ErrImagePull")
        self.assertIn("not found", init["state"]["waiting"]["message"])
        self.assertEqual(status["containerStatuses"][0]["state"],
                         {"waiting": {"reason": "PodInitializing"}})
        initialized = [c for c in status["conditions"] if c["type"] == "Initialized"][0]
        self.assertEqual((initialized["status"], initialized["message"]),
                         ("False", "containers with incomplete status: [home-owner]"))
        fields = {b["involvedObject"]["fieldPath"] for m, p, b in api.requests
                  if m == "POST" and p.endswith("/events")}
        self.assertEqual(fields, {"spec.initContainers{home-owner}"})

    def test_an_image_that_pulls_starts_and_the_annotation_still_fails(self):
        simulator, api = self.simulator(self.pod([("dev", "ghcr.io/coder/envbox:0.6.7")]))
        simulator.on_pod("ADDED", api.pod)
        simulator.worker.run_next()
        self.assertEqual(api.pod["status"]["phase"], "Running")
        self.assertEqual(api.events(), [])

        pod = self.pod([("dev", "missing.cvm.test/x:1")],
                       annotations={sim.FAIL_ANNOTATION: "ErrImagePull: rpc error: denied"})
        simulator, api = self.simulator(pod)
        simulator.on_pod("ADDED", api.pod)
        simulator.worker.run_next()
        self.assertEqual(api.pod["status"]["containerStatuses"][0]["state"],
                         {"waiting": {"reason": "ErrImagePull", "message": "rpc error: denied"}})
        self.assertEqual(api.events(), [("Warning", "ErrImagePull", "rpc error: denied")])


if __name__ == "__main__":
    unittest.main()
