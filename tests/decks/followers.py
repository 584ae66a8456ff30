#!/usr/bin/env python3
"""Event-stream clients for the decks' live-follow (apps/decks/follow.c).

usage: followers.py HOST PORT KEY MODE [ARGS]
  many N            N followers at once (each its own connection, reading
                    its stream); one slide change; every one must get it.
                    Prints how long the last took.
  slow CHANGES      a follower that never reads (small receive buffer)
                    beside one that reads; CHANGES changes posted over
                    one keep-alive connection: the fast one must see them
                    end on the last state, in order.
                    With "resume" after CHANGES, the stalled one then reads:
                    it must end on the last state with fewer events.
  bound N           N followers are held; the next gets 503; a post with
                    no key, a wrong key, a bad index, an unknown deck get
                    403, 403, 400, 404.
  latency N         N changes one after the other, each timed from the post
                    to its event at a follower (median, p99, max).
Exits non-zero (with a reason on stderr) when a check fails.
"""
import http.client
import json
import selectors
import socket
import sys
import time

host, port, key, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
DECK = "kiln"


def die(why):
    print("followers: " + why, file=sys.stderr)
    sys.exit(1)


def open_stream(rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(30)
    s.connect((host, port))
    s.sendall(b"GET /follow/%s/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"
              % DECK.encode())
    return s


def post(conn, h, v=0, f=-1, k=None, deck=DECK):
    hdr = {} if k == "" else {"Authorization": "Bearer " + (k or key)}
    conn.request("POST", "/follow/%s/slide?h=%s&v=%s&f=%s" % (deck, h, v, f), headers=hdr)
    r = conn.getresponse()
    body = r.read()
    return r.status, body


class Reader:
    """Collects a stream's bytes; finds its events (data lines of "slide")."""

    def __init__(self, s):
        self.s, self.raw, self.buf, self.head = s, b"", b"", False

    def feed(self):
        b = self.s.recv(65536)
        if not b:
            raise EOFError
        self.raw += b
        # The head, then the body's chunks (chunked transfer coding).
        if not self.head:
            i = self.raw.find(b"\r\n\r\n")
            if i < 0:
                return
            if not self.raw.startswith(b"HTTP/1.1 200"):
                die("stream refused: %r" % self.raw[:40])
            self.raw, self.head = self.raw[i + 4:], True
        while True:
            i = self.raw.find(b"\r\n")
            if i < 0:
                return
            n = int(self.raw[:i], 16)
            if len(self.raw) < i + 2 + n + 2:
                return
            self.buf += self.raw[i + 2:i + 2 + n]
            self.raw = self.raw[i + 2 + n + 2:]

    def seqs(self):
        return [json.loads(l[6:])["seq"] for l in self.buf.split(b"\n") if l.startswith(b"data: ")]

    def states(self):
        return [json.loads(l[6:]) for l in self.buf.split(b"\n") if l.startswith(b"data: ")]


def wait_all(readers, pred, limit):
    sel = selectors.DefaultSelector()
    pending = {r.s: r for r in readers if not pred(r)}
    for s in pending:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    end = time.monotonic() + limit
    while pending and time.monotonic() < end:
        for k, _ in sel.select(timeout=0.5):
            r = pending.get(k.fileobj)
            if not r:
                continue
            try:
                r.feed()
            except EOFError:
                die("a follower's stream ended")
            except BlockingIOError:
                continue
            if pred(r):
                sel.unregister(k.fileobj)
                del pending[k.fileobj]
    return len(pending)


if mode == "many":
    n = int(sys.argv[5])
    readers = []
    for i in range(n):
        readers.append(Reader(open_stream()))
    left = wait_all(readers, lambda r: b": following\n\n" in r.buf, 60)
    if left:
        die("%d of %d followers got no stream" % (left, n))
    base = max([0] + [max(r.seqs() or [0]) for r in readers])
    c = http.client.HTTPConnection(host, port, timeout=30)
    t0 = time.monotonic()
    st, body = post(c, 4)
    if st != 200:
        die("post: %d %r" % (st, body))
    want = json.loads(body)["seq"]
    left = wait_all(readers, lambda r: want in r.seqs(), 30)
    took = time.monotonic() - t0
    if left:
        die("%d of %d followers did not get the change" % (left, n))
    print("followers: %d held, all got the change in %.0f ms" % (n, took * 1000))
elif mode == "slow":
    changes = int(sys.argv[5])
    slow = open_stream(rcvbuf=4096)
    fast = Reader(open_stream())
    if wait_all([fast], lambda r: b": following\n\n" in r.buf, 20):
        die("no stream")
    c = http.client.HTTPConnection(host, port, timeout=30)
    last = None
    for i in range(changes):
        st, body = post(c, i % 50, i % 3, -1)
        if st != 200:
            die("post %d: %d" % (i, st))
        last = json.loads(body)["seq"]
    if wait_all([fast], lambda r: last in r.seqs(), 30):
        die("the fast follower did not get the last change")
    seqs = fast.seqs()
    if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
        die("the fast follower's changes are out of order")
    st = fast.states()[-1]
    if (st["h"], st["v"]) != ((changes - 1) % 50, (changes - 1) % 3):
        die("the last state is %r" % st)
    print("followers: fast follower got %d events for %d changes, in order; "
          "the slow one read nothing" % (len(seqs), changes))
    if len(sys.argv) > 6 and sys.argv[6] == "resume":
        # The stalled one reads now: it must end on the last state,
        # having skipped changes rather than queued them all.
        r = Reader(slow)
        if wait_all([r], lambda r: last in r.seqs(), 30):
            die("the stalled follower, reading again, did not get the last change")
        got = [q for q in r.seqs() if q > seqs[0]]
        if len(got) >= changes:
            die("the stalled follower got every change (%d): nothing was coalesced" % len(got))
        print("followers: the stalled follower, reading again, got %d events for %d changes "
              "and ends on the last" % (len(got), changes))
    slow.close()
elif mode == "bound":
    n = int(sys.argv[5])
    readers = [Reader(open_stream()) for _ in range(n)]
    if wait_all(readers, lambda r: b": following\n\n" in r.buf, 20):
        die("not all %d followers were held" % n)
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request("GET", "/follow/%s/events" % DECK)
    r = c.getresponse()
    r.read()
    if r.status != 503:
        die("follower %d: %d, not 503" % (n + 1, r.status))
    c = http.client.HTTPConnection(host, port, timeout=10)
    for what, args, want in [("no key", dict(h=1, k=""), (403,)),
                             ("wrong key", dict(h=1, k="f" * 32), (403,)),
                             ("short key", dict(h=1, k=key[:31]), (403,)),
                             ("bad index", dict(h="x"), (400,)),
                             ("index too large", dict(h=10000), (400,)),
                             ("negative index", dict(h=-1), (400,)),
                             ("unknown deck", dict(h=1, deck="nope"), (404,)),
                             ("a path as the deck", dict(h=1, deck="..%2fkiln"), (400, 404, 405))]:
        st, _ = post(c, **args)
        if st not in want:
            die("%s: %d, not %s" % (what, st, want))
    print("followers: %d held, the next refused 503; bad posts refused" % n)
    for r in readers:
        r.s.close()
elif mode == "latency":
    n = int(sys.argv[5])
    r = Reader(open_stream())
    if wait_all([r], lambda r: b": following\n\n" in r.buf, 20):
        die("no stream")
    c = http.client.HTTPConnection(host, port, timeout=30)
    lat = []
    for i in range(n):
        t0 = time.monotonic()
        st, body = post(c, i % 10)
        want = json.loads(body)["seq"]
        if wait_all([r], lambda r: want in r.seqs(), 10):
            die("change %d not received" % i)
        lat.append((time.monotonic() - t0) * 1000)
    lat.sort()
    print("followers: post to event, %d changes: median %.1f ms, p99 %.1f ms, max %.1f ms"
          % (n, lat[n // 2], lat[min(n - 1, n * 99 // 100)], lat[-1]))
else:
    die("unknown mode " + mode)
