#!/usr/bin/python3
"""A TCP echo stream while forged ARP goes to the unikernel.

usage: arp_spoof.py IFACE KILN_MAC KILN_IP PEER_IP SECONDS

For SECONDS, a stream of data is echoed by KILN_IP:7 while this sends,
from made-up MACs, unsolicited ARP replies and gratuitous ARP requests
claiming PEER_IP (our own address), 50 a second. Prints "ok BYTES
max-stall-ms N forged N" or "fail: why". Plain AF_PACKET, no scapy.
"""
import random
import socket
import struct
import sys
import threading
import time

iface, kiln_mac, kiln_ip, peer_ip, seconds = sys.argv[1:6]
seconds = float(seconds)
rng = random.Random(18)


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def arp_frame(op, eth_dst, sha, spa, tha, tpa):
    eth = eth_dst + sha + struct.pack("!H", 0x0806)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op)
    arp += sha + socket.inet_aton(spa) + tha + socket.inet_aton(tpa)
    return (eth + arp).ljust(60, b"\0")


result = {"stall": 0.0, "bytes": 0, "err": None}
done = threading.Event()


def stream():
    try:
        s = socket.create_connection((kiln_ip, 7), timeout=5)
        s.settimeout(5)
        block = bytes(range(256)) * 64
        last = time.monotonic()
        end = last + seconds + 1.0
        while time.monotonic() < end:
            s.sendall(block)
            got = 0
            while got < len(block):
                chunk = s.recv(len(block) - got)
                if not chunk:
                    raise RuntimeError("connection closed")
                got += len(chunk)
                now = time.monotonic()
                result["stall"] = max(result["stall"], now - last)
                last = now
            result["bytes"] += got
        s.close()
    except Exception as e:  # noqa: BLE001 - reported
        result["err"] = repr(e)
    done.set()


t = threading.Thread(target=stream)
t.start()
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind((iface, 0))
kmac = mac_bytes(kiln_mac)
forged = 0
time.sleep(0.5)
end = time.monotonic() + seconds
while time.monotonic() < end and not done.is_set():
    fake = bytes([0x02] + [rng.randrange(256) for _ in range(5)])
    if forged % 2:
        f = arp_frame(2, kmac, fake, peer_ip, kmac, kiln_ip)
    else:
        f = arp_frame(1, b"\xff" * 6, fake, peer_ip, b"\0" * 6, peer_ip)
    raw.send(f)
    forged += 1
    time.sleep(0.02)
t.join()
if result["err"]:
    print("fail: " + result["err"])
elif result["stall"] > 1.0:
    print("fail: stalled %d ms" % (result["stall"] * 1000))
else:
    print("ok %d max-stall-ms %d forged %d"
          % (result["bytes"], result["stall"] * 1000, forged))
