#!/usr/bin/env python3
"""Clients that go away while a response is in flight (used by
test-peer-close.sh).

usage: peer_close.py HOST PORT [ROUNDS]

Each round opens 100 connections that ask for a large asset and then
leave in one of three ways: close at once (a FIN before the response),
read a little and close (unread data: the kernel resets), or reset at
once (SO_LINGER 0). Through a user-mode port forward the host side of
each then writes into a socket whose peer is gone (EPIPE). After every
round a normal client must get its 200. Prints PASS/FAIL lines.
"""
import socket
import struct
import sys
import time

HOST, PORT = sys.argv[1], int(sys.argv[2])
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
REQ = b"GET /reveal/reveal.js HTTP/1.1\r\nHost: t\r\n\r\n"


def normal_get():
    """Status of GET / on a fresh connection, or the error."""
    try:
        s = socket.create_connection((HOST, PORT), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else data[:40]
    except OSError as e:
        return repr(e)


def one_round():
    socks = []
    for i in range(100):
        s = socket.create_connection((HOST, PORT), timeout=10)
        s.sendall(REQ)
        if i % 3 == 0:
            s.close()  # FIN before any of the response
        elif i % 3 == 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()  # RST
        else:
            socks.append(s)
    for s in socks:
        try:
            s.recv(100)
        except OSError:
            pass
        s.close()  # unread data: RST mid-response


failed = False
for r in range(ROUNDS):
    try:
        one_round()
    except OSError as e:
        print(f"FAIL: peer close: round {r + 1}: {e!r}")
        failed = True
        break
    time.sleep(0.3)
    st = normal_get()
    if st != 200:
        print(f"FAIL: peer close: after round {r + 1} a normal GET got {st}")
        failed = True
        break
if not failed:
    print(f"PASS: peer close: {ROUNDS} rounds of 100 clients leaving mid-response; a normal GET gets 200 after each")
sys.exit(1 if failed else 0)
