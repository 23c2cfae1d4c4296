#!/usr/bin/env python3
# tests/adversary/hostile_body.py - hostile /v1/mirrors bodies of about BYTES bytes, on stdout.
#
#   keys BYTES            one object of distinct keys (the body of issue 12: 2 MB, 199,000 keys)
#   nodes BYTES           a mirrors list of tiny nodes ([1,1,1,...])
#   strings BYTES         one long string
#   deep BYTES            nesting as deep as it goes ([[[[...]]]])
#   pems BYTES PIN PEM    entries under the pinned id, each with a valid CA PEM that is not it
#   list BYTES PEM [SELF_ID SELF_PEM]
#                         a realistic list of entries (~1.2 KiB each, CA PEM included), first
#                         a valid self entry when SELF_ID and SELF_PEM are given
import json
import sys


def entry(i, ident, pem, state="active"):
    return {"id": ident, "name": "m%d" % i, "address": "127.201.%d.%d" % (i // 250, 1 + i % 250),
            "port": 443, "region": "r%d" % (i % 7), "state": state, "since": 1700000000 + i,
            "ca_pem": pem,
            "reports": {"agree": i, "dissent": 0, "timeout": 1, "error": 0},
            "reputation": {"agree": 3, "dissent": 0, "timeout": 0, "ping_ms": 12,
                           "response_ms": 20}}


def entries(size, make):
    out, total, i = [], 0, 0
    while total < size:
        e = json.dumps(make(i), separators=(",", ":"))
        out.append(e)
        total += len(e) + 1
        i += 1
    return '{"version":1,"mirrors":[' + ",".join(out) + "]}"


def main():
    kind, size = sys.argv[1], int(sys.argv[2])
    if kind == "keys":
        parts, total, n = [], 0, 0
        while total < size:
            p = '"k%d":1' % n
            parts.append(p)
            total += len(p) + 1
            n += 1
        body = '{"version":1,"mirrors":[],"junk":{' + ",".join(parts) + "}}"
    elif kind == "nodes":
        body = '{"version":1,"mirrors":[' + ",".join(["1"] * (size // 2)) + "]}"
    elif kind == "strings":
        body = '{"version":1,"mirrors":[],"junk":"' + "A" * size + '"}'
    elif kind == "deep":
        n = size // 2
        body = "[" * n + "]" * n
    elif kind == "pems":
        pin, pem = sys.argv[3], open(sys.argv[4]).read()
        body = entries(size, lambda i: entry(i, pin, pem))
    elif kind == "list":
        pem = open(sys.argv[3]).read()
        self_id = sys.argv[4] if len(sys.argv) > 5 else None
        self_pem = open(sys.argv[5]).read() if self_id else None

        def make(i):
            if i == 0 and self_id:
                return entry(0, self_id, self_pem, "self")
            return entry(i, "%064x" % (i * 2654435761), pem)
        body = entries(size, make)
    else:
        sys.exit("unknown kind " + kind)
    sys.stdout.write(body)


if __name__ == "__main__":
    main()
