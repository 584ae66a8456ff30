#!/usr/bin/python3
"""Send BYTES of random data to a TCP echo server and check the echo.

usage: echo_sha256.py HOST PORT BYTES

Sends and reads back at the same time (two threads), then compares the
SHA-256 of what went out with what came back. Prints
"ok BYTES bytes, sha256 HEX, N.N s" or "fail: why"; exits 0 or 1.
"""
import hashlib
import os
import socket
import sys
import threading
import time

host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = os.urandom(total)
want = hashlib.sha256(data).hexdigest()
got = hashlib.sha256()
received = 0
error = None


def reader(s):
    global received, error
    try:
        while received < total:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got.update(chunk)
            received += len(chunk)
    except OSError as e:
        error = str(e)


t0 = time.monotonic()
try:
    s = socket.create_connection((host, port), timeout=60)
except OSError as e:
    print(f"fail: connect: {e}")
    sys.exit(1)
s.settimeout(60)
r = threading.Thread(target=reader, args=(s,))
r.start()
try:
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
except OSError as e:
    error = f"send: {e}"
r.join(120)
s.close()
dt = time.monotonic() - t0
if error or received != total or got.hexdigest() != want:
    print(f"fail: {error or ''} received {received} of {total} bytes, "
          f"sha256 {got.hexdigest()} want {want}")
    sys.exit(1)
print(f"ok {total} bytes, sha256 {want}, {dt:.1f} s")
