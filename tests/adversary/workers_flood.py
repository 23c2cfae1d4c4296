#!/usr/bin/env python3
# tests/adversary/workers_flood.py - a client flooding vantaged with cold names from one
# source address and port (so SO_REUSEPORT hands them all to one event loop): random labels
# under ZONE, type A, for SECONDS, at most RATE a second (0: as fast as it can). Replies are
# read and counted by rcode; prints "sent N answered M servfail S" at the end.
import os
import random
import select
import socket
import struct
import sys
import time


def query(qid, name):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack(">HH", 1, 1)


def main():
    server, port, src, sport, zone, seconds, rate = sys.argv[1:8]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, int(sport)))
    s.setblocking(False)
    dst = (server, int(port))
    end = time.monotonic() + float(seconds)
    gap = 1.0 / float(rate) if float(rate) > 0 else 0.0
    sent = answered = servfail = 0
    tag = os.getpid()
    nxt = time.monotonic()
    while time.monotonic() < end:
        name = "f%d-%d-%d.%s" % (tag, sent, random.getrandbits(24), zone)
        try:
            s.sendto(query(sent & 0xFFFF, name), dst)
            sent += 1
        except BlockingIOError:
            pass
        while True:
            try:
                r = s.recv(4096)
            except BlockingIOError:
                break
            answered += 1
            servfail += (r[3] & 0xF) == 2
        if gap:
            nxt += gap
            d = nxt - time.monotonic()
            if d > 0:
                select.select([s], [], [], d)
    # The stragglers, for a second.
    stop = time.monotonic() + 1.0
    while time.monotonic() < stop:
        if select.select([s], [], [], 0.1)[0]:
            r = s.recv(4096)
            answered += 1
            servfail += (r[3] & 0xF) == 2
    print("sent %d answered %d servfail %d" % (sent, answered, servfail))


main()
