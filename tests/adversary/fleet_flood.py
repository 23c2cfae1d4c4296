#!/usr/bin/env python3
# tests/adversary/fleet_flood.py - a Redis writer without the fleet key floods the verdicts'
# channel: PUBLISH, as fast as one connection goes, messages that pass every check made before
# the MAC (a key under the prefix, "VF", the version) and fail the MAC, each of --size bytes,
# each under a name of its own (so nothing is "held already"). Raw RESP over the unix socket:
# no client library needed.
#
#   fleet_flood.py --socket PATH [--prefix vantage:] [--size 16000] [--duration 5] [--rate N]
#
# --rate: at most N messages a second (0, the default: as fast as it goes).
#
# Prints one line: published=N seconds=S
import argparse
import os
import socket
import time

ap = argparse.ArgumentParser()
ap.add_argument("--socket", required=True)
ap.add_argument("--prefix", default="vantage:")
ap.add_argument("--size", type=int, default=16000)
ap.add_argument("--duration", type=float, default=5.0)
ap.add_argument("--rate", type=float, default=0)
args = ap.parse_args()

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(args.socket)
channel = (args.prefix + "verdicts").encode()
body = b"VF\x01" + os.urandom(max(args.size - 3, 40))


def cmd(*parts):
    out = b"*%d\r\n" % len(parts)
    for p in parts:
        out += b"$%d\r\n%s\r\n" % (len(p), p)
    return out


n = 0
t0 = time.monotonic()
batch = 32
while time.monotonic() - t0 < args.duration:
    buf = b""
    for _ in range(batch):
        key = ("%sv:A:f%d.flood.test." % (args.prefix, n)).encode()
        msg = len(key).to_bytes(2, "big") + key + body
        buf += cmd(b"PUBLISH", channel, msg)
        n += 1
    if args.rate > 0:
        ahead = n / args.rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    s.sendall(buf)
    # Read the replies (":<receivers>\r\n" each) so the pipe never grows without bound.
    got = 0
    data = b""
    while got < batch:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("redis closed the connection")
        data += chunk
        got = data.count(b"\r\n")
print("published=%d seconds=%.1f" % (n, time.monotonic() - t0))
