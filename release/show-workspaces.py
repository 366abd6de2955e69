#!/usr/bin/env python3
"""Prints the objects terraform-provider-cvm created in a cluster: every pod,
claim, Secret and settings ConfigMap labelled as ours, with the host paths of
each workspace pod. Usage: show-workspaces.py CLUSTER_DIR (tests/cluster)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "cluster"))
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
                        ro = mounts.get(volume["name"], {}).get("readOnly", False)
                        print(f"    hostPath {volume['hostPath']['path']:<14} "
                              f"{'RO' if ro else 'RW'}")


if __name__ == "__main__":
    main()
