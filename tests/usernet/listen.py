#!/usr/bin/python3
"""Listens on TCP and UDP PORT (all addresses) and logs every connection
and datagram, one line each, to stdout: "tcp from A:P" / "udp from A:P".

usage: listen.py PORT
"""
import selectors
import socket
import sys

port = int(sys.argv[1])
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("0.0.0.0", port))
tcp.listen(16)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("0.0.0.0", port))
sel = selectors.DefaultSelector()
sel.register(tcp, selectors.EVENT_READ)
sel.register(udp, selectors.EVENT_READ)
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        if key.fileobj is tcp:
            c, peer = tcp.accept()
            print("tcp from %s:%d" % peer, flush=True)
            c.close()
        else:
            _, peer = udp.recvfrom(65536)
            print("udp from %s:%d" % peer, flush=True)
