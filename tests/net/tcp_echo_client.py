#!/usr/bin/python3
"""TCP echo client for the network tests.

usage: tcp_echo_client.py HOST PORT BYTES [CONNECTIONS] [PAUSE]

Each connection sends BYTES of patterned data while reading the echo back,
then checks it. Prints "ok" or "fail: why". PAUSE (seconds) waits after
connecting before sending, so the server has accepted the connection.
"""
import socket
import sys
import time

host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conns = int(sys.argv[4]) if len(sys.argv) > 4 else 1
pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
for c in range(conns):
    data = bytes((c * 7 + i * 13) & 0xFF for i in range(total))
    s = socket.create_connection((host, port), timeout=10)
    time.sleep(pause)
    got = bytearray()
    sent = 0
    s.setblocking(True)
    while sent < total:
        n = s.send(data[sent:sent + 65536])
        sent += n
        s.settimeout(0.0)
        try:
            while True:
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                got += chunk
        except (BlockingIOError, socket.timeout):
            pass
        s.settimeout(10)
    s.shutdown(socket.SHUT_WR)
    while len(got) < total:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        got += chunk
    s.close()
    if bytes(got) != data:
        print("fail: connection %d: %d of %d bytes echoed correctly"
              % (c, len(got), total))
        sys.exit(1)
print("ok")
