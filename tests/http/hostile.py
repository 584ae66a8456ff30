#!/usr/bin/env python3
"""Hostile clients against a decks server, beside a normal one (used by
test-hostile.sh and bench/http/run.sh).

usage: hostile.py HOST PORT idle N [--hold=SECS] [--secs=SECS]
       hostile.py HOST PORT slowloris N [--secs=SECS] [--interval=SECS]
       hostile.py HOST PORT errors [--busy]
       hostile.py HOST PORT normal [--secs=SECS]

idle: N connections held open at once - half of them sent nothing, half
made one request and stay as keep-alive - then a normal client makes
requests while they are held; all N must still be open afterwards.
slowloris: N connections each sending its request head a byte at a time,
one byte per interval, while a normal client makes requests for SECS.
errors: requests the server refuses (400, 413, 431; with --busy, against
--http-max-conns=1, also 503) from clients that go on sending: the
response must arrive whole, not be lost to a reset.
normal: the normal client alone (a baseline).

The normal client makes one request per fresh connection, in a loop,
and counts 200s; latency is from connect to the end of the response.
Prints PASS/FAIL lines and "figures:" lines for the benchmarks.
"""
import os
import random
import socket
import sys
import threading
import time

HOST, PORT, MODE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ARGS = [a for a in sys.argv[4:] if not a.startswith("--")]
OPTS = dict(a[2:].partition("=")[::2] for a in sys.argv[4:] if a.startswith("--"))
failures = 0


def report(name, ok, why=""):
    global failures
    if ok:
        print(f"PASS: {name}", flush=True)
    else:
        failures += 1
        print(f"FAIL: {name}: {why}"[:600], flush=True)


def read_response(s, deadline):
    """Status of one response (Content-Length framed) on s, or an error
    string; reads it whole."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        s.settimeout(max(0.01, deadline - time.time()))
        chunk = s.recv(65536)
        if not chunk:
            return "closed before a response"
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ")[1])
    except (IndexError, ValueError):
        return f"bad status line {lines[0]!r}"
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    while len(rest) < length:
        s.settimeout(max(0.01, deadline - time.time()))
        chunk = s.recv(65536)
        if not chunk:
            return f"{status} cut short"
        rest += chunk
    return status


class Normal(threading.Thread):
    """The normal client: GET / on a fresh connection, again and again."""

    def __init__(self, secs, pause=0.02):
        super().__init__(daemon=True)
        self.secs, self.pause = secs, pause
        self.ok, self.bad, self.lat, self.why = 0, 0, [], {}

    def run(self):
        end = time.time() + self.secs
        while time.time() < end:
            t0 = time.time()
            try:
                s = socket.create_connection((HOST, PORT), timeout=5)
                s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                st = read_response(s, t0 + 5)
                s.close()
            except OSError as e:
                st = type(e).__name__
            if st == 200:
                self.ok += 1
                self.lat.append(time.time() - t0)
            else:
                self.bad += 1
                self.why[str(st)] = self.why.get(str(st), 0) + 1
            time.sleep(self.pause)

    def summary(self):
        n = self.ok + self.bad
        lat = sorted(self.lat)
        p50 = lat[len(lat) // 2] * 1000 if lat else float("nan")
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan")
        return n, (self.ok / n if n else 0.0), p50, p99


def raise_fd_limit(n):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, n + 200))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def still_open(s):
    """True if the server has not closed s (no EOF, no reset)."""
    try:
        s.setblocking(False)
        data = s.recv(1)
        return data != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def open_many(n):
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        s.connect((HOST, PORT))
        socks.append(s)
    return socks


def mode_idle():
    n = int(ARGS[0])
    hold = float(OPTS.get("hold", "3"))
    raise_fd_limit(n)
    t0 = time.time()
    try:
        socks = open_many(n)
    except OSError as e:
        report(f"{n} idle connections opened", False, repr(e))
        return
    opened = time.time() - t0
    # Half make a request first and stay as keep-alive.
    for s in socks[::2]:
        s.sendall(b"GET /favicon.svg HTTP/1.1\r\nHost: t\r\n\r\n")
    bad = 0
    for s in socks[::2]:
        if read_response(s, time.time() + 10) != 200:
            bad += 1
    report(f"{n} connections opened at once ({opened:.1f}s), half of them keep-alive after a 200",
           bad == 0, f"{bad} keep-alive requests failed")
    print(f"figures: idle {n} held", flush=True)
    time.sleep(hold)  # the server reports its heap meanwhile
    normal = Normal(float(OPTS.get("secs", "5")))
    normal.start()
    normal.join()
    total, ratio, p50, p99 = normal.summary()
    print(f"figures: idle {n} normal requests {total} ok {ratio * 100:.1f}% p50 {p50:.1f}ms p99 {p99:.1f}ms",
          flush=True)
    report(f"with {n} idle connections a normal client gets 200s ({total} requests, "
           f"{ratio * 100:.1f}%, p99 {p99:.1f} ms)",
           total >= 20 and ratio == 1.0 and p99 < 100, f"{normal.why}")
    gone = sum(1 for s in socks if not still_open(s))
    report(f"all {n} idle connections still open afterwards", gone == 0, f"{gone} were closed")
    for s in socks:
        s.close()


def mode_slowloris():
    n = int(ARGS[0])
    secs = float(OPTS.get("secs", "20"))
    interval = float(OPTS.get("interval", "3"))
    raise_fd_limit(n)
    head = b"GET / HTTP/1.1\r\nHost: t\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"y" * 20) for i in range(60))
    try:
        socks = open_many(n)
    except OSError as e:
        report(f"slowloris: {n} connections opened", False, repr(e))
        return
    pos = [0] * n
    # Spread the sends over the interval.
    due = [time.time() + random.random() * interval for _ in range(n)]
    normal = Normal(secs)
    normal.start()
    end = time.time() + secs
    sent = dropped = 0
    while time.time() < end:
        now = time.time()
        for i, s in enumerate(socks):
            if s is None or due[i] > now:
                continue
            try:
                s.send(head[pos[i] % len(head):pos[i] % len(head) + 1])
                pos[i] += 1
                sent += 1
            except OSError:
                s.close()
                socks[i] = None
                dropped += 1
            due[i] = now + interval
        time.sleep(0.05)
    normal.join()
    alive = sum(1 for s in socks if s is not None and still_open(s))
    for s in socks:
        if s is not None:
            s.close()
    total, ratio, p50, p99 = normal.summary()
    print(f"figures: slowloris {n} normal requests {total} ok {ratio * 100:.1f}% p50 {p50:.1f}ms "
          f"p99 {p99:.1f}ms rps {total / secs:.1f} slow-alive {alive}", flush=True)
    report(f"slowloris with {n} connections ({sent} bytes sent, {alive} still open): a normal client gets "
           f"{ratio * 100:.1f}% 200s of {total} (p99 {p99:.1f} ms)",
           total >= 20 and ratio >= 0.99, f"{normal.why}")


def still_sending(name, head, filler, want, total=8 << 20):
    """Send head and then total bytes of filler, all of it, as a client
    that writes its whole request before it reads (curl uploading a file)
    does; then read. The server answers early and must keep reading until
    that client is done (lingering close), or the client's writes fail
    with a reset and the response is lost."""
    s = socket.create_connection((HOST, PORT), timeout=20)
    try:
        s.sendall(head)
        left = total
        while left > 0:
            n = min(left, len(filler))
            s.sendall(filler[:n])
            left -= n
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        s.close()
        report(f"{name}: {want} reaches a client still sending", False,
               f"reset while sending ({e!r}): the response was lost")
        return
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except OSError as e:
        got += f" [{e!r}]".encode()
    s.close()
    status, whole = None, False
    if b"\r\n\r\n" in got:
        head_part, _, body = got.partition(b"\r\n\r\n")
        try:
            status = int(head_part.split(b"\r\n", 1)[0].split(b" ")[1])
        except (IndexError, ValueError):
            status = head_part[:40]
        cl = [int(x.split(b":")[1]) for x in head_part.split(b"\r\n") if x.lower().startswith(b"content-length:")]
        whole = bool(cl) and len(body) >= cl[0]
    report(f"{name}: {want} reaches a client still sending ({total >> 20} MiB sent after it)",
           status == want and whole, f"got {status} ({len(got)} bytes)")


def mode_errors():
    filler = b"z" * 65536
    still_sending("413 (body over the bound)",
                  b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n", filler, 413)
    still_sending("431 (a field section that goes on)",
                  b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: ", b"b" * 65536, 431)
    still_sending("400 (a bad field, then more)",
                  b"GET / HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n", filler, 400)
    if "busy" in OPTS:
        # Against --http-max-conns=1: a connection busy with a response
        # it does not read, then a client sending a large request gets
        # 503.
        b = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        b.connect((HOST, PORT))
        b.sendall(b"GET /reveal/reveal.js HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.5)
        still_sending("503 (every connection busy)",
                      b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n", filler, 503)
        b.close()


def mode_normal():
    normal = Normal(float(OPTS.get("secs", "5")))
    normal.start()
    normal.join()
    total, ratio, p50, p99 = normal.summary()
    print(f"figures: normal requests {total} ok {ratio * 100:.1f}% p50 {p50:.1f}ms p99 {p99:.1f}ms", flush=True)
    report(f"normal client alone: {ratio * 100:.1f}% 200s", ratio == 1.0, f"{normal.why}")


{"idle": mode_idle, "slowloris": mode_slowloris, "errors": mode_errors, "normal": mode_normal}[MODE]()
sys.exit(1 if failures else 0)
