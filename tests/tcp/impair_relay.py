#!/usr/bin/python3
"""A user-space stand-in for netem between a unikernel's tap and Linux.

usage: impair_relay.py UNIKERNEL_TAP LINUX_TAP LOSS DUP REORDER DELAY_MS SEED

Frames the unikernel sends (seen on the netdev of UNIKERNEL_TAP through a
packet socket) go to a new tap LINUX_TAP that this process owns, whose
netdev carries Linux's address; frames Linux sends there go back the other
way. In both directions each frame is dropped with probability LOSS,
duplicated with probability DUP, and delayed by DELAY_MS except for a
fraction REORDER sent at once (which overtakes the delayed ones), like
`tc qdisc ... netem loss L duplicate D delay T reorder R`. The kernel
here has no sch_netem, hence this. Prints "ready" once both ends are up;
runs until killed.
"""
import fcntl
import heapq
import os
import random
import select
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    utap, ltap = sys.argv[1], sys.argv[2]
    loss, dup, reorder = (float(x) for x in sys.argv[3:6])
    delay = float(sys.argv[6]) / 1000.0
    rng = random.Random(int(sys.argv[7]))

    tap = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tap, TUNSETIFF,
                struct.pack("16sH", ltap.encode(), IFF_TAP | IFF_NO_PI))
    os.set_blocking(tap, False)
    pkt = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                        socket.htons(ETH_P_ALL))
    pkt.bind((utap, 0))
    pkt.setblocking(False)
    pkt.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    print("ready", flush=True)

    queue = []  # (due, n, direction, frame)
    counter = [0]

    def to_linux(frame):
        try:
            os.write(tap, frame)
        except OSError:
            pass

    def to_unikernel(frame):
        try:
            pkt.send(frame)
        except OSError:
            pass

    def impair(frame, out):
        if rng.random() < loss:
            return
        copies = 2 if rng.random() < dup else 1
        for _ in range(copies):
            if delay <= 0 or rng.random() < reorder:
                out(frame)
            else:
                counter[0] += 1
                heapq.heappush(queue, (time.monotonic() + delay,
                                       counter[0], out, frame))

    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            out(frame)
        timeout = max(0.0, queue[0][0] - now) if queue else 1.0
        r, _, _ = select.select([tap, pkt], [], [], timeout)
        if tap in r:
            for _ in range(64):
                try:
                    frame = os.read(tap, 65536)
                except BlockingIOError:
                    break
                impair(frame, to_unikernel)
        if pkt in r:
            for _ in range(64):
                try:
                    frame, addr = pkt.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue  # our own writes towards the unikernel
                impair(frame, to_linux)


if __name__ == "__main__":
    main()
