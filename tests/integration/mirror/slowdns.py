#!/usr/bin/env python3
# tests/integration/mirror/slowdns.py - a loopback DNS upstream that answers some names late.
# Usage: slowdns.py ADDR PORT DELAY_MS. A question for a name whose first label starts with
# "slow" is answered DELAY_MS later; every other A question at once. Each answer is one A
# record, 127.192.0.N with N the length of the first label, TTL 300; other types get NODATA.
# Answers are sent from timers, so a late answer never holds up another.
import asyncio
import struct
import sys


def parse(q):
    """The ID, the question section's end and its first label, or None for a bad query."""
    if len(q) < 12:
        return None
    i, labels = 12, []
    while i < len(q):
        n = q[i]
        if n == 0:
            i += 1
            break
        if n > 63 or i + 1 + n > len(q):
            return None
        labels.append(q[i + 1:i + 1 + n])
        i += 1 + n
    if i + 4 > len(q) or not labels:
        return None
    qtype = struct.unpack('>H', q[i:i + 2])[0]
    return q[:2], i + 4, labels[0], qtype


def answer(q, end, first, qtype):
    flags = 0x8180
    an = 1 if qtype == 1 else 0
    hdr = q[:2] + struct.pack('>HHHHH', flags, 1, an, 0, 0)
    out = hdr + q[12:end]
    if an:
        out += struct.pack('>HHHIH', 0xC00C, 1, 1, 300, 4) + bytes([127, 192, 0, len(first) % 256])
    return out


class Server(asyncio.DatagramProtocol):
    def __init__(self, delay):
        self.delay = delay

    def connection_made(self, transport):
        self.t = transport

    def datagram_received(self, data, addr):
        p = parse(data)
        if p is None:
            return
        _, end, first, qtype = p
        out = answer(data, end, first, qtype)
        if first.lower().startswith(b'slow'):
            asyncio.get_running_loop().call_later(self.delay, self.t.sendto, out, addr)
        else:
            self.t.sendto(out, addr)


async def main():
    addr, port, delay = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000.0
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: Server(delay), local_addr=(addr, port))
    print('slowdns: listening on %s:%d' % (addr, port), flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
