#!/usr/bin/env python3
# A small HTTPS/1.1 keep-alive server for curl_transport_tls_test.cc.
# Usage: tls_server.py CERT KEY CA. Prints the port on stdout, then serves:
#   GET /stats -> {"connections": N}
#   anything else -> {"path", "method", "client_cn", "body"}
# Exits when stdin closes (the test process is gone).
import http.server
import json
import os
import socket
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if self.path == "/stats":
            self._reply({"connections": self.server.connections})
            return
        cn = ""
        cert = self.connection.getpeercert()
        if cert:
            for rdn in cert.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        cn = value
        self._reply({"path": self.path, "method": self.command,
                     "client_cn": cn, "body": body,
                     "host": self.headers.get("Host", "")})

    do_GET = _handle
    do_POST = _handle
    do_PATCH = _handle

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    connections = 0

    def get_request(self):
        sock, addr = super().get_request()
        # Headers and body go out in two writes: without NODELAY, Nagle and
        # the client's delayed ACK add 40 ms to every response.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connections += 1
        return sock, addr


def main():
    cert, key, ca = sys.argv[1:4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    server = Server(("127.0.0.1", 0), Handler)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the parent goes away
    os._exit(0)


if __name__ == "__main__":
    main()
