#!/usr/bin/env python3
"""The host side of tests/hvt/test-frames.sh, on a tap inside a namespace.

  frames.py listen IFNAME N READY_FILE   count hvtframes' numbered frames
      (EtherType 0x88b5, "KILN", 32-bit sequence) for up to 10 s; prints
      "got X of N, Y distinct" and exits 0 when all N distinct arrived
  frames.py send IFNAME N [BIG [LEN]]    send N numbered frames of LEN
      bytes (default 60) at once, after one unnumbered frame of BIG bytes
      when BIG is not 0
"""
import socket
import struct
import sys
import time

ETHERTYPE = 0x88B5


def frame(seq, size=60):
    head = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + struct.pack("!H", ETHERTYPE)
    return (head + b"KILN" + struct.pack("<I", seq)).ljust(size, b"\0")


def listen(ifname, n, ready_file):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETHERTYPE))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    try:
        s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 16 << 20)
    except OSError:
        pass
    s.bind((ifname, ETHERTYPE))
    s.settimeout(0.5)
    open(ready_file, "w").close()
    seen, got = set(), 0
    end = time.monotonic() + 10
    while len(seen) < n and time.monotonic() < end:
        try:
            data = s.recv(2048)
        except socket.timeout:
            continue
        if len(data) >= 22 and data[14:18] == b"KILN":
            got += 1
            seen.add(struct.unpack("<I", data[18:22])[0])
    print("got %d of %d, %d distinct" % (got, n, len(seen)))
    return 0 if seen == set(range(n)) else 1


def send(ifname, n, big, size):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    if big:
        s.send(frame(0)[:14].ljust(big, b"B"))
    for i in range(n):
        s.send(frame(i, size))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        sys.exit(listen(sys.argv[2], int(sys.argv[3]), sys.argv[4]))
    sys.exit(send(sys.argv[2], int(sys.argv[3]),
                  int(sys.argv[4]) if len(sys.argv) > 4 else 0,
                  int(sys.argv[5]) if len(sys.argv) > 5 else 60))
