#!/usr/bin/env python3
"""notify_recv.py SOCKET OUT - a stand-in for systemd's $NOTIFY_SOCKET: print every datagram
received on the UNIX socket SOCKET as one line of OUT (newlines inside become ';')."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    print("listening", file=f)
    while True:
        data = s.recv(4096)
        f.write(data.decode("utf-8", "replace").replace("\n", ";") + "\n")
