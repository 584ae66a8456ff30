#!/usr/bin/python3
"""Bulk TCP echo check: usage bulk_echo.py HOST PORT MIB

Sends MIB MiB of a deterministic stream (one thread) while reading the
echo (another), and compares the SHA-256 of what came back with that of
what went out. Prints "ok N MB/s" or "fail: why"."""
import hashlib
import socket
import sys
import threading
import time

host, port, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
total = mib << 20
block = hashlib.sha256(b"kiln").digest() * 2048  # 64 KiB
blocks = [bytes((b + i) & 0xFF for b in block[:256]) + block[256:] for i in range(4)]
want = hashlib.sha256()
for i in range(total // len(block)):
    want.update(blocks[i % 4])

s = socket.create_connection((host, port), timeout=20)
err = []


def send():
    try:
        for i in range(total // len(block)):
            s.sendall(blocks[i % 4])
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        err.append("send: %s" % e)


start = time.monotonic()
t = threading.Thread(target=send)
t.start()
got = hashlib.sha256()
n = 0
try:
    while n < total:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        got.update(chunk)
        n += len(chunk)
except OSError as e:
    err.append("recv: %s" % e)
t.join()
secs = time.monotonic() - start
if err:
    print("fail:", "; ".join(err), "after", n, "bytes")
elif n != total:
    print("fail: echo ended after %d of %d bytes" % (n, total))
elif got.digest() != want.digest():
    print("fail: the echo differs from what was sent")
else:
    print("ok %.0f MB/s" % (2 * total / secs / 1e6))
