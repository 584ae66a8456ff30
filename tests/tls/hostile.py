#!/usr/bin/env python3
"""Hostile TLS clients against an HTTPS server on 127.0.0.1:PORT; after
each, a real handshake and request must still succeed (the server keeps
serving). Prints PASS/FAIL lines. Usage: hostile.py PORT CAFILE"""
import socket, ssl, struct, sys, time

port, cafile = int(sys.argv[1]), sys.argv[2]
fails = 0

def ok(name):
    print(f"PASS: hostile: {name}")

def bad(name, why):
    global fails
    fails += 1
    print(f"FAIL: hostile: {name}: {why}")

def still_serving():
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            t.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                b = t.recv(65536)
                if not b:
                    break
                data += b
    return data.startswith(b"HTTP/1.1 200")

def closed_by_server(s, timeout=10):
    """True when the server ends the connection (FIN or RST) in time,
    whatever it sends first (an alert)."""
    s.settimeout(timeout)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

def client_hello():
    """A real ClientHello (TLS 1.3 capable) from Python's ssl, as bytes."""
    ctx = ssl.create_default_context(cafile=cafile)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()

def case(name, payload, close_after_send=False):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(payload)
        if close_after_send:
            s.shutdown(socket.SHUT_WR)
        if not closed_by_server(s):
            bad(name, "the server kept the connection open")
            s.close()
            return
        s.close()
        if still_serving():
            ok(f"{name}: that connection closed, the server still serves")
        else:
            bad(name, "the server no longer answers")
    except Exception as e:
        bad(name, repr(e))

# 1. Garbage instead of a ClientHello (a plain HTTP request, then bytes).
case("garbage ClientHello", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)) * 4)
# 2. A handshake record with a garbage body of the right length.
body = bytes((i * 37 + 11) & 0xFF for i in range(512))
case("garbage handshake body", b"\x16\x03\x01" + struct.pack(">H", len(body)) + body)
# 3. A truncated record: the header says 300 bytes, 40 come, then FIN.
hello = client_hello()
case("truncated record", b"\x16\x03\x01" + struct.pack(">H", 300) + hello[5:45], close_after_send=True)
# 4. A record length of 65535 (beyond TLS's 2^14 + 256) and a handshake
#    message claiming 16 MB.
case("record length 65535", b"\x16\x03\x01\xff\xff" + b"\x01" * 2000)
hs = b"\x01\xff\xff\xff" + b"\x03\x03" + b"\x00" * 1000
case("ClientHello claiming 16 MB", b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs)
# 5. A client that stops mid-handshake: a real ClientHello, then silence
#    while others are served; then it goes away.
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(hello)
    s.settimeout(10)
    first = s.recv(5)
    if not first or first[0] != 0x16:
        bad("stopped mid-handshake", f"no ServerHello record ({first!r})")
    elif not all(still_serving() for _ in range(3)):
        bad("stopped mid-handshake", "others are not served meanwhile")
    else:
        ok("client stopped mid-handshake: others served meanwhile")
    s.close()
    time.sleep(0.2)
    if still_serving():
        ok("client stopped mid-handshake, then left: the server still serves")
    else:
        bad("stopped mid-handshake", "the server no longer answers after it left")
except Exception as e:
    bad("stopped mid-handshake", repr(e))
sys.exit(1 if fails else 0)
