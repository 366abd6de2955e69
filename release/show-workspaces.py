#!/usr/bin/env python3
"""Prints the objects terraform-provider-cvm created in a cluster: every pod,
claim, Secret and settings ConfigMap labelled as ours, with the host paths of
each workspace pod and, for a pod that runs on the real test node
(tests/cluster/node), what the envbox test double found in it: the report it
prints in the pod's log. Usage: show-workspaces.py CLUSTER_DIR (tests/cluster)."""

import os
import sys

TESTS_CLUSTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cluster")
sys.path[:0] = [TESTS_CLUSTER, os.path.join(TESTS_CLUSTER, "node")]
from doubles import pod_report  # noqa: E402
from node_simulator import ApiClient, read_env_file  # noqa: E402

SELECTOR = "app.kubernetes.io/managed-by=terraform-provider-cvm"


def main():
    env = read_env_file(os.path.join(sys.argv[1], "env"))
    api = ApiClient(env["KUBE_HOST"], env["KUBE_CA_FILE"], cert_file=env["KUBE_CLIENT_CERT_FILE"],
                    key_file=env["KUBE_CLIENT_KEY_FILE"])
    for kind, path in [("ConfigMap", "/api/v1/configmaps"),
                       ("Secret", "/api/v1/secrets"),
                       ("PersistentVolumeClaim", "/api/v1/persistentvolumeclaims"),
                       ("Pod", "/api/v1/pods")]:
        items = api.request("GET", path, query={"labelSelector": SELECTOR}).get("items", [])
        for item in items:
            meta = item["metadata"]
            line = f"{kind:<22} {meta['namespace']}/{meta['name']}"
            if kind == "Pod":
                status = item.get("status", {})
                line += f"  phase={status.get('phase')} node={item['spec'].get('nodeName')}"
            if kind == "PersistentVolumeClaim":
                line += f"  {item['status'].get('phase')}"
            print(line)
            if kind == "Pod":
                mounts = {m["name"]: m for m in item["spec"]["containers"][0]["volumeMounts"]}
                for volume in item["spec"].get("volumes", []):
                    if "hostPath" in volume:
                        m = mounts.get(volume["name"], {})
                        print(f"    hostPath {volume['hostPath']['path']:<14} "
                              f"{'RO' if m.get('readOnly', False) else 'RW'} "
                              f"at {m.get('mountPath')}")
                dev = item["spec"]["containers"][0]
                if (env.get("CVM_REAL_NODE")
                        and item["spec"].get("nodeName") == env["CVM_REAL_NODE"]
                        and dev.get("command") == ["/envbox", "docker"]):
                    print_report(api, meta["namespace"], meta["name"])


def print_report(api, namespace, name):
    """What the envbox double found in the pod (its report, in the pod's log)."""
    report = pod_report(api, namespace, name)
    if report is None:
        print("    (the envbox double has not reported yet)")
        return
    print(f"    the envbox double in it: {'contract holds' if report.get('ok') else 'FAILED'}"
          + "".join(f"\n      error: {e}" for e in report.get("errors", [])))
    for path, seen in report.get("host_paths", {}).items():
        if seen.get("mount_point"):
            print(f"      {path:<18} mounted, {'writable' if seen.get('writable') else 'read-only'}")
    files = report.get("runtime_files", {})
    print(f"      envbox's own files under /run and /var/lib: "
          f"{sum(v == 'ok' for v in files.values())}/{len(files)} written")
    variables = report.get("variables", {})
    for key in ("CODER_AGENT_TOKEN", "CODER_CPUS", "CODER_MEMORY", "CODER_MOUNTS"):
        if key in variables:
            print(f"      {key}={variables[key]}")
    for m in report.get("mounts", []):
        if not m.get("private"):
            print(f"      mount {m['source']} -> {m['target']}"
                  f"{' (ro)' if m.get('read_only') else ''}: workspace user can "
                  f"{'write' if m.get('inner_user_writable') else 'not write'}")


if __name__ == "__main__":
    main()
