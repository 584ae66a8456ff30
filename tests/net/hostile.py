#!/usr/bin/python3
"""Crafted and garbage frames against apps/echo, from the tap's host side.

usage: hostile.py IFACE ECHO_MAC ECHO_IP LABEL

Sends each kind of bad input, reads the echo's counters (UDP port 8)
before and after, and prints PASS/FAIL lines: every kind must show up in
its drop counter, and the total dropped must account for everything sent
(less what the tap itself dropped before the unikernel could read it).
TCP SYNs to a closed port must be answered with RSTs.
"""
import os
import random
import socket
import sys
import time

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw, AsyncSniffer, fragment  # noqa

iface, mac, ip, label = sys.argv[1:5]
peer_ip = "198.18.0.1"
random.seed(1234)

raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind((iface, 0))
my_mac = open("/sys/class/net/%s/address" % iface).read().strip()
results = []


def report(ok, name, why=""):
    print(("PASS: %s: %s" % (label, name)) if ok else
          ("FAIL: %s: %s: %s" % (label, name, why)))
    results.append(ok)


def stats():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    for _ in range(10):
        s.sendto(b"stats", (ip, 8))
        try:
            text = s.recv(65535).decode()
            return {l.split()[0]: int(l.split()[1])
                    for l in text.splitlines() if len(l.split()) == 2}
        except socket.timeout:
            pass
    raise SystemExit("FAIL: %s: stats port does not answer" % label)


def tap_tx_dropped():
    with open("/sys/class/net/%s/statistics/tx_dropped" % iface) as f:
        return int(f.read())


def send(frames, pace=64):
    for i, f in enumerate(frames):
        raw.send(bytes(f))
        if i % pace == pace - 1:
            time.sleep(0.002)
    return len(frames)


def eth(t=0x0800):
    return Ether(dst=mac, src=my_mac, type=t)


def ip_bytes(pkt):
    return bytearray(bytes(pkt))


def with_ip(b):
    return bytes(eth()) + bytes(b)


udp_ok = IP(src=peer_ip, dst=ip) / UDP(sport=4444, dport=7) / Raw(b"x" * 32)

kinds = {}
# Truncated IP headers (fewer than 20 bytes).
kinds["truncated"] = (["drop_ip_malformed"],
                      [with_ip(bytes(udp_ok)[:random.randint(1, 19)])
                       for _ in range(100)])
# Total length beyond the frame.
tl = []
for _ in range(100):
    b = ip_bytes(IP(bytes(udp_ok)))
    b[2:4] = (len(b) + random.randint(1, 400)).to_bytes(2, "big")
    b[10:12] = b"\0\0"
    p = IP(bytes(b))
    del p.chksum
    tl.append(bytes(eth()) + bytes(p)[:len(b)])
kinds["total length"] = (["drop_ip_malformed"], tl)
# Bad header checksums.
bc = []
for _ in range(100):
    b = ip_bytes(udp_ok)
    b[10] ^= 0x5A
    bc.append(with_ip(b))
kinds["bad IP checksum"] = (["drop_ip_checksum"], bc)
# Bad IHL (below 5, or beyond the packet).
bi = []
for i in range(100):
    b = ip_bytes(udp_ok)
    b[0] = 0x40 | (i % 5 if i % 2 else 15)
    bi.append(with_ip(b))
# (An IHL of 15 on a 60-byte packet is possible; its checksum then fails.)
kinds["bad IHL"] = (["drop_ip_malformed", "drop_ip_checksum"], bi)
# Bad UDP checksums to the echo port.
bu = []
for _ in range(100):
    b = ip_bytes(udp_ok)
    b[20 + 6] ^= 0x33
    bu.append(with_ip(b))
kinds["bad UDP checksum"] = (["drop_udp_checksum"], bu)
# UDP length fields beyond the IP payload or below the header.
ul = []
for i in range(100):
    b = ip_bytes(udp_ok)
    bad_len = 100 + i if i % 2 else random.randint(0, 7)
    b[20 + 4:20 + 6] = bad_len.to_bytes(2, "big")
    b[20 + 6:20 + 8] = b"\0\0"  # no checksum: the length is what is wrong
    ul.append(with_ip(b))
kinds["bad UDP length"] = (["drop_udp_malformed"], ul)
# ICMP echo requests with bad checksums, and truncated ICMP headers.
ic = []
for i in range(100):
    if i % 2:
        b = ip_bytes(IP(src=peer_ip, dst=ip) / ICMP(id=i, seq=i) /
                     Raw(b"p" * 16))
        b[20 + 2] ^= 0x11
        ic.append(with_ip(b))
    else:
        b = ip_bytes(IP(src=peer_ip, dst=ip, proto=1) /
                     Raw(b"\x08" * random.randint(0, 7)))
        ic.append(with_ip(b))
kinds["bad ICMP"] = (["drop_icmp_checksum", "drop_icmp_malformed"], ic)
# Overlapping fragments: pairs whose second piece overlaps the first.
ov = []
for i in range(50):
    big = IP(src=peer_ip, dst=ip, id=20000 + i) / UDP(sport=4444, dport=7) / \
        Raw(os.urandom(3000))
    f0, f1 = fragment(big, fragsize=1480)[:2]
    f1.frag = 100  # 800 bytes in: inside the first piece
    del f1.chksum
    ov += [bytes(eth() / f0), bytes(eth() / f1)]
kinds["overlapping fragments"] = (["drop_ip_frag"], ov)
# A flood of first fragments, far beyond the reassembly slots.
ff = []
for i in range(400):
    big = IP(src=peer_ip, dst=ip, id=30000 + i) / UDP(sport=4444, dport=7) / \
        Raw(b"f" * 2000)
    ff.append(bytes(eth() / fragment(big, fragsize=1480)[0]))
kinds["fragment flood"] = (["drop_ip_frag"], ff)
# ARP garbage: unknown ops, IPv6-sized addresses, truncated, multicast
# senders.
ag = []
for i in range(100):
    a = ip_bytes(ARP(op=1, hwsrc=my_mac, psrc=peer_ip, pdst=ip))
    if i % 4 == 0:
        a[7] = 9
    elif i % 4 == 1:
        a[5] = 16
    elif i % 4 == 2:
        a = a[:random.randint(0, 27)]
    else:
        a[8] |= 1
    ag.append(bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=my_mac, type=0x0806))
              + bytes(a))
kinds["ARP garbage"] = (["drop_arp_malformed"], ag)
# Random junk: 10,000 frames for us with random EtherType and bytes.
junk = []
for i in range(10000):
    t = random.choice([0x0800, 0x0806, 0x86DD, random.randint(0, 0xFFFF)])
    n = random.randint(0, 200)
    junk.append(bytes(Ether(dst=mac, src=my_mac, type=t)) + os.urandom(n))
kinds["10,000 random frames"] = (None, junk)

before = stats()
drops0 = tap_tx_dropped()
sent_total = 0
for name, (counters, frames) in kinds.items():
    b = stats()
    d0 = tap_tx_dropped()
    sent = send(frames)
    sent_total += sent
    if name == "fragment flood":
        time.sleep(6)  # the held fragments time out (5 s)
    time.sleep(0.3)
    a = stats()
    lost = tap_tx_dropped() - d0
    if counters:
        got = sum(a.get(c, 0) - b.get(c, 0) for c in counters)
        report(sent - lost <= got <= sent + 10,
               "%d %s counted in %s (%d)" % (sent, name, "+".join(counters),
                                             got),
               "counted %d, sent %d, tap dropped %d" % (got, sent, lost))
    total = a["rx_dropped"] - b["rx_dropped"]
    report(sent - lost <= total <= sent + 10,
           "%d %s all dropped (rx_dropped +%d)" % (sent, name, total),
           "rx_dropped +%d, sent %d, tap dropped %d" % (total, sent, lost))

after = stats()
total = after["rx_dropped"] - before["rx_dropped"]
lost = tap_tx_dropped() - drops0
report(sent_total - lost <= total <= sent_total + 50,
       "all %d bad frames accounted for in rx_dropped (+%d, tap dropped %d)"
       % (sent_total, total, lost),
       "rx_dropped +%d for %d sent" % (total, sent_total))

# TCP SYNs to a closed port: RSTs come back.
sniffer = AsyncSniffer(iface=iface, filter="tcp and src host %s" % ip)
sniffer.start()
time.sleep(0.5)
b = stats()
for i in range(20):
    raw.send(bytes(eth() / IP(src=peer_ip, dst=ip) /
                   TCP(sport=5000 + i, dport=9, flags="S", seq=1000)))
time.sleep(1)
got = sniffer.stop()
rsts = [p for p in got if p.haslayer(TCP) and p[TCP].flags & 0x04]
a = stats()
report(len(rsts) == 20 and all(p[TCP].ack == 1001 for p in rsts),
       "20 SYNs to a closed port answered with RSTs (%d)" % len(rsts),
       "%d RSTs" % len(rsts))
report(a.get("drop_tcp_no_socket", 0) - b.get("drop_tcp_no_socket", 0) == 20,
       "drop_tcp_no_socket counts them")
sys.exit(0 if all(results) else 1)
