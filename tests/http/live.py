#!/usr/bin/env python3
"""Checks a running decks server over real TCP (used by test-live.sh).

usage: live.py HOST PORT SITE_DIR:PREFIX... [--only=NAMES] [--header-timeout=S] [--idle-timeout=S]
               [--send-timeout=S] [--linger-timeout=S]

Prints PASS/FAIL lines (the test runner's protocol). Raw sockets, so that
every byte the server sends is seen: pipelining, keep-alive, timeouts.
"""
import gzip
import os
import socket
import sys
import threading
import time
import urllib.parse
from email.utils import parsedate_to_datetime

HOST = sys.argv[1]
PORT = int(sys.argv[2])
OPTS = {}
DIRS = []
for a in sys.argv[3:]:
    if a.startswith("--"):
        k, _, v = a[2:].partition("=")
        OPTS[k] = v
    else:
        d, _, prefix = a.partition(":")
        DIRS.append((d, prefix or "/"))
ONLY = set(OPTS["only"].split(",")) if "only" in OPTS else None
HEADER_TIMEOUT = float(OPTS.get("header-timeout", "2"))
IDLE_TIMEOUT = float(OPTS.get("idle-timeout", "3"))
SEND_TIMEOUT = float(OPTS.get("send-timeout", "2"))
LINGER_TIMEOUT = float(OPTS.get("linger-timeout", "1"))
failures = 0


def report(name, ok, why=""):
    global failures
    if ok:
        print(f"PASS: live: {name}", flush=True)
    else:
        failures += 1
        print(f"FAIL: live: {name}: {why}"[:600], flush=True)


def connect(timeout=10):
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Reader:
    """Reads responses (the server always sends Content-Length)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
        self.buf += data
        return bool(data)

    def response(self, head_request=False):
        while b"\r\n\r\n" not in self.buf:
            if not self.fill():
                return None
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = 0 if head_request or status == 304 else int(headers.get("content-length", "0"))
        self.buf = rest
        while len(self.buf) < n:
            if not self.fill():
                return None
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def closed(self, timeout):
        """True if the server closes with no more bytes within timeout."""
        self.sock.settimeout(timeout)
        try:
            while not self.eof:
                if not self.fill():
                    return self.buf == b""
            return self.buf == b""
        except socket.timeout:
            return False
        except ConnectionResetError:
            return self.buf == b""


def request(raw, head_request=False, timeout=10, check_close=False):
    """One request on a fresh connection: (status, headers, body, closed);
    closed (whether the server closes within a second) only with
    check_close, else None."""
    s = connect(timeout)
    try:
        s.sendall(raw)
        r = Reader(s)
        resp = r.response(head_request)
        if resp is None:
            return None
        return resp + (r.closed(1) if check_close else None,)
    finally:
        s.close()


def get(path, extra=""):
    return request(f"GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n".encode())


def files():
    """(url path, file path) of every asset on disk."""
    out = []
    for d, prefix in DIRS:
        for root, dirs, names in os.walk(d):
            dirs[:] = sorted(x for x in dirs if not x.startswith("."))
            for n in sorted(names):
                if n.startswith("."):
                    continue
                f = os.path.join(root, n)
                rel = os.path.relpath(f, d).replace(os.sep, "/")
                out.append((prefix.rstrip("/") + "/" + rel, f))
    return out


def want(name):
    return ONLY is None or name in ONLY


def t_statuses():
    cases = [
        ("200 for /", b"GET / HTTP/1.1\r\nHost: t\r\n\r\n", 200, False),
        ("404", b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 404, False),
        ("405 for POST", b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi", 405, False),
        ("405 for DELETE", b"DELETE / HTTP/1.1\r\nHost: t\r\n\r\n", 405, False),
        ("501 for an unknown method", b"BREW / HTTP/1.1\r\nHost: t\r\n\r\n", 501, True),
        ("400 without Host", b"GET / HTTP/1.1\r\n\r\n", 400, True),
        ("400 for obs-fold", b"GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400, True),
        ("400 for bad Content-Length", b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n", 400, True),
        ("400 for TE + CL", b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, True),
        ("501 for a chunked body to an asset", b"GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, True),
        ("405 for a chunked POST to an asset, closed", b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 405, True),
        ("414", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414, True),
        ("431 (size)", b"GET / HTTP/1.1\r\nHost: t\r\nX: " + b"b" * 33000 + b"\r\n\r\n", 431, True),
        ("431 (count)", b"GET / HTTP/1.1\r\nHost: t\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(300)) + b"\r\n", 431, True),
        ("100 header lines: 200", b"GET / HTTP/1.1\r\nHost: t\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(100)) + b"\r\n", 200, False),
        ("absolute-form target: 200", b"GET http://t/kiln/ HTTP/1.1\r\n\r\n", 200, False),
        ("dot segments: /kiln/./", b"GET /kiln/./ HTTP/1.1\r\nHost: t\r\n\r\n", 200, False),
        ("dot segments: /reveal/../kiln/", b"GET /reveal/../kiln/ HTTP/1.1\r\nHost: t\r\n\r\n", 200, False),
        ("merged slashes: //kiln//", b"GET //kiln// HTTP/1.1\r\nHost: t\r\n\r\n", 200, False),
        ("above the root: 400", b"GET /kiln/../../etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n", 400, True),
        ("413", b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n", 413, True),
        ("505", b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, True),
        ("301 to the folder", b"GET /kiln HTTP/1.1\r\nHost: t\r\n\r\n", 301, False),
    ]
    for name, raw, status, closes in cases:
        try:
            r = request(raw, check_close=True)
        except OSError as e:
            report(name, False, repr(e))
            continue
        ok = r is not None and r[0] == status and r[3] == closes
        why = "no response" if r is None else f"status {r[0]} closed {r[3]} {r[1]}"
        if ok and status == 405:
            ok = r[1].get("allow") == "GET, HEAD"
        if ok and status == 301:
            ok = r[1].get("location") == "/kiln/"
        report(name, ok, why)


def t_conditional():
    r = get("/kiln/")
    etag, lm = r[1].get("etag"), r[1].get("last-modified")
    report("ETag and Last-Modified", bool(etag and etag.startswith('"') and lm), str(r[1]))
    r2 = get("/kiln/", f"If-None-Match: {etag}\r\n")
    report("304 for If-None-Match", r2[0] == 304 and r2[2] == b"" and r2[1].get("etag") == etag, str(r2[:2]))
    r2 = get("/kiln/", f"If-None-Match: \"other\"\r\nIf-None-Match: {etag}\r\n")
    report("304 for two If-None-Match lines (combined)", r2[0] == 304, str(r2[:2]))
    r2 = get("/kiln/", f"If-Modified-Since: {lm}\r\n")
    report("304 for If-Modified-Since", r2[0] == 304, str(r2[:2]))
    r2 = get("/kiln/", "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n")
    report("200 when modified since", r2[0] == 200, str(r2[:2]))
    date = parsedate_to_datetime(r[1]["date"]).timestamp()
    report("Date is the wall clock", abs(date - time.time()) < 120, r[1]["date"])


def t_ranges():
    body = get("/reveal/reveal.js")[2]
    n = len(body)
    r = get("/reveal/reveal.js", "Range: bytes=100-199\r\n")
    report("206 for bytes=100-199", r[0] == 206 and r[2] == body[100:200]
           and r[1].get("content-range") == f"bytes 100-199/{n}", str(r[:2]))
    r = get("/reveal/reveal.js", "Range: bytes=-10\r\n")
    report("206 for bytes=-10", r[0] == 206 and r[2] == body[-10:], str(r[:2]))
    r = get("/reveal/reveal.js", f"Range: bytes={n - 5}-\r\n")
    report("206 for bytes=a-", r[0] == 206 and r[2] == body[-5:], str(r[:2]))
    r = get("/reveal/reveal.js", f"Range: bytes={n}-\r\n")
    report("416 past the end", r[0] == 416 and r[1].get("content-range") == f"bytes */{n}", str(r[:2]))
    r = get("/reveal/reveal.js", "Range: bytes=0-1,5-6\r\n")
    report("several ranges: 200 whole", r[0] == 200 and r[2] == body, str(r[:2]))


def t_head():
    g = get("/kiln/")
    r = request(b"HEAD /kiln/ HTTP/1.1\r\nHost: t\r\n\r\n", head_request=True)
    same = {k: v for k, v in g[1].items() if k != "date"} == {k: v for k, v in r[1].items() if k != "date"}
    report("HEAD: the GET's headers, no body", r[0] == 200 and same and r[2] == b"", f"{g[1]} vs {r[1]}")
    # No body bytes follow a HEAD response: a second request on the same
    # connection is answered cleanly.
    s = connect()
    s.sendall(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET /favicon.svg HTTP/1.1\r\nHost: t\r\n\r\n")
    rd = Reader(s)
    a, b = rd.response(head_request=True), rd.response()
    s.close()
    report("HEAD then GET on one connection", a and b and a[0] == 200 and b[0] == 200
           and b[2].startswith(b"<svg"), f"{a and a[:2]} {b and b[:2]}")


def t_keepalive():
    s = connect()
    rd = Reader(s)
    ok = True
    for path in ["/", "/kiln/", "/kiln.css", "/favicon.svg", "/writing-apps/"]:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        r = rd.response()
        ok = ok and r is not None and r[0] == 200
    report("keep-alive: 5 requests on one connection", ok, "a request failed")
    t0 = time.time()
    closed = rd.closed(IDLE_TIMEOUT + 8)
    took = time.time() - t0
    report("idle keep-alive closed after the idle timeout, silently",
           closed and IDLE_TIMEOUT - 0.5 <= took <= IDLE_TIMEOUT + 6, f"closed={closed} after {took:.1f}s")
    s.close()
    s = connect()
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    rd = Reader(s)
    r = rd.response()
    report("HTTP/1.0 closes", r and r[0] == 200 and rd.closed(3), str(r and r[1]))
    s.close()
    s = connect()
    s.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    rd = Reader(s)
    a, b = rd.response(), rd.response()
    report("HTTP/1.0 keep-alive when asked", a and b and a[1].get("connection") == "keep-alive", str(a and a[1]))
    s.close()


def t_pipelining():
    paths = ["/kiln.css", "/favicon.svg", "/nope", "/kiln/architecture.svg", "/"]
    s = connect()
    s.sendall(b"".join(f"GET {p} HTTP/1.1\r\nHost: t\r\n\r\n".encode() for p in paths))
    rd = Reader(s)
    got = [rd.response() for _ in paths]
    s.close()
    expect = {p: f for p, f in files()}
    ok = all(r is not None for r in got)
    if ok:
        for p, r in zip(paths, got):
            if p == "/nope":
                ok = ok and r[0] == 404
            else:
                f = expect.get(p, expect.get(p + "index.html"))
                ok = ok and r[0] == 200 and r[2] == open(f, "rb").read()
    report("5 pipelined requests answered in order", ok, str([r and r[0] for r in got]))


def t_timeout():
    s = connect(timeout=HEADER_TIMEOUT + 10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
    t0 = time.time()
    rd = Reader(s)
    r = rd.response()
    took = time.time() - t0
    report("408 for a slow head", r is not None and r[0] == 408 and rd.closed(3)
           and HEADER_TIMEOUT - 0.5 <= took <= HEADER_TIMEOUT + 6, f"{r and r[0]} after {took:.1f}s")
    s.close()


def t_send_timeout():
    """A client that takes none of its response is reset after the send
    timeout, even while it goes on sending bytes."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(1)
    s.connect((HOST, PORT))
    s.sendall(b"GET /reveal/reveal.js HTTP/1.1\r\nHost: t\r\n\r\n")
    t0 = time.time()
    took = None
    while time.time() - t0 < SEND_TIMEOUT + 8:
        try:
            s.send(b"x")
            time.sleep(0.25)
        except OSError:
            took = time.time() - t0
            break
    s.close()
    report("a response never read: reset after the send timeout", took is not None
           and SEND_TIMEOUT - 0.5 <= took <= SEND_TIMEOUT + 4, f"after {took}")


def t_linger():
    """After an error response the server keeps reading (and dropping)
    what the client sends for the linger timeout, then lets go: only data
    sent after that is answered with a reset."""
    s = connect()
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n")
    rd = Reader(s)
    r = rd.response()
    ok = r is not None and r[0] == 413
    early = True
    try:
        for _ in range(int(LINGER_TIMEOUT * 2)):
            time.sleep(0.4)
            s.sendall(b"y" * 1000)  # within the linger timeout each time
        time.sleep(0.3)
        s.settimeout(0.5)
        try:
            early = s.recv(100) == b""  # our FIN came with the 413
        except socket.timeout:
            early = False
    except OSError:
        early = False
    late = False
    time.sleep(LINGER_TIMEOUT + 1.5)
    try:
        s.sendall(b"z" * 1000)
        time.sleep(0.3)
        s.sendall(b"z" * 1000)
        s.recv(100)
    except OSError:
        late = True  # the handle was given up: a reset
    s.close()
    report("lingering close: input read and dropped while it comes, then a reset once it stops",
           ok and early and late, f"413 {ok}, read while lingering {early}, reset after {late}")


def t_http09():
    """An HTTP/0.9 request line is refused at once, not after the header
    timeout."""
    s = connect(timeout=HEADER_TIMEOUT + 10)
    t0 = time.time()
    s.sendall(b"GET /\r\n")
    rd = Reader(s)
    r = rd.response()
    took = time.time() - t0
    s.close()
    report("HTTP/0.9 request line: 400 at once", r is not None and r[0] == 400 and took < 1,
           f"{r and r[0]} after {took:.1f}s")


def t_assets():
    bad = []
    n = 0
    for url, f in files():
        data = open(f, "rb").read()
        paths = [url] + ([url[: -len("index.html")]] if url.endswith("/index.html") else [])
        for p in paths:
            r = get(urllib.parse.quote(p))
            n += 1
            if r is None or r[0] != 200 or r[2] != data:
                bad.append(p)
    report(f"every asset byte for byte ({n} fetched)", not bad and n > 10, f"differ: {bad}")


def t_gzip():
    bad, n = [], 0
    for url, f in files():
        data = open(f, "rb").read()
        r = get(urllib.parse.quote(url), "Accept-Encoding: gzip, deflate\r\n")
        if r[1].get("content-encoding") == "gzip":
            n += 1
            if gzip.decompress(r[2]) != data or r[1].get("vary") != "Accept-Encoding":
                bad.append(url)
        elif r[2] != data:
            bad.append(url)
        r2 = get(urllib.parse.quote(url), "Accept-Encoding: gzip;q=0\r\n")
        if "content-encoding" in r2[1]:
            bad.append(url + " (q=0)")
    report(f"gzip variants decompress to the files ({n} variants)", not bad and n >= 5, str(bad))


def t_concurrent(count=200):
    conns, errors = [], []
    barrier = threading.Barrier(count)

    def worker(i):
        try:
            s = connect(timeout=30)
            rd = Reader(s)
            s.sendall(b"GET /favicon.svg HTTP/1.1\r\nHost: t\r\n\r\n")
            r = rd.response()
            if not r or r[0] != 200:
                errors.append(f"{i}: first {r and r[0]}")
            barrier.wait(timeout=60)  # all connections open at once
            for p in ["/kiln.css", "/kiln/"]:
                s.sendall(f"GET {p} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
                r = rd.response()
                if not r or r[0] != 200:
                    errors.append(f"{i}: {p} {r and r[0]}")
            conns.append(s)
        except Exception as e:  # noqa: BLE001 - any failure is the test's
            errors.append(f"{i}: {e!r}")
            try:
                barrier.abort()
            except threading.BrokenBarrierError:
                pass

    t0 = time.time()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in conns:
        s.close()
    report(f"{count} concurrent keep-alive connections, 3 requests each ({time.time() - t0:.1f}s)",
           not errors and len(conns) == count, "; ".join(errors[:5]))


def t_busy():
    """With --http-max-conns=1: the one connection that has sent least
    makes room - an idle one is closed, a slow head gets 408 - and only a
    connection that is busy answering makes a new one get 503."""
    # An idle keep-alive connection is closed for a new one.
    a = connect()
    a.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    ra = Reader(a)
    first = ra.response()
    r = request(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    closed = ra.closed(3)
    a.close()
    report("over --http-max-conns: the idle connection makes room", first and first[0] == 200 and r
           and r[0] == 200 and closed, f"{r and r[:2]} closed={closed}")
    # A slow head is answered 408 for a new one.
    a = connect()
    a.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ")
    time.sleep(0.3)
    r = request(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    ra = Reader(a)
    a.settimeout(5)
    slow = ra.response()
    a.close()
    report("over --http-max-conns: the slow head gets 408 and makes room", r and r[0] == 200 and slow
           and slow[0] == 408, f"new {r and r[0]} slow {slow and slow[0]}")
    # A connection busy with a response nobody reads: 503 for a new one.
    a = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    a.settimeout(10)
    a.connect((HOST, PORT))
    a.sendall(b"GET /reveal/reveal.js HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.5)
    r = request(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n", check_close=True)
    a.close()
    report("over --http-max-conns, all busy: 503 and close", r and r[0] == 503 and r[3]
           and r[1].get("retry-after") == "1", str(r and r[:2]))


TESTS = {
    "statuses": t_statuses, "conditional": t_conditional, "ranges": t_ranges, "head": t_head,
    "keepalive": t_keepalive, "pipelining": t_pipelining, "timeout": t_timeout, "http09": t_http09,
    "send_timeout": t_send_timeout, "linger": t_linger,
    "assets": t_assets,
    "gzip": t_gzip, "concurrent": t_concurrent, "busy": t_busy,
}
for name, fn in TESTS.items():
    if ONLY is None and name == "busy":
        continue
    if want(name):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            report(name, False, repr(e))
sys.exit(1 if failures else 0)
