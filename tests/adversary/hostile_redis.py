#!/usr/bin/env python3
# tests/adversary/hostile_redis.py - a "Redis" that answers every command with what a hostile
# server (or a man in the middle on a plain TCP path to Redis) can send to exhaust a client's
# memory: a bulk string announcing 100 MB and streaming it, or an array announcing 100 million
# elements and streaming them. Loopback only.
#
#   hostile_redis.py ADDR PORT bulk|array
#
# Prints "listening ADDR:PORT" once bound; logs each connection and the bytes it sent before
# the client hung up to stderr. At most 200 MB per connection, then it closes.
import socket
import sys
import threading

LIMIT = 200 << 20


def serve(conn, mode):
    sent = 0
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
