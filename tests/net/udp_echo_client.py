#!/usr/bin/python3
"""UDP echo client for the network tests.

usage: udp_echo_client.py HOST PORT COUNT SIZE[,SIZE...] [TIMEOUT]

Sends COUNT datagrams of each SIZE (payloads with a sequence number and a
pattern), waits for each echo (retrying a lost one up to 3 times), and
checks the content. Prints "ok N" or "fail: why" and exits accordingly.
"""
import socket
import sys

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sizes = [int(x) for x in sys.argv[4].split(",")]
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(timeout)
done = 0
for size in sizes:
    for i in range(count):
        head = b"%08d:%06d:" % (i, size)
        body = bytes((i + k) & 0xFF for k in range(max(0, size - len(head))))
        msg = (head + body)[:size]
        for attempt in range(4):
            s.sendto(msg, (host, port))
            try:
                while True:
                    got = s.recv(70000)
                    if got[:16] == msg[:16]:
                        break
            except socket.timeout:
                continue
            if got != msg:
                print("fail: datagram %d of %d bytes came back as %d bytes"
                      % (i, size, len(got)))
                sys.exit(1)
            done += 1
            break
        else:
            print("fail: no echo for datagram %d of %d bytes" % (i, size))
            sys.exit(1)
print("ok %d" % done)
