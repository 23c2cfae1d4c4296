#!/usr/bin/env python3
# tests/adversary/loopwatch.py - how long does a daemon's event loop stop answering? A steady
# stream of DNS questions over UDP (one every --interval seconds, for --duration seconds) to
# --server; every answer's latency is recorded. In a single-threaded daemon a question asked
# while the loop is busy waits until the loop is free again, so the longest latency bounds the
# longest stall from below (within one interval) and above (plus the answer's own cost).
#
#   loopwatch.py --server ADDR:PORT --name NAME [--interval 0.002] [--duration 5] [--label L]
#                [--doh CAFILE]
#
# With --doh the questions are DoH GETs over one kept-alive TLS connection trusting CAFILE, one
# at a time (the next when the answer is in, or at its tick if later).
#
# Prints one line:  L sent=N answered=M max_ms=X p99_ms=Y p50_ms=Z max_gap_ms=G
# (max_gap_ms: the longest time without any answer arriving, from the first send.)
import argparse
import os
import select
import socket
import struct
import time


def query(qid, name):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)


def doh_watch(opts):
    import base64
    import http.client
    import ssl
    host, port = opts.server.rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=opts.doh)
    ctx.check_hostname = False
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=10)
    q = base64.urlsafe_b64encode(query(0, opts.name)).decode().rstrip("=")
    lat, lost = [], 0
    start = time.monotonic()
    next_send = start
    while time.monotonic() - start < opts.duration:
        time.sleep(max(0.0, next_send - time.monotonic()))
        t = time.monotonic()
        try:
            conn.request("GET", "/dns-query?dns=" + q)
            conn.getresponse().read()
            lat.append(time.monotonic() - t)
        except (OSError, http.client.HTTPException):
            lost += 1
            conn.close()
        next_send = max(next_send + opts.interval, time.monotonic())
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")
    print("%s sent=%d answered=%d max_ms=%.1f p99_ms=%.1f p50_ms=%.1f" % (
        opts.label, len(lat) + lost, len(lat), pct(1.0), pct(0.99), pct(0.5)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--interval", type=float, default=0.002)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--label", default="loop")
    ap.add_argument("--doh")
    opts = ap.parse_args()
    if opts.doh:
        doh_watch(opts)
        return
    host, port = opts.server.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    s.setblocking(False)
    sent = {}
    lat = []
    start = time.monotonic()
    next_send = start
    last_answer = start
    max_gap = 0.0
    qid = int.from_bytes(os.urandom(2), "big")
    # Ask for --duration seconds, then give the last questions up to 2 s to be answered.
    while sent or time.monotonic() - start < opts.duration:
        now = time.monotonic()
        if now - start >= opts.duration + 2:
            break
        if now >= next_send and now - start < opts.duration:
            qid = (qid + 1) & 0xFFFF
            try:
                s.send(query(qid, opts.name))
                sent[qid] = now
            except BlockingIOError:
                pass
            next_send += opts.interval
        r, _, _ = select.select([s], [], [], max(0.0, min(next_send - time.monotonic(), 0.01)))
        while r:
            try:
                data = s.recv(4096)
            except (BlockingIOError, ConnectionRefusedError):
                break
            t = time.monotonic()
            if len(data) >= 2:
                i = struct.unpack(">H", data[:2])[0]
                if i in sent:
                    lat.append(t - sent.pop(i))
            if t - start <= opts.duration:
                max_gap = max(max_gap, t - last_answer)
                last_answer = t
    max_gap = max(max_gap, min(time.monotonic(), start + opts.duration) - last_answer)
    n_sent = len(lat) + len(sent)
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")
    # A question never answered counts as at least as late as its age when we gave up.
    end = time.monotonic()
    worst = max([end - t for t in sent.values()] + [lat[-1] if lat else 0.0]) * 1000
    print("%s sent=%d answered=%d max_ms=%.1f p99_ms=%.1f p50_ms=%.1f max_gap_ms=%.1f" % (
        opts.label, n_sent, len(lat), worst, pct(0.99), pct(0.5), max_gap * 1000))


if __name__ == "__main__":
    main()
