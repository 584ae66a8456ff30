#!/usr/bin/env python3
"""Send hostile datagrams to a DNS server: N random ones, and each of a
few hand-made ones (compression loop, pointer past the end, a label over
63, a name over 255, counts that lie), then check it still answers a
good query. usage: junk.py PORT N"""
import random
import socket
import struct
import sys
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
hdr = lambda qd=1, an=0: struct.pack("!HHHHHH", 7, 0, qd, an, 0, 0)
tail = struct.pack("!HH", 1, 1)
crafted = [
    hdr() + b"\xc0\x0c" + tail,                      # pointer to itself
    hdr() + b"\x01a\xc0\x20" + tail,                 # pointer past the end
    hdr() + b"\x40" + b"x" * 64 + b"\0" + tail,      # label over 63
    hdr() + (b"\x3f" + b"x" * 63) * 5 + b"\0" + tail,  # name over 255
    hdr(an=9) + b"\x03www\x07example\x03com\0" + tail,  # counts that lie
    hdr(qd=3) + b"\0" + tail,
    hdr()[:7],
]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
for i in range(n):
    if i % 10 == 0:
        d = crafted[(i // 10) % len(crafted)]
    else:
        d = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    s.sendto(d, ("127.0.0.1", port))
    try:
        while True:
            s.recvfrom(65535)
    except (socket.timeout, BlockingIOError, ConnectionRefusedError):
        pass
# drain what the flood left queued, then ask with an id of its own
time.sleep(0.5)
try:
    while True:
        s.recvfrom(65535)
except (BlockingIOError, ConnectionRefusedError):
    pass
q = struct.pack("!HHHHHH", 0x4B1D, 0, 1, 0, 0, 0) + \
    b"\x07example\x03com\0" + struct.pack("!HH", 6, 1)
s.settimeout(1)
deadline = time.time() + 10
while time.time() < deadline:
    s.sendto(q, ("127.0.0.1", port))
    try:
        while True:
            r, _ = s.recvfrom(65535)
            if r[:2] == q[:2] and r[3] & 15 == 0:
                print("still answering")
                sys.exit(0)
    except socket.timeout:
        pass
print("no answer after the junk")
sys.exit(1)
