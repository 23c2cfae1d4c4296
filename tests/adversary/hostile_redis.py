#!/usr/bin/env python3
# tests/adversary/hostile_redis.py - a "Redis" that answers every command with what a hostile
# server (or a man in the middle on a plain TCP path to Redis) can send to exhaust a client's
# memory: a bulk string announcing 100 MB and streaming it, or an array announcing 100 million
# elements and streaming them. Loopback only.
#
#   hostile_redis.py ADDR PORT bulk|array|wide|unsolicited|sub-nested|sub-short|sub-unsub|flap
#
# bulk, array: the first command is answered with the attack (see above). The other modes
# answer the handshake as Redis does (PING: +PONG, SUBSCRIBE: its confirmation), then:
#   wide         every other command: 200000 bulk strings of 4 KiB in one array (800 MB of
#                replies, each element small enough for a per-element buffer bound);
#   unsolicited  after each +PONG, a reply nobody asked for (hiredis 0.14 asserts on it);
#   sub-nested   after the subscription, a "message" whose first element is an array;
#   sub-short    after the subscription, a one-element "message" array;
#   sub-unsub    after the subscription, an "unsubscribe" for the channel, then a message;
#   flap         after the handshake's reply, the connection is closed (a server that goes
#                away at once, each time): the client must back off all the same.
#
# Prints "listening ADDR:PORT" once bound; logs each connection and the bytes it sent before
# the client hung up to stderr. At most 200 MB per connection, then it closes.
import socket
import sys
import threading

LIMIT = 200 << 20


def read_command(f):
    """One RESP command (an array of bulk strings) from f, as a list of bytes; None at EOF."""
    line = f.readline()
    if not line.startswith(b"*"):
        return None
    args = []
    for _ in range(int(line[1:])):
        n = int(f.readline()[1:])
        args.append(f.read(n + 2)[:n])
    return args


def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def serve_shaped(conn, mode):
    """The modes that speak the protocol: the handshake as Redis, then the attack."""
    f = conn.makefile("rb")
    sent = 0
    while True:
        cmd = read_command(f)
        if cmd is None:
            break
        name = cmd[0].upper()
        if name == b"SUBSCRIBE":
            ch = cmd[1]
            out = b"*3\r\n" + bulk(b"subscribe") + bulk(ch) + b":1\r\n"
            if mode == "sub-nested":
                out += b"*3\r\n*1\r\n:1\r\n" + bulk(ch) + bulk(b"x")
            elif mode == "sub-short":
                out += b"*1\r\n" + bulk(b"message")
            elif mode == "sub-unsub":
                out += b"*3\r\n" + bulk(b"unsubscribe") + bulk(ch) + b":0\r\n"
                out += b"*3\r\n" + bulk(b"message") + bulk(ch) + bulk(b"after")
            conn.sendall(out)
        elif name == b"PING":
            conn.sendall(b"+PONG\r\n" + (b"+OK\r\n" if mode == "unsolicited" else b""))
            if mode == "flap":
                break
        elif mode == "wide":
            conn.sendall(b"*200000\r\n")
            chunk = bulk(b"x" * 4096) * 64
            for _ in range(200000 // 64):
                conn.sendall(chunk)
                sent += len(chunk)
        else:
            conn.sendall(b"$-1\r\n")
    return sent


def serve(conn, mode):
    sent = 0
    print("connection accepted", file=sys.stderr, flush=True)
    if mode not in ("bulk", "array"):
        try:
            sent = serve_shaped(conn, mode)
        except (OSError, ValueError):
            pass
        print(f"connection closed after {sent} bytes", file=sys.stderr, flush=True)
        conn.close()
        return
    try:
        conn.recv(4096)  # the first command (PING, AUTH...): answered with the attack
        if mode == "bulk":
            conn.sendall(b"$100000000\r\n")
            chunk = b"x" * 65536
        else:
            conn.sendall(b"*100000000\r\n")
            chunk = b":1\r\n" * 16384
        while sent < LIMIT:
            conn.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    finally:
        print(f"connection closed after {sent} bytes", file=sys.stderr, flush=True)
        conn.close()


def main():
    addr, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    print(f"listening {addr}:{s.getsockname()[1]}", flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
