"""Reading the test doubles' reports (tests/cluster/node/cvm_double.cc).

A double prints its report as one line "CVM-DOUBLE-REPORT {json}" on stdout,
so the report of a pod on the real node is in the pod's log, read through
the API server and the kubelet. Python 3 standard library only.
"""

import json

REPORT_PREFIX = "CVM-DOUBLE-REPORT "


def report_in(log):
    """The first report in a log's text, or None."""
    for line in log.splitlines():
        if line.startswith(REPORT_PREFIX):
            return json.loads(line[len(REPORT_PREFIX):])
    return None


def pod_report(api, namespace, name):
    """The report in a pod's log (an ApiClient from node_simulator), or None
    while the pod has no log or the double has not reported."""
    try:
        log = api.request("GET", f"/api/v1/namespaces/{namespace}/pods/{name}/log", text=True)
    except Exception:  # noqa: BLE001 - no log yet (starting, or no container)
        return None
    return report_in(log)
