#!/usr/bin/python3
# tests/adversary/hostile_h2.py - a hostile HTTP/2 DoH server (RFC 8484 over TLS, ALPN h2) for
# tests/adversary/adv_h2_hostile.sh. Debian's /usr/bin/python3 with python3-h2.
#
#   hostile_h2.py MODE ADDR PORT CHAIN KEY UPSTREAM_ADDR UPSTREAM_PORT
#
# It resolves each question at UPSTREAM (UDP) and answers honestly, except as MODE says; it
# prints the method, header names, DNS ID and length of the first question it answers:
#   honest        nothing hostile
#   goaway        on the 4th request of each connection: GOAWAY naming the 3rd as the last
#                 stream it will answer (the 4th is refused), then close the connection
#   window0       SETTINGS_INITIAL_WINDOW_SIZE 0: a POST body can never be sent; no answer
#   rst           RST_STREAM (INTERNAL_ERROR) on every stream
#   headers       40 KB of response headers (HEADERS + CONTINUATION, valid HPACK)
#   continuation  HEADERS without END_HEADERS, then empty CONTINUATION frames without end
#   settings      500 SETTINGS frames right after its preface, 500 more per request
#   body          a 200,000-byte application/dns-message body (flow control obeyed)
#   status        HTTP 503 with a DNS answer
#   ctype         HTTP 200 with text/html
#   streams2      honest, but SETTINGS_MAX_CONCURRENT_STREAMS 2, and it holds its answers until
#                 its input is quiet for 30 ms (so that streams pile up); it prints
#                 "max_open N" whenever more streams than ever were open at once (a third
#                 one would be a protocol error: the connection ends)
#   slow          honest, but each answer 2.5 s late (past the client's 2 s); it prints "reset"
#                 for every RST_STREAM it gets (a resolver counting them sees rapid reset)
#   zombie        answers the first request of a connection, then none; every 0.3 s it sends a
#                 HEADERS frame (:status 200) on that first stream, closed by then (the client
#                 ignores it)
#   tls12         as goaway, but TLS 1.2 only and new ticket keys and session cache on every
#                 connection: it declines every resumption (an honest server whose keys rotate)
#   pingflood     on its first connection: PING frames at line rate for up to 12 s, reading
#                 only every 0.2 s (answering what it read then); a client that queues every
#                 PING ACK grows at the flood's rate. Honest after that, and on later connections.
import base64
import socket
import ssl
import struct
import sys
import threading
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

MODE = sys.argv[1]
LOGGED = False
FLOODED = False


def raw_frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", sid) + payload


def resolve(query, upstream):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.sendto(query, upstream)
        return s.recv(65535)
    except OSError:
        return None
    finally:
        s.close()


class Conn:
    def __init__(self, sock, upstream):
        self.sock, self.upstream = sock, upstream
        cfg = h2.config.H2Configuration(client_side=False, header_encoding="utf-8",
                                        validate_inbound_headers=False)
        self.h2 = h2.connection.H2Connection(config=cfg)
        self.reqs = {}
        self.pending = {}
        self.count = 0
        self.last_answered = 0
        self.closing = False
        self.held = []
        self.max_open = 0
        self.zombie_at = 0

    def send(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def push_pending(self):
        for sid in list(self.pending):
            body = self.pending[sid]
            while body:
                room = min(self.h2.local_flow_control_window(sid),
                           self.h2.max_outbound_frame_size)
                if room <= 0:
                    break
                self.h2.send_data(sid, body[:room])
                body = body[room:]
            if body:
                self.pending[sid] = body
            else:
                del self.pending[sid]
                self.h2.end_stream(sid)

    def question(self, sid):
        global LOGGED
        headers, body = self.reqs.pop(sid)
        if headers.get(":method") == "GET":
            q = headers.get(":path", "").split("dns=", 1)[-1]
            body = base64.urlsafe_b64decode(q + "=" * (-len(q) % 4))
        if not LOGGED:      # what a DoH client tells about itself, once
            LOGGED = True
            print("request %s %s id=%d qlen=%d" % (headers.get(":method"),
                  ",".join(sorted(headers)), int.from_bytes(body[:2], "big"), len(body)),
                  flush=True)
        return body

    def answer(self, sid, status="200", ctype="application/dns-message", extra=()):
        ans = resolve(self.question(sid), self.upstream) or b""
        self.h2.send_headers(sid, [(":status", status), ("content-type", ctype),
                                   ("content-length", str(len(ans)))] + list(extra))
        self.pending[sid] = ans
        self.last_answered = max(self.last_answered, sid)

    def request(self, sid):
        self.count += 1
        if self.closing:
            self.reqs.pop(sid)      # after our GOAWAY: refused, never answered
        elif MODE in ("goaway", "tls12") and self.count == 4:
            self.reqs.pop(sid)
            self.push_pending()     # what it answered goes out before the GOAWAY
            self.h2.close_connection(error_code=h2.errors.ErrorCodes.NO_ERROR,
                                     last_stream_id=self.last_answered)
            self.closing = True
        elif MODE == "rst":
            self.reqs.pop(sid)
            self.h2.reset_stream(sid, error_code=h2.errors.ErrorCodes.INTERNAL_ERROR)
        elif MODE == "headers":
            self.answer(sid, extra=[("x-junk-%d" % i, "a" * 1000) for i in range(40)])
        elif MODE == "continuation":
            self.reqs.pop(sid)
            self.send()
            # :status 200 (HPACK static index 8), and the header block never ends.
            self.sock.sendall(raw_frame(1, 0, sid, b"\x88"))
            frame = raw_frame(9, 0, sid)
            for _ in range(20000):
                self.sock.sendall(frame * 50)
        elif MODE == "settings":
            self.reqs.pop(sid)
            self.send()
            self.sock.sendall(raw_frame(4, 0, 0) * 500)
        elif MODE == "body":
            self.reqs.pop(sid)
            self.h2.send_headers(sid, [(":status", "200"),
                                       ("content-type", "application/dns-message")])
            self.pending[sid] = b"\x00" * 200000
        elif MODE == "status":
            self.answer(sid, status="503")
        elif MODE == "ctype":
            self.answer(sid, ctype="text/html")
        elif MODE == "slow":
            self.held.append((time.monotonic() + 2.5, sid))
        elif MODE == "zombie":
            if self.count == 1:
                self.answer(sid)
            else:
                self.reqs.pop(sid)
        elif MODE == "streams2":
            self.held.append(sid)
            if len(self.held) > self.max_open:
                self.max_open = len(self.held)
                print("max_open %d" % self.max_open, flush=True)
        else:
            self.answer(sid)

    def events(self, evs):
        for ev in evs:
            if isinstance(ev, h2.events.RequestReceived):
                self.reqs[ev.stream_id] = (dict(ev.headers), b"")
                if ev.stream_ended is not None:
                    self.request(ev.stream_id)
            elif isinstance(ev, h2.events.DataReceived):
                h, b = self.reqs.get(ev.stream_id, ({}, b""))
                self.reqs[ev.stream_id] = (h, b + ev.data)
                self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id in self.reqs:
                self.request(ev.stream_id)
            elif isinstance(ev, h2.events.StreamReset):
                if MODE == "slow":
                    print("reset %d" % ev.stream_id, flush=True)
                self.pending.pop(ev.stream_id, None)
                self.reqs.pop(ev.stream_id, None)
                if ev.stream_id in self.held:
                    self.held.remove(ev.stream_id)

    def run(self):
        self.h2.initiate_connection()
        if MODE == "window0":
            self.h2.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
        if MODE == "streams2":
            self.h2.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 2})
            self.sock.settimeout(0.03)
        if MODE == "slow":
            self.sock.settimeout(0.1)
        if MODE == "zombie":
            self.sock.settimeout(0.3)
        self.send()
        if MODE == "settings":
            self.sock.sendall(raw_frame(4, 0, 0) * 500)
        if MODE == "pingflood" and not FLOODED:
            self.flood()
        while True:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                if MODE == "zombie":
                    self.zombie()
                    continue
                if MODE == "slow":
                    self.answer_due()
                    continue
                for sid in self.held:
                    try:
                        self.answer(sid)
                    except h2.exceptions.StreamClosedError:
                        pass    # the client reset it meanwhile
                self.held = []
                self.push_pending()
                self.send()
                continue
            if not data:
                return
            self.events(self.h2.receive_data(data))
            if MODE == "zombie":
                self.zombie()
            if MODE == "slow":
                self.answer_due()
            if not self.closing:
                self.push_pending()
            self.send()
            if self.closing:
                time.sleep(0.2)
                return


    def zombie(self):
        now = time.monotonic()
        if self.count == 0 or self.pending or now - self.zombie_at < 0.3:
            return
        self.zombie_at = now
        self.send()
        # END_STREAM | END_HEADERS, HPACK static index 8 (:status 200): no decoder state.
        self.sock.sendall(raw_frame(1, 5, 1, b"\x88"))

    def answer_due(self):
        now = time.monotonic()
        for due, sid in [x for x in self.held if x[0] <= now]:
            self.held.remove((due, sid))
            try:
                self.answer(sid)
            except h2.exceptions.StreamClosedError:
                pass    # the client reset it meanwhile
        self.push_pending()
        self.send()

    def flood(self):
        global FLOODED
        FLOODED = True
        ping = raw_frame(6, 0, 0, b"12345678") * 100
        last = start = time.monotonic()
        while last - start < 12:    # or until the client drops us (sendall raises)
            self.sock.sendall(ping)
            if time.monotonic() - last < 0.2:
                continue
            last = time.monotonic()
            self.sock.settimeout(0.001)
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                data = b"-"
            finally:
                self.sock.settimeout(None)
            if not data:
                return
            if data != b"-":
                self.events(self.h2.receive_data(data))
                self.push_pending()
            self.send()


def context(chain, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    ctx.set_alpn_protocols(["h2"])
    if MODE == "tls12":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def handle(raw, ctx, upstream):
    try:
        with ctx.wrap_socket(raw, server_side=True) as sock:
            Conn(sock, upstream).run()
    except Exception:  # a hostile server does not care how its peer left
        pass
    finally:
        raw.close()


def main():
    addr, port, chain, key, uaddr, uport = sys.argv[2:8]
    ctx = context(chain, key)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(port)))
    srv.listen(64)
    print("hostile_h2 %s listening on %s:%s" % (MODE, addr, port), flush=True)
    while True:
        raw, _ = srv.accept()
        if MODE == "tls12":     # new ticket keys, empty session cache: no resumption
            ctx = context(chain, key)
        threading.Thread(target=handle, args=(raw, ctx, (uaddr, int(uport))),
                         daemon=True).start()


main()
