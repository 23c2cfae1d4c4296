#!/usr/bin/env python3
# tests/integration/webpki/burst.py - ask ADDR:PORT COUNT distinct A questions at once
# (PREFIX1.DOMAIN .. PREFIXCOUNT.DOMAIN, over UDP from one socket) and wait up to WAIT
# seconds for the answers; prints "answered ok elapsed_ms": answered = responses received,
# ok = NOERROR answers carrying the address EXPECT.
import select
import socket
import struct
import sys
import time


def query(qid, name):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack(">HH", 1, 1)


def main():
    addr, port, prefix, domain, count, expect, wait = sys.argv[1:8]
    count, wait = int(count), float(wait)
    want = socket.inet_aton(expect)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    start = time.monotonic()
    for i in range(count):
        s.sendto(query(i + 1, "%s%d.%s" % (prefix, i + 1, domain)), (addr, int(port)))
    seen, ok = set(), 0
    end = start + wait
    while len(seen) < count and time.monotonic() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        data = s.recv(4096)
        qid, flags = struct.unpack(">HH", data[:4])
        if qid in seen or qid < 1 or qid > count:
            continue
        seen.add(qid)
        if flags & 0xF == 0 and want in data[12:]:
            ok += 1
    print(len(seen), ok, int((time.monotonic() - start) * 1000))


main()
