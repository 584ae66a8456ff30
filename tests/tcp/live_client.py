#!/usr/bin/python3
"""Linux-side client for TCP's live tests against apps/echo.

usage:
  live_client.py seq HOST PORT N             N connections one after another
  live_client.py conc HOST PORT N BYTES      N connections at once, BYTES each
  live_client.py bulk HOST PORT BYTES        BYTES each way on one connection,
                                             compared by SHA-256
  live_client.py flood HOST PORT N           N SYNs from spoofed addresses
                                             (raw socket; needs root)

Prints one line: "ok ..." with figures, or "fail: why" (exit status 1).
"""
import hashlib
import os
import random
import socket
import struct
import sys
import threading
import time


def fail(why):
    print("fail: " + why)
    sys.exit(1)


def echo_once(host, port, payload, timeout=10):
    s = socket.create_connection((host, port), timeout=timeout)
    s.sendall(payload)
    got = bytearray()
    while len(got) < len(payload):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    s.close()
    return bytes(got)


def mode_seq(host, port, n):
    t0 = time.time()
    for i in range(n):
        msg = b"connection %d\n" % i
        got = echo_once(host, port, msg)
        if got != msg:
            fail("connection %d echoed %r" % (i, got[:40]))
    dt = time.time() - t0
    print("ok %d sequential connections in %.2f s (%.0f/s)" % (n, dt, n / dt))


def mode_conc(host, port, n, size):
    errors = []
    socks = []
    # Open them all first so they really are concurrent.
    for i in range(n):
        try:
            socks.append(socket.create_connection((host, port), timeout=20))
        except OSError as e:
            fail("connect %d: %s" % (i, e))

    def run(i, s):
        try:
            data = bytes((i * 7 + k * 13) & 0xFF for k in range(size))
            got = bytearray()

            def reader():
                while len(got) < size:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got.extend(chunk)

            r = threading.Thread(target=reader)
            r.start()
            s.sendall(data)
            r.join(60)
            s.close()
            if bytes(got) != data:
                errors.append("connection %d: %d of %d bytes right"
                              % (i, len(got), size))
        except OSError as e:
            errors.append("connection %d: %s" % (i, e))

    t0 = time.time()
    threads = [threading.Thread(target=run, args=(i, s))
               for i, s in enumerate(socks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        fail("; ".join(errors[:3]))
    print("ok %d concurrent connections x %d bytes in %.2f s"
          % (n, size, time.time() - t0))


def mode_bulk(host, port, total):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cc = os.environ.get("IMPAIR_LINUX_CC")
    if cc:
        # This connection's congestion controller (root may pick any
        # the kernel has, unlike the sysctl in a namespace).
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
    s.settimeout(30)
    s.connect((host, port))
    sent_hash = hashlib.sha256()
    got_hash = hashlib.sha256()
    got = [0]
    rng = random.Random(12345)
    block = bytes(rng.getrandbits(8) for _ in range(1 << 16))

    def reader():
        while got[0] < total:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got_hash.update(chunk)
            got[0] += len(chunk)

    t0 = time.time()
    r = threading.Thread(target=reader)
    r.start()
    sent = 0
    i = 0
    while sent < total:
        # Vary the blocks so a misplaced segment cannot hash the same.
        chunk = block[i % 251:] + block[:i % 251]
        chunk = chunk[:min(len(chunk), total - sent)]
        s.sendall(chunk)
        sent_hash.update(chunk)
        sent += len(chunk)
        i += 1
    r.join(600)
    dt = time.time() - t0
    s.close()
    if got[0] != total:
        fail("%d of %d bytes came back" % (got[0], total))
    if sent_hash.digest() != got_hash.digest():
        fail("SHA-256 of the echo differs")
    print("ok %d bytes each way in %.2f s (%.1f MB/s each way), sha256 %s"
          % (total, dt, total / dt / 1e6, got_hash.hexdigest()[:16]))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mode_flood(host, port, n):
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    dst = socket.inet_aton(host)
    base = host.rsplit(".", 1)[0]
    t0 = time.time()
    for i in range(n):
        # Spoofed sources on the link that nobody answers for.
        src = socket.inet_aton("%s.%d" % (base, 100 + i % 100))
        sport = 1024 + (i * 7919) % 60000
        seq = random.getrandbits(32)
        tcp = struct.pack("!HHIIBBHHH", sport, port, seq, 0, 5 << 4, 0x02,
                          65535, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xFFFF,
                         0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        try:
            raw.sendto(ip + tcp, (host, 0))
        except OSError:
            time.sleep(0.001)
    print("ok %d SYNs sent in %.2f s" % (n, time.time() - t0))


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "seq":
        mode_seq(host, port, int(sys.argv[4]))
    elif mode == "conc":
        mode_conc(host, port, int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "bulk":
        mode_bulk(host, port, int(sys.argv[4]))
    elif mode == "flood":
        mode_flood(host, port, int(sys.argv[4]))
    else:
        fail("unknown mode " + mode)


if __name__ == "__main__":
    try:
        main()
    except (OSError, socket.timeout) as e:
        fail(str(e))
