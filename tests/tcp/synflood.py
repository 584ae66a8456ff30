#!/usr/bin/python3
"""A paced TCP echo stream to the unikernel while a SYN flood of spoofed
sources hits the same port, and new clients connecting during the flood.

usage: synflood.py HOST PORT RATE_KIB SYN_RATE FLOOD_SECS ONLINK_PREFIX OFFLINK_PREFIX

The stream sends RATE_KIB KiB/s to HOST:PORT (the echo service) and
reads it back. After 1 s of warm-up the received rate is measured for
3 s (before), then a child process sends SYN_RATE SYNs a second for
FLOOD_SECS seconds through a raw socket, half from random addresses of
ONLINK_PREFIX (a /24 on the unikernel's link, such as "198.18.0": the
unikernel's SYN-ACKs need ARP for them, which nobody answers) and half
from random addresses of OFFLINK_PREFIX (a /16 such as "198.19": the
SYN-ACKs go to the gateway, which drops them); random ports and ISNs,
MSS, SACK-permitted, timestamps and window scale as Linux sends them.
The rate received during the flood (after its first second) is compared
with the rate before. From 1.5 s into the flood, a new client connects
every 0.4 s and echoes a line. Prints one line:

  ok before-kib-s B during-kib-s D ratio R connects N connect-ms-max M
     connect-ms-median m echo-ms-max E max-stall-ms S syns N rate-syn-s Q

or "fail: why" (the same figures when they exist). The caller judges
the ratio and the connect times (it prints them in its PASS/FAIL lines).
"""
import multiprocessing
import os
import random
import socket
import struct
import sys
import threading
import time

host, port = sys.argv[1], int(sys.argv[2])
rate = int(sys.argv[3]) * 1024
syn_rate = int(sys.argv[4])
flood_secs = float(sys.argv[5])
onlink, offlink = sys.argv[6], sys.argv[7]

WARMUP, BEFORE = 1.0, 3.0
CHUNK = 8192


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def flood(result):
    """SYNs at syn_rate for flood_secs; puts the count in result."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    dst = socket.inet_aton(host)
    rng = random.Random(os.getpid())
    # MSS 1460, SACK-permitted, timestamps, NOP, window scale 7.
    opts = struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02"
    sent = 0
    t0 = time.monotonic()
    end = t0 + flood_secs
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = int((now - t0) * syn_rate)
        if sent >= due:
            time.sleep(0.001)
            continue
        for _ in range(min(due - sent, 64)):
            if sent % 2:
                src = "%s.%d" % (onlink, rng.randrange(3, 255))
            else:
                src = "%s.%d.%d" % (offlink, rng.randrange(256),
                                    rng.randrange(1, 255))
            s = socket.inet_aton(src)
            o = opts + struct.pack("!BBII", 8, 10, rng.getrandbits(32), 0)
            o += b"\x01\x03\x03\x07"
            tcp = struct.pack("!HHIIBBHHH", rng.randrange(1024, 65536), port,
                              rng.getrandbits(32), 0, (5 + len(o) // 4) << 4,
                              0x02, 64240, 0, 0) + o
            pseudo = s + dst + struct.pack("!BBH", 0, 6, len(tcp))
            tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp),
                             rng.getrandbits(16), 0, 64, 6, 0, s, dst)
            try:
                raw.sendto(ip + tcp, (host, 0))
                sent += 1
            except OSError:
                time.sleep(0.001)
                break
    result.value = sent


class Stream:
    """Paced writer and a reader that timestamps what comes back."""

    def __init__(self):
        self.s = socket.create_connection((host, port), timeout=5)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s.settimeout(5)
        self.got = 0
        self.samples = []  # (time, bytes received so far)
        self.stall = 0.0
        self.err = None
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.block = bytes(range(256)) * (CHUNK // 256)

    def writer(self):
        t0 = time.monotonic()
        sent = 0
        try:
            while not self.stop.is_set():
                due = (time.monotonic() - t0) * rate
                if sent + CHUNK > due:
                    time.sleep(0.002)
                    continue
                self.s.sendall(self.block)
                sent += CHUNK
        except Exception as e:  # noqa: BLE001 - reported
            self.err = self.err or "write: " + repr(e)

    def reader(self):
        last = time.monotonic()
        try:
            while not self.stop.is_set():
                chunk = self.s.recv(65536)
                if not chunk:
                    raise RuntimeError("connection closed")
                now = time.monotonic()
                with self.lock:
                    self.got += len(chunk)
                    self.samples.append((now, self.got))
                self.stall = max(self.stall, now - last)
                last = now
        except socket.timeout:
            if not self.stop.is_set():
                self.err = self.err or "read: timed out (5 s)"
        except Exception as e:  # noqa: BLE001 - reported
            if not self.stop.is_set():
                self.err = self.err or "read: " + repr(e)

    def at(self, t):
        """Bytes received by time t."""
        with self.lock:
            n = 0
            for ts, got in self.samples:
                if ts > t:
                    break
                n = got
            return n


def probe():
    """A new client: connect time and time to its echo, in ms."""
    t0 = time.monotonic()
    c = socket.create_connection((host, port), timeout=5)
    t1 = time.monotonic()
    msg = b"new client %d\n" % random.getrandbits(32)
    c.sendall(msg)
    got = b""
    c.settimeout(5)
    while len(got) < len(msg):
        chunk = c.recv(100)
        if not chunk:
            break
        got += chunk
    t2 = time.monotonic()
    c.close()
    if got != msg:
        raise RuntimeError("new client echoed %r" % got[:40])
    return (t1 - t0) * 1000, (t2 - t0) * 1000


def main():
    st = Stream()
    w = threading.Thread(target=st.writer, daemon=True)
    r = threading.Thread(target=st.reader, daemon=True)
    w.start()
    r.start()
    start = time.monotonic()
    time.sleep(WARMUP + BEFORE)
    t_b0, t_b1 = start + WARMUP, time.monotonic()
    before = (st.at(t_b1) - st.at(t_b0)) / (t_b1 - t_b0)

    sent = multiprocessing.Value("q", 0)
    fl = multiprocessing.Process(target=flood, args=(sent,))
    t_f0 = time.monotonic()
    fl.start()
    connects, echoes, errors = [], [], []
    time.sleep(1.5)
    while time.monotonic() < t_f0 + flood_secs - 0.5:
        try:
            c, e = probe()
            connects.append(c)
            echoes.append(e)
        except Exception as ex:  # noqa: BLE001 - reported
            errors.append(repr(ex))
        time.sleep(0.4)
    fl.join()
    t_f1 = time.monotonic()
    during = (st.at(t_f1) - st.at(t_f0 + 1.0)) / (t_f1 - t_f0 - 1.0)
    st.stop.set()
    time.sleep(0.2)
    st.s.close()

    connects.sort()
    fig = ("before-kib-s %.0f during-kib-s %.0f ratio %.3f connects %d "
           "connect-ms-max %.1f connect-ms-median %.1f echo-ms-max %.1f "
           "max-stall-ms %.0f syns %d rate-syn-s %.0f" % (
               before / 1024, during / 1024,
               during / before if before else 0, len(connects),
               connects[-1] if connects else -1,
               connects[len(connects) // 2] if connects else -1,
               max(echoes) if echoes else -1, st.stall * 1000,
               sent.value, sent.value / flood_secs))
    if st.err:
        print("fail: stream %s; %s" % (st.err, fig))
    elif errors:
        print("fail: new client %s; %s" % (errors[0], fig))
    elif not connects:
        print("fail: no new client connected; " + fig)
    else:
        print("ok " + fig)


if __name__ == "__main__":
    main()
