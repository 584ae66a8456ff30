#!/usr/bin/python3
"""Regenerate the seed inputs of fuzz/net_rx.c and fuzz/net_dhcp.c into
fuzz/corpus/ (needs python3-scapy). Run from the repository root."""
import os
import struct

from scapy.all import ARP, BOOTP, DHCP, ICMP, IP, UDP, Ether, Raw, fragment

US, PEER = "198.18.0.2", "198.18.0.1"
MAC, PM = "02:00:00:00:00:01", "02:00:00:00:00:10"  # tests/net/fake.c


def records(frames, flags=0):
    """net_rx input: [flags][length, big-endian][frame] per frame."""
    out = b""
    for f in frames:
        b = bytes(f)
        out += bytes([flags]) + struct.pack(">H", len(b)) + b
    return out


def to_us(p):
    return Ether(dst=MAC, src=PM) / p


rx = {
    "arp": [Ether(dst="ff:ff:ff:ff:ff:ff", src=PM) /
            ARP(op=1, hwsrc=PM, psrc=PEER, pdst=US)],
    "ping": [to_us(IP(src=PEER, dst=US) / ICMP(id=1, seq=1) / Raw(b"x" * 32))],
    "udp": [to_us(IP(src=PEER, dst=US) / UDP(sport=4000, dport=7) /
                  Raw(b"hello"))],
    "udp_closed": [to_us(IP(src=PEER, dst=US) / UDP(sport=4000, dport=9) /
                         Raw(b"hello"))],
    "frags": [to_us(f) for f in fragment(
        IP(src=PEER, dst=US, id=5) / UDP(sport=4000, dport=7) /
        Raw(b"y" * 3000), fragsize=1480)],
    "tcp": [to_us(IP(src=PEER, dst=US) / Raw(bytes(20)))],
    "proto": [to_us(IP(src=PEER, dst=US, proto=99) / Raw(b"z" * 8))],
}
os.makedirs("fuzz/corpus/net_rx", exist_ok=True)
for name, frames in rx.items():
    with open("fuzz/corpus/net_rx/" + name, "wb") as f:
        f.write(records(frames))

chaddr = bytes.fromhex("020000000001") + bytes(10)
offer = BOOTP(op=2, xid=0x1234, yiaddr="198.18.0.50", chaddr=chaddr) / DHCP(
    options=[("message-type", "offer"), ("server_id", PEER),
             ("subnet_mask", "255.255.255.0"), ("router", PEER),
             ("lease_time", 120), ("renewal_time", 10),
             ("rebinding_time", 20), ("name_server", PEER), "end"])
ack = BOOTP(op=2, xid=0x1234, yiaddr="198.18.0.50", chaddr=chaddr) / DHCP(
    options=[("message-type", "ack"), ("server_id", PEER),
             ("lease_time", 3600), "end"])
os.makedirs("fuzz/corpus/net_dhcp", exist_ok=True)
for name, msg in (("offer", offer), ("ack", ack)):
    with open("fuzz/corpus/net_dhcp/" + name, "wb") as f:
        f.write(bytes(msg))
