#!/usr/bin/env python3
"""A scripted HTTP server for test-client.sh: answers each path with a
fixed way of framing its body, and prints the line httpget should print
for it. usage: client_server.py ADDR PORT (then reads stdin until EOF)."""
import socket
import sys
import threading

ADDR, PORT = sys.argv[1], int(sys.argv[2])
BIG = bytes((i * 7 + 3) % 251 for i in range(100000))
SMALL = b"hello from the test server\n"


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return "%08x" % h


def chunked(data, sizes):
    out, i = b"", 0
    for n in sizes:
        piece = data[i:i + n]
        i += n
        out += b"%x;ext=1\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


ROUTES = {
    "/cl": (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(SMALL) + SMALL,
            f"200 {len(SMALL)} text/plain {fnv1a(SMALL)}"),
    "/chunked": (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                 + chunked(BIG, [1, 4096, 30000, 65903]),
                 f"200 {len(BIG)} application/octet-stream {fnv1a(BIG)}"),
    "/close": (b"HTTP/1.0 200 OK\r\n\r\n" + BIG, f"200 {len(BIG)} - {fnv1a(BIG)}"),
    "/missing": (b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope", f"404 4 - {fnv1a(b'nope')}"),
    "/bad": (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", "error invalid argument"),
    "/truncated": (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly twenty bytes...", "error invalid argument"),
}


def serve(conn):
    with conn:
        data = b""
        while b"\r\n\r\n" not in data:
            more = conn.recv(4096)
            if not more:
                return
            data += more
        line = data.split(b"\r\n")[0].decode()
        path = line.split(" ")[1]
        host_ok = b"\r\nHost: " in data and b"Connection: close" in data
        reply = ROUTES.get(path, (b"HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n", ""))[0]
        if not host_ok:
            reply = b"HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n"
        try:
            conn.sendall(reply)
        except OSError:
            pass  # the client gave up (a body too large for it)


def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ADDR, PORT))
    s.listen(16)
    for path, (_, want) in ROUTES.items():
        print(f"{path} {want}", flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


threading.Thread(target=main, daemon=True).start()
sys.stdin.read()
