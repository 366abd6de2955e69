#!/usr/bin/env python3
"""Node simulator for the local test control plane.

No kubelet runs in the local control plane (tests/cluster/start.sh), so this
daemon plays the kubelets of a set of fake Nodes and an external volume
provisioner, talking to the real kube-apiserver over HTTPS with a client
certificate. Python 3 standard library only.

What it does:

* registers Nodes from a JSON config (labels, taints, capacity including
  ``nvidia.com/gpu``, kernel, OS image, container runtime, providerID) with a
  Ready condition, keeps their Leases in ``kube-node-lease`` fresh for the
  node-lifecycle controller, re-posts their status now and then, and lifts the
  ``node.kubernetes.io/not-ready`` taint itself so pods schedule at once;
* watches Pods; a pod the real scheduler bound to one of its nodes is moved to
  Running and Ready through the ``status`` subresource (phase, conditions,
  container statuses, pod and host IPs, start time);
* finishes graceful deletions of its pods (DELETE with gracePeriodSeconds=0,
  guarded by a UID precondition) after a short delay;
* provisions volumes: for every Pending claim whose StorageClass names this
  simulator's provisioner it creates a hostPath PersistentVolume pre-bound to
  the claim (``spec.claimRef``); for WaitForFirstConsumer classes it waits for
  the scheduler's ``volume.kubernetes.io/selected-node`` annotation and pins
  the volume to that node. Released volumes it made are deleted;
* fails image pulls as a kubelet with containerd does (image_pulls.py): a
  container whose image is on a *missing* registry host (default
  ``missing.cvm.test``, ``--missing-registry``) or has a *missing* tag
  (default ``does-not-exist``, ``--missing-tag``) gets containerd's NotFound,
  one on an *unreachable* host (default ``unreachable.cvm.test``,
  ``--unreachable-registry``) an ``i/o timeout``. The pod stays Pending. Each
  attempt posts the kubelet's events (Normal Pulling, Warning Failed ``Failed
  to pull image "X": <error>``, Warning Failed ``Error: ErrImagePull``), then
  the container waits ErrImagePull with the error; a moment later (half the
  back-off, at most 1 s) Normal BackOff and Warning Failed ``Error:
  ImagePullBackOff``, then it waits ImagePullBackOff (``Back-off pulling image
  "X"``). The next attempt follows the back-off (``--pull-backoff`` seconds,
  doubling up to 30 s), until the pod is deleted or its images are changed
  to ones that pull. A repeated event counts up, as the kubelet's do. The
  config's ``imagePulls`` entry (``missingRegistries``, ``missingTags``,
  ``unreachableRegistries``) replaces a default list; the flags add to it;
* makes chosen pods fail: a pod annotated ``cvm-test/fail: "Reason: message"``
  stays Pending with a waiting container (or Running/Failed, see
  ``cvm-test/fail-phase``) and gets a Warning Event with that reason and message.

Pod annotations understood (all optional):

``cvm-test/fail``
    ``"<Reason>: <message>"`` or just ``"<Reason>"``, e.g.
    ``"ErrImagePull: rpc error: pull access denied"``.
``cvm-test/fail-phase``
    ``Pending`` (default: the container waits with the reason, like an image
    pull failure), ``Running`` (container waiting after restarts, like
    CrashLoopBackOff) or ``Failed`` (pod failed with the reason).
``cvm-test/start-delay-seconds``
    seconds before the pod turns Running (default: ``--pod-start-delay``).
``cvm-test/termination-delay-seconds``
    seconds a graceful deletion takes (default: ``--delete-delay``).

Run ``node_simulator.py --help`` for the command line; tests/cluster/README.md
describes the config file.
"""

import argparse
import copy
import datetime
import hashlib
import heapq
import http.client
import itertools
import json
import logging
import os
import re
import shutil
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

import image_pulls

PROVISIONER = "cvm.test/simulated-hostpath"
SIMULATOR_ANNOTATION = "cvm-test/simulated-by"
FAIL_ANNOTATION = "cvm-test/fail"
FAIL_PHASE_ANNOTATION = "cvm-test/fail-phase"
START_DELAY_ANNOTATION = "cvm-test/start-delay-seconds"
TERMINATION_DELAY_ANNOTATION = "cvm-test/termination-delay-seconds"
PROVISIONED_BY_ANNOTATION = "pv.kubernetes.io/provisioned-by"
SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node"
NOT_READY_TAINT_KEYS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
MERGE_PATCH = "application/merge-patch+json"

log = logging.getLogger("node-simulator")

DEFAULT_NODE = {
    "labels": {},
    "annotations": {},
    "taints": [],
    "capacity": {
        "cpu": "8",
        "memory": "32Gi",
        "pods": "110",
        "ephemeral-storage": "100Gi",
    },
    "architecture": "amd64",
    "operatingSystem": "linux",
    "kernelVersion": "5.15.0-105-generic",
    "osImage": "Ubuntu 22.04.4 LTS",
    "containerRuntimeVersion": "containerd://1.7.12",
    "kubeletVersion": "v1.20.2",
    "providerID": None,
}

DEFAULT_CONFIG = {
    "nodes": [
        {
            "name": "cvm-node",
            "count": 2,
            "labels": {"sysbox-runtime": "running"},
        }
    ],
    "storageClasses": [
        {
            "name": "standard",
            "default": True,
            "volumeBindingMode": "WaitForFirstConsumer",
        },
        {
            "name": "standard-immediate",
            "volumeBindingMode": "Immediate",
        },
    ],
}


# --------------------------------------------------------------------------
# Small helpers


def utc_now():
    """Returns the current time as a Kubernetes Time (RFC 3339, seconds)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now_micro():
    """Returns the current time as a Kubernetes MicroTime (used by Leases)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fake_digest(text):
    """Returns a stable 64-hex-digit digest of text (fake image/container ids)."""
    return hashlib.sha256(text.encode()).hexdigest()


def quote(name):
    """Quotes one path segment of a Kubernetes URL."""
    return urllib.parse.quote(name, safe="")


def read_env_file(path):
    """Parses the KEY=value lines of a cluster env file written by start.sh."""
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values


# --------------------------------------------------------------------------
# The API client


class ApiError(Exception):
    """A non-success answer from the API server, keeping the Status fields."""

    def __init__(self, method, path, status, body):
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        self.reason = ""
        message = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        try:
            parsed = json.loads(body)
            self.reason = parsed.get("reason", "")
            message = parsed.get("message", message)
        except (ValueError, TypeError, AttributeError):
            pass
        super().__init__(f"{method} {path}: HTTP {status} {self.reason}: {message}")


class ApiClient:
    """A minimal Kubernetes REST client over HTTPS.

    Authenticates with a client certificate (cert_file/key_file) or a bearer
    token. Every thread gets its own keep-alive connection (http.client
    connections are not thread-safe); watches use a dedicated connection each.
    """

    def __init__(self, server, ca_file, cert_file=None, key_file=None, token=None,
                 timeout=30.0):
        url = urllib.parse.urlsplit(server)
        if url.scheme != "https":
            raise ValueError(f"server must be an https:// URL, got {server!r}")
        self.server = server
        self.host = url.hostname
        self.port = url.port or 443
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=ca_file)
        if cert_file:
            self.context.load_cert_chain(cert_file, key_file)
        self.headers = {"Accept": "application/json", "User-Agent": "cvm-node-simulator"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self._local = threading.local()

    def _new_connection(self, timeout):
        return http.client.HTTPSConnection(
            self.host, self.port, context=self.context, timeout=timeout)

    def close(self):
        """Closes the calling thread's keep-alive connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, method, path, body=None, query=None, content_type="application/json",
                text=False):
        """Sends one request and returns the decoded JSON answer (with
        text=True the body as a string, e.g. a pod's log).

        Raises ApiError for any status outside 2xx. A request that fails on a
        reused connection (closed by the server meanwhile) is sent once more on
        a fresh connection.
        """
        if query:
            path = f"{path}?{urllib.parse.urlencode(query)}"
        payload = None if body is None else json.dumps(body).encode()
        headers = dict(self.headers)
        if payload is not None:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            conn = getattr(self._local, "conn", None)
            fresh = conn is None
            if fresh:
                conn = self._local.conn = self._new_connection(self.timeout)
            try:
                conn.request(method, path, body=payload, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if fresh or attempt == 2:
                    raise
                continue
            if resp.status >= 300:
                raise ApiError(method, path, resp.status, data)
            if text:
                return data.decode("utf-8", "replace")
            return json.loads(data) if data else {}
        raise AssertionError("unreachable")

    def watch(self, path, resource_version, timeout_seconds, holder):
        """Yields the events of one watch request as dicts.

        The answer is a chunked stream of newline-separated JSON objects; it is
        read with read1() so each event is handled as soon as it arrives.
        holder is a list that receives the connection so that another thread
        can close it to end the watch.
        """
        query = {
            "watch": "1",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout_seconds),
        }
        conn = self._new_connection(timeout_seconds + 30)
        holder[:] = [conn]
        try:
            conn.request("GET", f"{path}?{urllib.parse.urlencode(query)}", headers=self.headers)
            resp = conn.getresponse()
            if resp.status != 200:
                raise ApiError("WATCH", path, resp.status, resp.read())
            buffer = b""
            while True:
                chunk = resp.read1(65536)
                if not chunk:
                    return
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        yield json.loads(line)
        finally:
            holder[:] = []
            conn.close()


# --------------------------------------------------------------------------
# Work scheduling


class Worker(threading.Thread):
    """Runs actions one at a time, each after its delay.

    Informers only schedule work here, so a slow API call never stalls a watch,
    and all pod and volume writes happen on this one thread (node leases and
    status have their own heartbeat thread). Scheduling an
    action under a key that is already pending replaces the pending action
    (keeping the earlier due time), so bursts of watch events for one object
    collapse into one action that reads the newest state.
    """

    def __init__(self, stop):
        super().__init__(name="worker", daemon=True)
        self.stop = stop
        self.cond = threading.Condition()
        self.heap = []
        self.pending = {}
        self.counter = itertools.count()

    def schedule(self, key, delay, action):
        """Runs action() after delay seconds unless replaced under the same key."""
        with self.cond:
            due = time.monotonic() + max(0.0, delay)
            if key in self.pending:
                due = min(due, self.pending[key][0])
            seq = next(self.counter)
            self.pending[key] = (due, seq, action)
            heapq.heappush(self.heap, (due, seq, key))
            self.cond.notify()

    def run(self):
        while not self.stop.is_set():
            with self.cond:
                action = None
                while action is None and not self.stop.is_set():
                    if not self.heap:
                        self.cond.wait(0.5)
                        continue
                    due, seq, key = self.heap[0]
                    wait = due - time.monotonic()
                    if wait > 0:
                        self.cond.wait(min(wait, 0.5))
                        continue
                    heapq.heappop(self.heap)
                    entry = self.pending.get(key)
                    if entry is not None and entry[1] == seq:
                        del self.pending[key]
                        action = entry[2]
            if action is None:
                continue
            try:
                action()
            except ApiError as e:
                log.warning("action %s failed: %s", key, e)
            except Exception:  # keep the daemon alive whatever one action does
                log.exception("action %s failed", key)


class Informer(threading.Thread):
    """A list-then-watch loop over one collection, feeding a handler.

    handler(event_type, obj) is called with ADDED, MODIFIED or DELETED. After
    an expired resourceVersion (410 Gone) or a broken connection it lists
    again, reporting objects that vanished meanwhile as DELETED.
    """

    def __init__(self, api, path, handler, stop, watch_timeout=300):
        super().__init__(name=f"informer {path}", daemon=True)
        self.api = api
        self.path = path
        self.handler = handler
        self.stop = stop
        self.watch_timeout = watch_timeout
        self.synced = threading.Event()
        self.known = {}
        self.conn_holder = []

    def close(self):
        """Ends the current watch by closing its connection."""
        for conn in list(self.conn_holder):
            try:
                conn.sock and conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _dispatch(self, event_type, obj):
        uid = obj.get("metadata", {}).get("uid")
        if event_type == "DELETED":
            self.known.pop(uid, None)
        else:
            self.known[uid] = obj
        try:
            self.handler(event_type, obj)
        except Exception:
            log.exception("handler for %s failed", self.path)

    def _list(self):
        listing = self.api.request("GET", self.path)
        seen = set()
        for item in listing.get("items", []):
            seen.add(item["metadata"]["uid"])
            self._dispatch("ADDED", item)
        for uid in [u for u in self.known if u not in seen]:
            self._dispatch("DELETED", self.known[uid])
        return listing["metadata"]["resourceVersion"]

    def run(self):
        backoff = 0.5
        while not self.stop.is_set():
            try:
                version = self._list()
                self.synced.set()
                backoff = 0.5
                while not self.stop.is_set():
                    expired = False
                    for event in self.api.watch(self.path, version, self.watch_timeout,
                                                self.conn_holder):
                        kind, obj = event.get("type"), event.get("object", {})
                        if kind == "ERROR":
                            if obj.get("code") == 410:
                                expired = True
                                break
                            raise ApiError("WATCH", self.path, obj.get("code"), json.dumps(obj))
                        version = obj.get("metadata", {}).get("resourceVersion", version)
                        if kind != "BOOKMARK":
                            self._dispatch(kind, obj)
                    if expired:
                        log.info("watch of %s expired; listing again", self.path)
                        break
            except Exception as e:
                if self.stop.is_set():
                    return
                log.warning("watch of %s failed (%s); retrying in %.1fs", self.path, e, backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)


# --------------------------------------------------------------------------
# Configuration


def expand_nodes(config):
    """Turns the config's node groups into one complete dict per node."""
    nodes = []
    for group in config.get("nodes", []):
        count = group.get("count")
        names = ([f"{group['name']}-{i}" for i in range(1, int(count) + 1)]
                 if count is not None else [group["name"]])
        for name in names:
            node = copy.deepcopy(DEFAULT_NODE)
            for key, value in group.items():
                if key in ("name", "count"):
                    continue
                if key == "capacity":
                    node["capacity"].update(value)
                else:
                    node[key] = copy.deepcopy(value)
            node["name"] = name
            if isinstance(node.get("providerID"), str):
                node["providerID"] = (node["providerID"].replace("{name}", name)
                                      .replace("{hexid}", fake_digest(name)[:17]))
            nodes.append(node)
    names = [n["name"] for n in nodes]
    if len(set(names)) != len(names):
        raise ValueError(f"node names are not unique: {names}")
    return nodes


def config_from_args(args):
    """Builds the simulator config from --config or the single-group flags."""
    if args.config:
        with open(args.config, encoding="utf-8") as f:
            config = json.load(f)
    else:
        config = copy.deepcopy(DEFAULT_CONFIG)
    group_flags = (args.nodes, args.node_prefix, args.label, args.gpus, args.os_image,
                   args.kernel, args.runtime, args.provider_id, args.cpu, args.memory)
    if any(v not in (None, []) for v in group_flags):
        group = {"name": args.node_prefix or "cvm-node",
                 "count": args.nodes if args.nodes is not None else 2,
                 "labels": dict(kv.split("=", 1) for kv in args.label or []),
                 "capacity": {}}
        if args.gpus:
            group["capacity"]["nvidia.com/gpu"] = str(args.gpus)
        if args.cpu:
            group["capacity"]["cpu"] = args.cpu
        if args.memory:
            group["capacity"]["memory"] = args.memory
        for key, value in (("osImage", args.os_image), ("kernelVersion", args.kernel),
                           ("containerRuntimeVersion", args.runtime),
                           ("providerID", args.provider_id)):
            if value:
                group[key] = value
        config["nodes"] = [group]
    return config


# --------------------------------------------------------------------------
# The simulator


class Simulator:
    """Plays the kubelets of the configured nodes and the volume provisioner."""

    def __init__(self, api, config, args):
        self.api = api
        self.args = args
        self.nodes = {n["name"]: n for n in expand_nodes(config)}
        self.node_index = self.address_indexes(self.nodes)
        self.storage_classes = config.get("storageClasses", [])
        self.stop = threading.Event()
        self.worker = Worker(self.stop)
        self.pod_ips = {}
        self.next_ip = {name: 2 for name in self.nodes}
        self.failed_pods = set()
        self.pull_rules = image_pulls.PullRules.from_config(config, args)
        self.pulling = {}  # pod uid -> failed pull attempts so far
        # pod uid -> {(type, reason, message, field): [event name, count]}
        self.event_names = {}
        self.class_cache = {}
        self.informers = []
        self.started_at = utc_now()

    @staticmethod
    def address_indexes(names):
        """A number 1..250 per node for its addresses, derived from its name.

        Derived from the name rather than the position, so that nodes of two
        simulators on one cluster get different pod CIDRs (almost always).
        """
        indexes, used = {}, set()
        for name in names:
            index = 1 + int(fake_digest(name), 16) % 250
            while index in used:
                index = index % 250 + 1
            used.add(index)
            indexes[name] = index
        return indexes

    # ---- nodes

    def node_ip(self, name):
        """The InternalIP of a simulated node (TEST-NET-style private range)."""
        return f"10.99.0.{self.node_index[name] + 1}"

    def node_object(self, node):
        """The full Node object the simulator registers for one node config."""
        name = node["name"]
        labels = {
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": node["operatingSystem"],
            "kubernetes.io/arch": node["architecture"],
            "beta.kubernetes.io/os": node["operatingSystem"],
            "beta.kubernetes.io/arch": node["architecture"],
        }
        labels.update(node["labels"])
        annotations = {"node.alpha.kubernetes.io/ttl": "0",
                       SIMULATOR_ANNOTATION: self.args.name}
        annotations.update(node["annotations"])
        capacity = dict(node["capacity"])
        allocatable = dict(node.get("allocatable") or capacity)
        index = self.node_index[name]
        spec = {"podCIDR": f"10.244.{index}.0/24", "podCIDRs": [f"10.244.{index}.0/24"],
                "taints": copy.deepcopy(node["taints"])}
        if node.get("providerID"):
            spec["providerID"] = node["providerID"]
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": labels, "annotations": annotations},
            "spec": spec,
            "status": {
                "capacity": capacity,
                "allocatable": allocatable,
                "conditions": self.node_conditions(),
                "addresses": [{"type": "InternalIP", "address": self.node_ip(name)},
                              {"type": "Hostname", "address": name}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {
                    "machineID": fake_digest("machine" + name)[:32],
                    "systemUUID": fake_digest("system" + name)[:32],
                    "bootID": fake_digest("boot" + name)[:32],
                    "kernelVersion": node["kernelVersion"],
                    "osImage": node["osImage"],
                    "containerRuntimeVersion": node["containerRuntimeVersion"],
                    "kubeletVersion": node["kubeletVersion"],
                    "kubeProxyVersion": node["kubeletVersion"],
                    "operatingSystem": node["operatingSystem"],
                    "architecture": node["architecture"],
                },
            },
        }

    def node_conditions(self):
        """Healthy node conditions with a fresh heartbeat (transition: simulator start)."""
        now = utc_now()

        def condition(kind, status, reason, message):
            return {"type": kind, "status": status, "reason": reason, "message": message,
                    "lastHeartbeatTime": now, "lastTransitionTime": self.started_at}

        return [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                      "kubelet has sufficient memory available"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                      "kubelet has no disk pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID",
                      "kubelet has sufficient PID available"),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]

    def register_node(self, node):
        """Creates the Node, or brings an existing one in line with the config."""
        name = node["name"]
        wanted = self.node_object(node)
        path = f"/api/v1/nodes/{quote(name)}"
        try:
            current = self.api.request("GET", path)
        except ApiError as e:
            if e.status != 404:
                raise
            current = None
        provider_id = wanted["spec"].get("providerID")
        if current is not None and current["spec"].get("providerID") != provider_id:
            log.info("node %s has another providerID; recreating it", name)
            self.api.request("DELETE", path)
            current = None
        if current is None:
            self.api.request("POST", "/api/v1/nodes", wanted)
            log.info("registered node %s", name)
        else:
            self.api.request("PATCH", path, {
                "metadata": {"labels": wanted["metadata"]["labels"],
                             "annotations": wanted["metadata"]["annotations"]},
            }, content_type=MERGE_PATCH)
            log.info("node %s already exists; updated its labels", name)
        self.post_node_status(name)
        self.lift_not_ready_taint(node)

    def post_node_status(self, name):
        """Re-posts the node's status with fresh heartbeats."""
        status = self.node_object(self.nodes[name])["status"]
        self.api.request("PATCH", f"/api/v1/nodes/{quote(name)}/status",
                         {"status": status}, content_type=MERGE_PATCH)

    def lift_not_ready_taint(self, node):
        """Sets the node's taints to the configured ones, dropping not-ready/unreachable.

        The TaintNodesByCondition admission plugin adds the not-ready taint on
        registration; the node-lifecycle controller would remove it within a
        few seconds once it sees Ready, doing it here makes pods schedule at once.
        """
        path = f"/api/v1/nodes/{quote(node['name'])}"
        for _ in range(5):
            current = self.api.request("GET", path)
            taints = current["spec"].get("taints") or []
            kept = [t for t in taints if t.get("key") not in NOT_READY_TAINT_KEYS]
            for taint in node["taints"]:
                if not any(t.get("key") == taint["key"] and t.get("effect") == taint["effect"]
                           for t in kept):
                    kept.append(taint)
            if kept == taints:
                return
            current["spec"]["taints"] = kept
            try:
                self.api.request("PUT", path, current)
                return
            except ApiError as e:
                if e.status != 409:
                    raise

    def renew_lease(self, name):
        """Renews (or creates) the node's Lease in kube-node-lease."""
        base = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
        path = f"{base}/{quote(name)}"
        spec = {"holderIdentity": name, "leaseDurationSeconds": 40,
                "renewTime": utc_now_micro()}
        try:
            self.api.request("PATCH", path, {"spec": spec}, content_type=MERGE_PATCH)
        except ApiError as e:
            if e.status != 404:
                raise
            node = self.api.request("GET", f"/api/v1/nodes/{quote(name)}")
            self.api.request("POST", base, {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": name, "ownerReferences": [{
                    "apiVersion": "v1", "kind": "Node", "name": name,
                    "uid": node["metadata"]["uid"]}]},
                "spec": spec,
            })

    def heartbeat_loop(self):
        """Keeps leases fresh and re-posts node status; re-registers lost nodes."""
        last_status = time.monotonic()
        while not self.stop.wait(self.args.lease_interval):
            post_status = time.monotonic() - last_status >= self.args.status_interval
            for name, node in self.nodes.items():
                try:
                    self.renew_lease(name)
                    if post_status:
                        self.post_node_status(name)
                except ApiError as e:
                    if e.status == 404:
                        log.warning("node %s is gone; registering it again", name)
                        try:
                            self.register_node(node)
                        except Exception as err:
                            log.warning("registering %s failed: %s", name, err)
                    else:
                        log.warning("heartbeat of node %s failed: %s", name, e)
                except Exception as e:
                    log.warning("heartbeat of node %s failed: %s", name, e)
            if post_status:
                last_status = time.monotonic()

    # ---- pods

    def on_pod(self, event, pod):
        """Watch handler: decides what the kubelet of the pod's node would do."""
        meta, spec, status = pod["metadata"], pod["spec"], pod.get("status", {})
        uid = meta["uid"]
        if event == "DELETED":
            self.pod_ips.pop(uid, None)
            self.failed_pods.discard(uid)
            self.pulling.pop(uid, None)
            self.event_names.pop(uid, None)
            return
        node = spec.get("nodeName")
        if node not in self.nodes:
            return
        annotations = meta.get("annotations") or {}
        ref = (meta["namespace"], meta["name"], uid)
        if meta.get("deletionTimestamp"):
            delay = self.annotation_seconds(annotations, TERMINATION_DELAY_ANNOTATION,
                                            self.args.delete_delay)
            self.worker.schedule(("delete", uid), delay, lambda: self.finish_deletion(*ref))
            return
        if status.get("phase") in ("Succeeded", "Failed"):
            return
        delay = self.annotation_seconds(annotations, START_DELAY_ANNOTATION,
                                        self.args.pod_start_delay)
        if FAIL_ANNOTATION in annotations:
            if uid not in self.failed_pods:
                self.worker.schedule(("start", uid), delay, lambda: self.fail_pod(*ref))
            return
        if uid in self.pulling:  # the pull cycle runs on its own
            return
        if self.pull_rules.failing_containers(pod):
            self.pulling[uid] = 0
            self.worker.schedule(("start", uid), delay, lambda: self.pull_attempt(*ref))
            return
        if self.pod_is_running(pod):
            return
        self.worker.schedule(("start", uid), delay, lambda: self.start_pod(*ref))

    @staticmethod
    def annotation_seconds(annotations, key, default):
        """Reads a number of seconds from an annotation, falling back to default."""
        try:
            return float(annotations[key])
        except (KeyError, ValueError):
            return default

    @staticmethod
    def pod_is_running(pod):
        """True when the pod already shows Running and Ready."""
        status = pod.get("status", {})
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in status.get("conditions") or [])
        return status.get("phase") == "Running" and ready

    def fresh_pod(self, namespace, name, uid):
        """Reads the pod again; None if it is gone, replaced, or off our nodes."""
        try:
            pod = self.api.request(
                "GET", f"/api/v1/namespaces/{quote(namespace)}/pods/{quote(name)}")
        except ApiError as e:
            if e.status == 404:
                return None
            raise
        if pod["metadata"]["uid"] != uid or pod["spec"].get("nodeName") not in self.nodes:
            return None
        return pod

    def pod_ip(self, pod):
        """Allocates (once) an IP from the node's pod CIDR for the pod."""
        uid = pod["metadata"]["uid"]
        if uid not in self.pod_ips:
            node = pod["spec"]["nodeName"]
            host = self.next_ip[node]
            self.next_ip[node] = 2 if host >= 254 else host + 1
            self.pod_ips[uid] = f"10.244.{self.node_index[node]}.{host}"
        return self.pod_ips[uid]

    def runtime_prefix(self, node):
        """containerd:// or cri-o:// etc., from the node's runtime version."""
        runtime = self.nodes[node]["containerRuntimeVersion"]
        return runtime.split("://", 1)[0] + "://" if "://" in runtime else "containerd://"

    def container_status(self, pod, container, state, ready, restarts=0, last_state=None):
        """One containerStatuses entry in the shape the kubelet reports."""
        uid = pod["metadata"]["uid"]
        image = container.get("image", "")
        entry = {
            "name": container["name"],
            "image": image,
            "imageID": f"{image.split('@')[0]}@sha256:{fake_digest(image)}",
            "ready": ready,
            "restartCount": restarts,
            "started": "running" in state,
            "state": state,
            "lastState": last_state or {},
        }
        if "waiting" not in state or restarts:
            entry["containerID"] = (self.runtime_prefix(pod["spec"]["nodeName"])
                                    + fake_digest(uid + container["name"] + str(restarts)))
        return entry

    def pod_status_base(self, pod, now):
        """The status fields every started pod has: IPs and start time."""
        status = pod.get("status", {})
        ip = self.pod_ip(pod)
        return {
            "hostIP": self.node_ip(pod["spec"]["nodeName"]),
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": status.get("startTime") or now,
        }

    @staticmethod
    def conditions(now, ready, reason=None, message=None, not_initialized=None):
        """The four pod conditions; Ready/ContainersReady per ready, and
        Initialized false with not_initialized's message when given."""
        def condition(kind, ok, why=None, text=None):
            c = {"type": kind, "status": "True" if ok else "False",
                 "lastProbeTime": None, "lastTransitionTime": now}
            if not ok:
                c["reason"], c["message"] = why, text
            return c

        return [
            condition("Initialized", not not_initialized, "ContainersNotInitialized",
                      not_initialized),
            condition("Ready", ready, reason, message),
            condition("ContainersReady", ready, reason, message),
            condition("PodScheduled", True),
        ]

    def init_container_statuses(self, pod, now):
        """Init containers reported as completed."""
        return [self.container_status(pod, c, {"terminated": {
            "exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}}, False)
            for c in pod["spec"].get("initContainers") or []]

    def patch_pod_status(self, pod, status):
        """Merge-patches the pod's status subresource, guarded by its UID."""
        meta = pod["metadata"]
        self.api.request(
            "PATCH",
            f"/api/v1/namespaces/{quote(meta['namespace'])}/pods/{quote(meta['name'])}/status",
            {"metadata": {"uid": meta["uid"]}, "status": status},
            content_type=MERGE_PATCH)

    def start_pod(self, namespace, name, uid):
        """Moves a bound pod to Running with all containers ready."""
        pod = self.fresh_pod(namespace, name, uid)
        if pod is None or pod["metadata"].get("deletionTimestamp") or self.pod_is_running(pod):
            return
        now = utc_now()
        status = self.pod_status_base(pod, now)
        status.update({
            "phase": "Running",
            "conditions": self.conditions(now, True),
            "containerStatuses": [
                self.container_status(pod, c, {"running": {"startedAt": now}}, True)
                for c in pod["spec"]["containers"]],
            "initContainerStatuses": self.init_container_statuses(pod, now),
        })
        self.patch_pod_status(pod, status)
        log.info("pod %s/%s is Running on %s (%s)", namespace, name,
                 pod["spec"]["nodeName"], status["podIP"])

    def fail_pod(self, namespace, name, uid):
        """Applies the failure the pod's cvm-test/fail annotation asks for."""
        if uid in self.failed_pods:
            return
        pod = self.fresh_pod(namespace, name, uid)
        if pod is None or pod["metadata"].get("deletionTimestamp"):
            return
        # Marked before the writes: the watch events they cause must not fail it twice.
        self.failed_pods.add(uid)
        annotations = pod["metadata"].get("annotations") or {}
        reason, _, message = annotations.get(FAIL_ANNOTATION, "").partition(":")
        reason = reason.strip() or "Failed"
        message = message.strip() or f"simulated failure: {reason}"
        phase = annotations.get(FAIL_PHASE_ANNOTATION, "Pending").strip().capitalize()
        if phase not in ("Pending", "Running", "Failed"):
            log.warning("pod %s/%s: unknown %s %r; using Pending", namespace, name,
                        FAIL_PHASE_ANNOTATION, phase)
            phase = "Pending"
        containers = pod["spec"]["containers"]
        names = ", ".join(c["name"] for c in containers)
        not_ready = f"containers with unready status: [{names}]"
        now = utc_now()
        status = self.pod_status_base(pod, now)
        status["phase"] = phase
        status["conditions"] = self.conditions(now, False, "ContainersNotReady", not_ready)
        status["initContainerStatuses"] = self.init_container_statuses(pod, now)
        if phase == "Failed":
            status["reason"], status["message"] = reason, message
            state = {"terminated": {"exitCode": 1, "reason": "Error", "message": message,
                                    "startedAt": now, "finishedAt": now}}
            status["containerStatuses"] = [
                self.container_status(pod, c, state, False, restarts=0) for c in containers]
            for entry in status["containerStatuses"]:
                entry["started"] = False
        elif phase == "Running":
            last = {"terminated": {"exitCode": 1, "reason": "Error",
                                   "startedAt": now, "finishedAt": now}}
            status["containerStatuses"] = [
                self.container_status(pod, c, {"waiting": {"reason": reason, "message": message}},
                                      False, restarts=3, last_state=last)
                for c in containers]
        else:
            status["containerStatuses"] = [
                self.container_status(pod, c, {"waiting": {"reason": reason, "message": message}},
                                      False)
                for c in containers]
        try:
            self.patch_pod_status(pod, status)
            self.post_warning_event(pod, reason, message)
        except Exception:
            self.failed_pods.discard(uid)
            raise
        log.info("pod %s/%s fails as asked: phase %s, %s: %s", namespace, name, phase,
                 reason, message)

    def post_warning_event(self, pod, reason, message):
        """Posts a core/v1 Warning Event about the pod, as the kubelet would."""
        first = pod["spec"]["containers"][0]["name"]
        self.post_event(pod, "Warning", reason, message, f"spec.containers{{{first}}}")

    def post_event(self, pod, kind, reason, message, field_path):
        """Posts a core/v1 Event of type kind about the pod's field_path; the
        same event again only counts up (as the kubelet's event correlator)."""
        meta = pod["metadata"]
        node = pod["spec"]["nodeName"]
        now = utc_now()
        names = self.event_names.setdefault(meta["uid"], {})
        key = (kind, reason, message, field_path)
        seen = names.get(key)
        events = f"/api/v1/namespaces/{quote(meta['namespace'])}/events"
        if seen is not None:
            seen[1] += 1
            try:
                self.api.request("PATCH", f"{events}/{quote(seen[0])}",
                                 {"count": seen[1], "lastTimestamp": now},
                                 content_type=MERGE_PATCH)
                return
            except ApiError as e:
                if e.status != 404:
                    raise
        name = f"{meta['name']}.{time.time_ns():x}"
        names[key] = [name, 1]
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": meta["namespace"]},
            "involvedObject": {
                "apiVersion": "v1", "kind": "Pod", "namespace": meta["namespace"],
                "name": meta["name"], "uid": meta["uid"],
                "resourceVersion": meta.get("resourceVersion", ""),
                "fieldPath": field_path,
            },
            "reason": reason,
            "message": message,
            "type": kind,
            "source": {"component": "kubelet", "host": node},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "reportingComponent": "kubelet",
            "reportingInstance": node,
        }
        self.api.request("POST", events, event)

    # ---- image pulls (image_pulls.py)

    def pull_attempt(self, namespace, name, uid):
        """One failed pull of the pod's failing images: the kubelet's events
        first, then the status (ErrImagePull); the back-off follows."""
        pod = self.fresh_pod(namespace, name, uid)
        if pod is None or pod["metadata"].get("deletionTimestamp") or uid not in self.pulling:
            return
        failing = self.pull_rules.failing_containers(pod)
        if not failing:  # its images were changed to ones that pull
            self.pulling.pop(uid, None)
            self.start_pod(namespace, name, uid)
            return
        for kind, c, error in failing:
            for event in image_pulls.attempt_events(c["image"], error):
                self.post_event(pod, *event, f"spec.{kind}{{{c['name']}}}")
        self.patch_pod_status(pod, self.pull_status(pod, failing, back_off=False))
        wait = image_pulls.back_off_seconds(self.args.pull_backoff, self.pulling[uid])
        first = min(1.0, wait / 2)
        log.info("pod %s/%s: pulling %s failed; backing off %.1fs", namespace, name,
                 ", ".join(c["image"] for _, c, _ in failing), wait)
        self.worker.schedule(("pull", uid), first,
                             lambda: self.pull_back_off(namespace, name, uid, wait - first))

    def pull_back_off(self, namespace, name, uid, rest):
        """The kubelet's syncs during the back-off: events, ImagePullBackOff;
        the next attempt after `rest` seconds."""
        pod = self.fresh_pod(namespace, name, uid)
        if pod is None or pod["metadata"].get("deletionTimestamp") or uid not in self.pulling:
            return
        failing = self.pull_rules.failing_containers(pod)
        if failing:
            for kind, c, _ in failing:
                for event in image_pulls.back_off_events(c["image"]):
                    self.post_event(pod, *event, f"spec.{kind}{{{c['name']}}}")
            self.patch_pod_status(pod, self.pull_status(pod, failing, back_off=True))
        self.pulling[uid] = self.pulling.get(uid, 0) + 1
        self.worker.schedule(("pull", uid), rest, lambda: self.pull_attempt(namespace, name, uid))

    def pull_status(self, pod, failing, back_off):
        """The Pending status of a pod whose `failing` containers wait for
        their images (ErrImagePull, or ImagePullBackOff when back_off)."""
        now = utc_now()
        spec = pod["spec"]
        waits = {c["name"]: (image_pulls.back_off_message(c["image"]) if back_off else error)
                 for _, c, error in failing}
        reason = image_pulls.IMAGE_PULL_BACK_OFF if back_off else image_pulls.ERR_IMAGE_PULL

        def waiting(c, why, message=None):
            state = {"waiting": {"reason": why}}
            if message:
                state["waiting"]["message"] = message
            return self.container_status(pod, c, state, False)
        init_failing = failing[0][0] == "initContainers"
        inits, reached = [], False
        for c in spec.get("initContainers") or []:
            if c["name"] in waits:
                inits.append(waiting(c, reason, waits[c["name"]]))
                reached = True
            elif reached:
                inits.append(waiting(c, "PodInitializing"))
            else:
                inits.append(self.container_status(pod, c, {"terminated": {
                    "exitCode": 0, "reason": "Completed", "startedAt": now,
                    "finishedAt": now}}, False))
        containers = []
        for c in spec["containers"]:
            if init_failing:
                containers.append(waiting(c, "PodInitializing"))
            elif c["name"] in waits:
                containers.append(waiting(c, reason, waits[c["name"]]))
            else:
                containers.append(self.container_status(
                    pod, c, {"running": {"startedAt": now}}, True))
        unready = ", ".join(c["name"] for c in containers if not c["ready"])
        status = self.pod_status_base(pod, now)
        status.update({
            # A phase never goes back: a running pod given a missing image stays Running.
            "phase": "Running" if pod.get("status", {}).get("phase") == "Running" else "Pending",
            "conditions": self.conditions(
                now, False, "ContainersNotReady", f"containers with unready status: [{unready}]",
                not_initialized=(f"containers with incomplete status: [{failing[0][1]['name']}]"
                                 if init_failing else None)),
            "initContainerStatuses": inits,
            "containerStatuses": containers,
        })
        return status

    def finish_deletion(self, namespace, name, uid):
        """Completes a graceful deletion: DELETE with grace period 0 and UID precondition."""
        try:
            self.api.request(
                "DELETE", f"/api/v1/namespaces/{quote(namespace)}/pods/{quote(name)}",
                {"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0,
                 "preconditions": {"uid": uid}})
            log.info("pod %s/%s deleted", namespace, name)
        except ApiError as e:
            if e.status not in (404, 409):
                raise

    # ---- volumes

    def ensure_storage_classes(self):
        """Creates the configured StorageClasses that do not exist yet."""
        for sc in self.storage_classes:
            annotations = {}
            if sc.get("default"):
                annotations["storageclass.kubernetes.io/is-default-class"] = "true"
            body = {
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": {"name": sc["name"], "annotations": annotations},
                "provisioner": sc.get("provisioner", PROVISIONER),
                "reclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                "volumeBindingMode": sc.get("volumeBindingMode", "Immediate"),
                "allowVolumeExpansion": sc.get("allowVolumeExpansion", True),
            }
            try:
                self.api.request("POST", "/apis/storage.k8s.io/v1/storageclasses", body)
                log.info("created StorageClass %s", sc["name"])
            except ApiError as e:
                if e.status != 409:
                    raise

    def storage_class(self, name):
        """Reads a StorageClass (cached once found); None if it does not exist."""
        if name not in self.class_cache:
            try:
                self.class_cache[name] = self.api.request(
                    "GET", f"/apis/storage.k8s.io/v1/storageclasses/{quote(name)}")
            except ApiError as e:
                if e.status == 404:
                    return None
                raise
        return self.class_cache[name]

    def on_claim(self, event, claim):
        """Watch handler for PersistentVolumeClaims."""
        if event == "DELETED" or claim.get("status", {}).get("phase") != "Pending":
            return
        if claim["spec"].get("volumeName") or claim["metadata"].get("deletionTimestamp"):
            return
        meta = claim["metadata"]
        ref = (meta["namespace"], meta["name"], meta["uid"])
        self.worker.schedule(("claim", meta["uid"]), 0, lambda: self.provision(*ref))

    def provision(self, namespace, name, uid):
        """Creates a hostPath PersistentVolume pre-bound to a pending claim."""
        try:
            claim = self.api.request(
                "GET",
                f"/api/v1/namespaces/{quote(namespace)}/persistentvolumeclaims/{quote(name)}")
        except ApiError as e:
            if e.status == 404:
                return
            raise
        meta, spec = claim["metadata"], claim["spec"]
        if meta["uid"] != uid or spec.get("volumeName") or meta.get("deletionTimestamp"):
            return
        class_name = spec.get("storageClassName")
        if not class_name:
            return  # no class: static binding only, as in a real cluster
        sc = self.storage_class(class_name)
        if sc is None or sc.get("provisioner") != PROVISIONER:
            return
        node = None
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer":
            node = (meta.get("annotations") or {}).get(SELECTED_NODE_ANNOTATION)
            # With --volume-dir the volumes are real directories on this
            # machine, so they serve any node here (the real node too).
            if node is None or (node not in self.nodes and not self.args.volume_dir):
                return  # the scheduler has not picked one of our nodes yet
        size = spec.get("resources", {}).get("requests", {}).get("storage", "1Gi")
        pv_name = f"pvc-{uid}"
        path = f"/var/lib/cvm-simulated-volumes/{pv_name}"
        if self.args.volume_dir:
            # A real node's kubelet needs the directory to exist (sub-paths
            # are resolved in it); it lives until the volume is deleted.
            path = os.path.join(self.args.volume_dir, pv_name)
            os.makedirs(path, mode=0o755, exist_ok=True)
        volume = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": pv_name,
                         "annotations": {PROVISIONED_BY_ANNOTATION: PROVISIONER}},
            "spec": {
                "capacity": {"storage": size},
                "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                "storageClassName": class_name,
                "volumeMode": spec.get("volumeMode", "Filesystem"),
                "hostPath": {"path": path, "type": "DirectoryOrCreate"},
                "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                             "namespace": namespace, "name": name, "uid": uid},
            },
        }
        if node is not None:
            volume["spec"]["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{
                "matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In",
                                      "values": [node]}]}]}}
        try:
            self.api.request("POST", "/api/v1/persistentvolumes", volume)
            log.info("provisioned %s (%s, class %s) for claim %s/%s", pv_name, size,
                     class_name, namespace, name)
        except ApiError as e:
            if e.status != 409:
                raise

    def on_volume(self, event, volume):
        """Watch handler for PersistentVolumes: deletes released volumes we made."""
        if event == "DELETED":
            return
        meta = volume["metadata"]
        ours = (meta.get("annotations") or {}).get(PROVISIONED_BY_ANNOTATION) == PROVISIONER
        if (ours and volume.get("status", {}).get("phase") == "Released"
                and volume["spec"].get("persistentVolumeReclaimPolicy") == "Delete"
                and not meta.get("deletionTimestamp")):
            name, uid = meta["name"], meta["uid"]
            self.worker.schedule(("volume", uid), 0, lambda: self.delete_volume(name, uid))

    def delete_volume(self, name, uid):
        """Deletes a released volume and, with --volume-dir, its directory."""
        try:
            self.api.request("DELETE", f"/api/v1/persistentvolumes/{quote(name)}",
                             {"apiVersion": "v1", "kind": "DeleteOptions",
                              "preconditions": {"uid": uid}})
            log.info("deleted released volume %s", name)
        except ApiError as e:
            if e.status not in (404, 409):
                raise
        if self.args.volume_dir and re.fullmatch(r"pvc-[0-9a-f-]+", name):
            shutil.rmtree(os.path.join(self.args.volume_dir, name), ignore_errors=True)

    # ---- lifecycle

    def run(self):
        """Registers nodes, starts the watches and blocks until stopped."""
        if self.args.provisioner:
            self.ensure_storage_classes()
        for node in self.nodes.values():
            self.register_node(node)
            self.renew_lease(node["name"])
        self.worker.start()
        watches = [("/api/v1/pods", self.on_pod)]
        if self.args.provisioner:
            watches += [("/api/v1/persistentvolumeclaims", self.on_claim),
                        ("/api/v1/persistentvolumes", self.on_volume)]
        for path, handler in watches:
            informer = Informer(self.api, path, handler, self.stop)
            informer.start()
            self.informers.append(informer)
        threading.Thread(target=self.heartbeat_loop, name="heartbeat", daemon=True).start()
        for informer in self.informers:
            while not informer.synced.wait(0.5):
                if self.stop.is_set():
                    return
        log.info("simulating nodes %s%s", ", ".join(self.nodes),
                 " and the volume provisioner" if self.args.provisioner else "")
        if self.args.ready_file:
            with open(self.args.ready_file, "w", encoding="utf-8") as f:
                f.write("\n".join(self.nodes) + "\n")
        while not self.stop.wait(1.0):
            pass

    def shutdown(self):
        """Stops the watches; deletes the nodes if asked to."""
        self.stop.set()
        for informer in self.informers:
            informer.close()
        if self.args.delete_nodes_on_exit:
            for name in self.nodes:
                try:
                    self.api.request("DELETE", f"/api/v1/nodes/{quote(name)}")
                    log.info("deleted node %s", name)
                except Exception as e:
                    log.warning("deleting node %s failed: %s", name, e)


def parse_args(argv):
    """The command line; see --help."""
    p = argparse.ArgumentParser(
        description="Simulates kubelets (Nodes, pod status, deletions) and a volume "
                    "provisioner against a real kube-apiserver.")
    conn = p.add_argument_group("connection (defaults come from --cluster-dir/env)")
    conn.add_argument("--cluster-dir", default=os.environ.get("CVM_CLUSTER_DIR"),
                      help="state dir of tests/cluster/start.sh; reads its env file "
                           "(default: $CVM_CLUSTER_DIR)")
    conn.add_argument("--server", help="API server URL, https://host:port")
    conn.add_argument("--ca-file", help="CA bundle that signed the serving certificate")
    conn.add_argument("--cert-file", help="client certificate (PEM)")
    conn.add_argument("--key-file", help="client key (PEM)")
    nodes = p.add_argument_group("nodes")
    nodes.add_argument("--config", help="JSON config with 'nodes' and 'storageClasses' "
                                        "(see tests/cluster/nodes/*.json)")
    nodes.add_argument("--nodes", type=int, help="number of nodes (single group, no --config)")
    nodes.add_argument("--node-prefix", help="node name prefix (default cvm-node)")
    nodes.add_argument("--label", action="append", help="node label KEY=VALUE (repeatable)")
    nodes.add_argument("--gpus", type=int, help="nvidia.com/gpu capacity per node")
    nodes.add_argument("--cpu", help="cpu capacity per node")
    nodes.add_argument("--memory", help="memory capacity per node")
    nodes.add_argument("--os-image", help="status.nodeInfo.osImage")
    nodes.add_argument("--kernel", help="status.nodeInfo.kernelVersion")
    nodes.add_argument("--runtime", help="status.nodeInfo.containerRuntimeVersion")
    nodes.add_argument("--provider-id", help="spec.providerID; {name} is the node name, "
                                             "{hexid} 17 hex digits derived from it")
    behaviour = p.add_argument_group("behaviour")
    behaviour.add_argument("--name", default="cvm-node-simulator",
                           help="identity written to the nodes' annotation")
    behaviour.add_argument("--no-provisioner", dest="provisioner", action="store_false",
                           help="do not create StorageClasses or provision volumes (when "
                                "another simulator on the same cluster does)")
    behaviour.add_argument("--pod-start-delay", type=float, default=0.5,
                           help="seconds from binding to Running (default 0.5)")
    behaviour.add_argument("--delete-delay", type=float, default=0.5,
                           help="seconds a graceful pod deletion takes (default 0.5)")
    behaviour.add_argument("--missing-registry", action="append", metavar="HOST",
                           help="images on this registry host do not exist (NotFound); "
                                "repeatable, adds to the config's imagePulls.missingRegistries "
                                "(default missing.cvm.test)")
    behaviour.add_argument("--missing-tag", action="append", metavar="TAG",
                           help="images with this tag do not exist; repeatable (default "
                                "does-not-exist)")
    behaviour.add_argument("--unreachable-registry", action="append", metavar="HOST",
                           help="pulls from this registry host time out (i/o timeout, "
                                "transient); repeatable (default unreachable.cvm.test)")
    behaviour.add_argument("--pull-backoff", type=float, default=2.0,
                           help="seconds from a failed pull to the next, doubling up to "
                                "30 s (default 2; a kubelet's is 10)")
    behaviour.add_argument("--lease-interval", type=float, default=10.0,
                           help="seconds between lease renewals (default 10)")
    behaviour.add_argument("--status-interval", type=float, default=60.0,
                           help="seconds between node status posts (default 60)")
    behaviour.add_argument("--volume-dir",
                           help="provision real directories under this dir (for a real "
                                "node on this machine), for claims of any node")
    behaviour.add_argument("--delete-nodes-on-exit", action="store_true",
                           help="delete the simulated nodes on SIGTERM")
    out = p.add_argument_group("process")
    out.add_argument("--log-file", help="log here instead of stderr")
    out.add_argument("--pid-file", help="write the process id here (removed on exit)")
    out.add_argument("--ready-file", help="written once nodes are registered and watches synced")
    out.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    args = p.parse_args(argv)
    if args.cluster_dir:
        env_path = os.path.join(args.cluster_dir, "env")
        if not os.path.exists(env_path):
            p.error(f"{env_path} does not exist; is the cluster started (tests/cluster/start.sh)?")
        env = read_env_file(env_path)
        pki = os.path.join(args.cluster_dir, "pki")
        args.server = args.server or env.get("KUBE_HOST")
        args.ca_file = args.ca_file or env.get("KUBE_CA_FILE")
        args.cert_file = args.cert_file or os.path.join(pki, "simulator.crt")
        args.key_file = args.key_file or os.path.join(pki, "simulator.key")
    missing = [flag for flag, value in (("--server", args.server), ("--ca-file", args.ca_file),
                                        ("--cert-file", args.cert_file),
                                        ("--key-file", args.key_file)) if not value]
    if missing:
        p.error(f"missing {', '.join(missing)} (or pass --cluster-dir / set CVM_CLUSTER_DIR)")
    return args


def main(argv=None):
    """Entry point: runs the simulator until SIGTERM or SIGINT."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    handler = (logging.FileHandler(args.log_file) if args.log_file
               else logging.StreamHandler(sys.stderr))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        config = config_from_args(args)
        api = ApiClient(args.server, args.ca_file, args.cert_file, args.key_file)
        simulator = Simulator(api, config, args)
    except (OSError, ValueError, KeyError, ssl.SSLError) as e:
        log.error("cannot start: %s", e)
        if args.log_file:
            print(f"node_simulator: cannot start: {e}", file=sys.stderr)
        return 2
    if args.pid_file:
        with open(args.pid_file, "w", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")

    def on_signal(signum, _frame):
        log.info("signal %d: stopping", signum)
        simulator.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    code = 0
    try:
        simulator.run()
    except Exception as e:
        log.exception("simulator failed: %s", e)
        code = 1
    finally:
        simulator.shutdown()
        if args.pid_file:
            try:
                os.remove(args.pid_file)
            except OSError:
                pass
        log.info("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
