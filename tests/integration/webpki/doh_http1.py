#!/usr/bin/python3
# tests/integration/webpki/doh_http1.py - an HTTP/1.1-only DoH server (RFC 8484 POST and GET;
# ALPN offers http/1.1 alone), keep-alive, a thread per connection; it resolves each question
# at UPSTREAM over UDP. For the mirror client's HTTP/1.1 fallback.
#
#   doh_http1.py ADDR PORT CHAIN KEY UPSTREAM_ADDR UPSTREAM_PORT
import base64
import http.server
import socket
import ssl
import sys

ADDR, PORT, CHAIN, KEY, UADDR, UPORT = sys.argv[1:7]


class DoH(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, q):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        try:
            s.sendto(q, (UADDR, int(UPORT)))
            ans = s.recv(65535)
        except OSError:
            self.send_error(502)
            return
        finally:
            s.close()
        self.send_response(200)
        self.send_header("Content-Type", "application/dns-message")
        self.send_header("Content-Length", str(len(ans)))
        self.end_headers()
        self.wfile.write(ans)

    def do_POST(self):
        self.answer(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

    def do_GET(self):
        q = self.path.split("dns=", 1)[-1]
        self.answer(base64.urlsafe_b64decode(q + "=" * (-len(q) % 4)))


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CHAIN, KEY)
ctx.set_alpn_protocols(["http/1.1"])
srv = http.server.ThreadingHTTPServer((ADDR, int(PORT)), DoH)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("doh_http1 listening on %s:%s" % (ADDR, PORT), flush=True)
srv.serve_forever()
