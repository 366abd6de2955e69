#!/usr/bin/env python3
"""A registry on loopback that holds no image, for the real node.

containerd's hosts.toml (real-node.sh) sends every registry here, so a pull
of any image that is not imported already fails the way a real registry
fails a missing one: the distribution API's 404 MANIFEST_UNKNOWN, which
containerd reports as gRPC NotFound ("REF: not found") and the kubelet as
ErrImagePull. Nothing is sent off the machine. Python 3 standard library
only.

Usage: stub_registry.py --port-file FILE
  Listens on 127.0.0.1 on a free port, writes the port to FILE once it
  listens, logs each request on stderr, and serves until SIGTERM.
"""

import argparse
import http.server
import json
import os
import re
import signal
import sys
import threading

MANIFEST = re.compile(r"^/v2/(?P<name>.+)/manifests/(?P<reference>[^/]+)$")
BLOB = re.compile(r"^/v2/(?P<name>.+)/blobs/(?P<digest>[^/]+)$")


def answer(method, path):
    """(status, body) the registry gives for a request: /v2/ (the API
    check) is 200; a manifest or blob is unknown (404); anything else
    is 404 UNSUPPORTED."""
    path = path.split("?", 1)[0]
    if path in ("/v2", "/v2/"):
        return 200, {}
    m = MANIFEST.match(path)
    if m:
        return 404, {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown",
                                 "detail": {"Name": m["name"], "Revision": m["reference"]}}]}
    m = BLOB.match(path)
    if m:
        return 404, {"errors": [{"code": "BLOB_UNKNOWN", "message": "blob unknown to registry",
                                 "detail": m["digest"]}]}
    return 404, {"errors": [{"code": "UNSUPPORTED",
                             "message": f"{method} {path} is not served here"}]}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, with_body):
        status, body = answer(self.command, self.path)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server's names)
        self.reply(True)

    def do_HEAD(self):  # noqa: N802
        self.reply(False)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))
        sys.stderr.flush()


def main(argv=None):
    p = argparse.ArgumentParser(description="A loopback registry that has no image.")
    p.add_argument("--port-file", required=True, help="write the port here once listening")
    args = p.parse_args(argv)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{server.server_address[1]}\n")
    os.replace(tmp, args.port_file)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
