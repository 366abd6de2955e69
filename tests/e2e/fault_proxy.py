"""A fault-injecting HTTPS reverse proxy in front of the local kube-apiserver.

The provider talks to the proxy (its own serving certificate, signed by the
cluster's CA, so the provider verifies TLS as usual); the proxy forwards each
request to the real API server and streams the answer back (watches
included). Configured faults answer instead of the server:

  * Fault(method, path_regex, status, count, retry_after): the next `count`
    matching requests get `status` (e.g. 429 with Retry-After, 503) with a
    Kubernetes Status body, without reaching the server;
  * Fault(method, path_regex, None, count, delay=s): the next `count`
    matching requests reach the server, and the answer is held `s` seconds
    (a lost answer, when the client's request timeout is shorter);
  * tokens: when set, the proxy plays an API server with expiring bearer
    tokens. A token must be one `issue_token()` handed out and not expired or
    revoked, else 401; upstream the proxy always authenticates with the
    cluster's admin client certificate.

Every request is recorded (method, path, status, token) for assertions.
Python stdlib only.
"""

import http.client
import http.server
import json
import os
import re
import socketserver
import ssl
import subprocess
import threading
import time
import uuid


class Fault:
    def __init__(self, method, path_regex, status, count, retry_after=None, delay=None):
        """status None with `delay`: the request reaches the server, and its
        answer is held for `delay` seconds (lost to a client that gave up)."""
        self.method = method
        self.path = re.compile(path_regex)
        self.status = status
        self.left = count
        self.retry_after = retry_after
        self.delay = delay
        self.served = 0


class Record:
    def __init__(self, method, path, status, token, injected):
        self.method, self.path, self.status = method, path, status
        self.token, self.injected = token, injected
        self.time = time.monotonic()

    def __repr__(self):
        return (f"{self.method} {self.path} -> {self.status}"
                f"{' (injected)' if self.injected else ''}")


def make_server_cert(ca_crt, ca_key, directory):
    """A serving certificate for 127.0.0.1 signed by the cluster CA."""
    key = os.path.join(directory, "proxy.key")
    csr = os.path.join(directory, "proxy.csr")
    crt = os.path.join(directory, "proxy.crt")
    ext = os.path.join(directory, "proxy.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
    run("openssl", "req", "-new", "-key", key, "-subj", "/CN=cvm-fault-proxy", "-out", csr)
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
        "-set_serial", str(int(uuid.uuid4().hex[:15], 16)), "-days", "1", "-extfile", ext,
        "-out", crt)
    return crt, key


class FaultProxy:
    """Listens on 127.0.0.1 (a free port); `url` is its address."""

    def __init__(self, upstream_host, ca_file, cert_file, key_file, server_cert, server_key):
        m = re.match(r"https://([^:/]+):(\d+)", upstream_host)
        self.upstream = (m.group(1), int(m.group(2)))
        self.upstream_ctx = ssl.create_default_context(cafile=ca_file)
        self.upstream_ctx.load_cert_chain(cert_file, key_file)
        self.lock = threading.Lock()
        self.faults = []
        self.records = []
        self.tokens = None          # {token: expiry (monotonic) or None if revoked}
        self.upstream_token = None  # replaces a good token upstream
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy._handle(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(server_cert, server_key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- configuration ------------------------------------------------------------
    def add_fault(self, *args, **kwargs):
        fault = Fault(*args, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def issue_token(self, lifetime=None):
        """A new token the proxy accepts for `lifetime` seconds (None: until
        revoke_tokens())."""
        token = f"fault-proxy-{uuid.uuid4().hex}"
        with self.lock:
            if self.tokens is None:
                self.tokens = {}
            self.tokens[token] = time.monotonic() + (lifetime or 1e9)
        return token

    def revoke_tokens(self):
        """Every token issued so far is refused (401) from now on."""
        with self.lock:
            for token in self.tokens or {}:
                self.tokens[token] = 0

    def requests(self):
        with self.lock:
            return list(self.records)

    # --- serving ---------------------------------------------------------------------
    def _reply(self, handler, status, reason, message, retry_after=None):
        body = json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {},
                           "status": "Failure", "message": message, "reason": reason,
                           "code": status}).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        if retry_after is not None:
            handler.send_header("Retry-After", str(retry_after))
        handler.end_headers()
        handler.wfile.write(body)

    def _handle(self, handler):
        method, path = handler.command, handler.path
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        auth = handler.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        fault = None
        with self.lock:
            for f in self.faults:
                if f.left > 0 and f.method in (method, "*") and f.path.search(path):
                    f.left -= 1
                    f.served += 1
                    fault = f
                    break
            unauthorized = False
            if fault is None and self.tokens is not None:
                expiry = self.tokens.get(token)
                unauthorized = expiry is None or time.monotonic() >= expiry
        if fault is not None and fault.status is None:
            held = fault.delay or 0
            fault = None
        else:
            held = 0
        if fault is not None:
            self._record(method, path, fault.status, token, True)
            reason = {429: "TooManyRequests", 503: "ServiceUnavailable"}.get(fault.status,
                                                                            "InternalError")
            self._reply(handler, fault.status, reason, f"injected {fault.status} by the proxy",
                        fault.retry_after)
            return
        if unauthorized:
            self._record(method, path, 401, token, True)
            self._reply(handler, 401, "Unauthorized", "Unauthorized")
            return
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() not in ("host", "connection", "authorization",
                                        "content-length", "transfer-encoding")}
        if self.tokens is not None and self.upstream_token:
            headers["Authorization"] = f"Bearer {self.upstream_token}"
        elif auth:
            headers["Authorization"] = auth
        try:
            conn = http.client.HTTPSConnection(*self.upstream, context=self.upstream_ctx,
                                               timeout=600)
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
        except OSError as e:
            self._record(method, path, 502, token, True)
            self._reply(handler, 502, "BadGateway", f"proxy: upstream: {e}")
            return
        self._record(method, path, resp.status, token, False)
        if held:
            time.sleep(held)
        handler.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                handler.send_header(k, v)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        try:
            while True:
                chunk = resp.read1(65536)
                if not chunk:
                    break
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                handler.wfile.flush()
            handler.wfile.write(b"0\r\n\r\n")
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True
        finally:
            conn.close()

    def _record(self, method, path, status, token, injected):
        with self.lock:
            self.records.append(Record(method, path, status, token, injected))
