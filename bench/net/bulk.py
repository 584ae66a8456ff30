#!/usr/bin/python3
"""Bulk echo throughput for bench/net/run.sh.

usage: bulk.py tcp HOST PORT MBYTES
       bulk.py tcp-split HOST PORT MBYTES
       bulk.py udp HOST PORT MBYTES [WINDOW]

tcp: one connection; sends MBYTES while reading the echo back; prints MB/s
of echoed data (the same amount flows each way) after checking it all
came back. tcp-split: the same transfer with a sending and a reading
thread, timing each direction on its own: "TX RX" in MB/s, TX being the
bytes sent over the time until the peer had acknowledged the last of them
(the socket's unsent and unacknowledged queue is empty: SIOCOUTQ), RX the
bytes echoed over the time from the first of them to the last. Both
directions run at once, so neither is an idle-line figure. udp: 1472-byte datagrams with up to WINDOW (32) in flight;
prints MB/s of echoed data and the loss.
"""
import fcntl
import select
import socket
import struct
import sys
import threading
import time

SIOCOUTQ = 0x5411  # linux/sockios.h: bytes not yet acknowledged

mode, host, port, mb = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
total = int(mb * 1e6)

if mode == "tcp":
    s = socket.create_connection((host, port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    time.sleep(0.2)
    chunk = b"k" * 65536
    sent = got = 0
    s.setblocking(False)
    t0 = time.perf_counter()
    while got < total:
        want_w = [s] if sent < total else []
        r, w, _ = select.select([s], want_w, [], 10)
        if not r and not w:
            sys.exit("timeout")
        if w:
            try:
                sent += s.send(chunk[:min(65536, total - sent)])
            except BlockingIOError:
                pass
        if r:
            d = s.recv(1 << 20)
            if not d:
                break
            got += len(d)
    dt = time.perf_counter() - t0
    s.close()
    if got != total:
        sys.exit("short echo: %d of %d" % (got, total))
    print("%.1f" % (total / dt / 1e6))
elif mode == "tcp-split":
    s = socket.create_connection((host, port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    time.sleep(0.2)
    times = {}

    def sender():
        chunk = b"s" * 65536
        sent = 0
        times["tx0"] = time.perf_counter()
        while sent < total:
            sent += s.send(chunk[:min(65536, total - sent)])
        # Written is not delivered: wait until the peer acknowledged all.
        buf = bytearray(4)
        while True:
            fcntl.ioctl(s.fileno(), SIOCOUTQ, buf)
            if struct.unpack("i", buf)[0] == 0:
                break
            time.sleep(0.0002)
        times["tx1"] = time.perf_counter()

    tx = threading.Thread(target=sender)
    got = 0
    tx.start()
    while got < total:
        d = s.recv(1 << 20)
        if not d:
            break
        if not got:
            times["rx0"] = time.perf_counter()
        got += len(d)
    times["rx1"] = time.perf_counter()
    tx.join()
    s.close()
    if got != total:
        sys.exit("short echo: %d of %d" % (got, total))
    print("%.1f %.1f" % (total / (times["tx1"] - times["tx0"]) / 1e6,
                         total / (times["rx1"] - times["rx0"]) / 1e6))
else:
    window = int(sys.argv[5]) if len(sys.argv) > 5 else 32
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.setblocking(False)
    msg = b"u" * 1472
    n = total // len(msg)
    sent = got = 0
    inflight = 0
    t0 = time.perf_counter()
    last = t0
    while got < n and sent <= n:
        while inflight < window and sent < n:
            s.send(msg)
            sent += 1
            inflight += 1
        r, _, _ = select.select([s], [], [], 0.05)
        if r:
            while True:
                try:
                    s.recv(2048)
                except BlockingIOError:
                    break
                got += 1
                inflight -= 1
                last = time.perf_counter()
        elif time.perf_counter() - last > 0.05:
            inflight = 0  # presume the window lost; refill it
            last = time.perf_counter()
            if sent >= n:
                break
    dt = last - t0
    print("%.1f %d" % (got * len(msg) / dt / 1e6, n - got))
