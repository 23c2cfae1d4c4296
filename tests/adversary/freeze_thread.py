#!/usr/bin/env python3
# tests/adversary/freeze_thread.py - stop one thread of a process (TID; a process's main
# thread has its PID) for SECONDS while its other threads run on, as a stall of that thread
# alone would (a slow disk under an fsync): ptrace(2) stops threads one at a time
# (PTRACE_SEIZE, PTRACE_INTERRUPT), SIGSTOP would stop them all. Root, or ptrace rights.
import ctypes
import os
import sys
import time

PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
WALL = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


def ptrace(req, tid):
    if libc.ptrace(req, tid, None, None) != 0:
        e = ctypes.get_errno()
        sys.exit("ptrace(%#x, %d): %s" % (req, tid, os.strerror(e)))


tid, seconds = int(sys.argv[1]), float(sys.argv[2])
ptrace(PTRACE_SEIZE, tid)
ptrace(PTRACE_INTERRUPT, tid)
os.waitpid(tid, WALL)
print("stopped", flush=True)
time.sleep(seconds)
ptrace(PTRACE_DETACH, tid)
print("running", flush=True)
