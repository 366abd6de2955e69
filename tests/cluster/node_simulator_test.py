#!/usr/bin/env python3
"""Unit tests of node_simulator.py that need no cluster."""

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
import node_simulator as sim  # noqa: E402


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


if __name__ == "__main__":
    unittest.main()
