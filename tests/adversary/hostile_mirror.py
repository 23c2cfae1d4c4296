#!/usr/bin/env python3
# tests/adversary/hostile_mirror.py - a hostile secure mirror: HTTPS under the attacker's own CA,
# a /v1/mirrors body of the test's choosing (forged CA PEMs, huge or pathological JSON), and DoH
# answers relayed from the lying resolver.  Loopback only.
#
#   hostile_mirror.py --cert F --key F --listen ADDR [--listen ADDR...] --mirrors FILE
#                     [--upstream ADDR:PORT] [--ready FILE]
#
# Each --listen ADDR gets a free port; "listening ADDR:PORT" is printed (and written to --ready)
# once every socket is bound.  GET /v1/mirrors answers FILE's bytes as application/json; POST
# /dns-query and GET /dns-query?dns= forward the DNS message over UDP to --upstream (the liar)
# and answer what it says; GET /v1/health answers a small JSON object.  Requests are logged to
# stderr with their time, so a test can tell whether and when it was asked.
import argparse
import base64
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile-mirror"

    def log_message(self, fmt, *args):
        sys.stderr.write("%.3f %s %s\n" % (time.time(), self.address_string(), fmt % args))
        sys.stderr.flush()

    def reply(self, code, ctype, body):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def relay(self, query):
        up = self.server.opts.upstream
        if not up:
            self.reply(502, "text/plain", b"no upstream\n")
            return
        host, port = up.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        try:
            s.sendto(query, (host, int(port)))
            answer, _ = s.recvfrom(65535)
        except OSError:
            self.reply(504, "text/plain", b"upstream timeout\n")
            return
        finally:
            s.close()
        self.reply(200, "application/dns-message", answer)

    def do_GET(self):
        u = urlparse(self.path)
        if u.path == "/v1/mirrors":
            self.reply(200, "application/json", self.server.mirrors)
        elif u.path == "/v1/health":
            self.reply(200, "application/json", b'{"version":"hostile","dns_queries":0}\n')
        elif u.path == "/dns-query":
            q = parse_qs(u.query).get("dns", [""])[0]
            self.relay(base64.urlsafe_b64decode(q + "=" * (-len(q) % 4)))
        else:
            self.reply(404, "application/json", b'{"error":"not-found"}\n')

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if urlparse(self.path).path == "/dns-query":
            self.relay(body)
        else:
            self.reply(404, "application/json", b'{"error":"not-found"}\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--listen", action="append", required=True)
    ap.add_argument("--mirrors", required=True)
    ap.add_argument("--upstream")
    ap.add_argument("--ready")
    opts = ap.parse_args()
    with open(opts.mirrors, "rb") as f:
        mirrors = f.read()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(opts.cert, opts.key)
    bound = []
    for addr in opts.listen:
        srv = ThreadingHTTPServer((addr, 0), Handler)
        srv.daemon_threads = True
        srv.opts = opts
        srv.mirrors = mirrors
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        bound.append("%s:%d" % (addr, srv.server_address[1]))
    lines = "".join("listening %s\n" % b for b in bound)
    sys.stdout.write(lines)
    sys.stdout.flush()
    if opts.ready:
        with open(opts.ready + ".tmp", "w") as f:
            f.write(lines)
        os.rename(opts.ready + ".tmp", opts.ready)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
