#!/usr/bin/env python3
"""Compare two DNS servers' answers for the same zone, query by query.

usage: compare.py ZONEFILE ORIGIN HOST:PORT(kiln) HOST:PORT(reference) [N]

The corpus: every owner name of the zone, names that are missing, below
wildcards, below the delegation, empty non-terminals and outside the zone,
in random letter case, times every type the server knows (and DS, HTTPS,
ANY), over UDP without EDNS, with EDNS sizes 100 (below the minimum: 512
applies), 512, 1232, 4096 and 65535, and over TCP with the queries of a
batch pipelined on one connection. Responses are compared section by
section, RRsets as sets with their TTLs, the question letter for letter
(case preserved); a truncated response is compared by its TC bit, rcode,
AA and question only (its content is the server's choice). ANY answers
are compared whole too: RFC 8482 lets a server pick the RRset, and Kiln
picks NSD's.
Prints one line per difference and a summary; exits 1 on any.
"""
import random
import socket
import struct
import sys

import dns.flags
import dns.message
import dns.name
import dns.rdatatype
import dns.zone

TYPES = ["A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "AAAA", "SRV", "CAA",
         "DS", "HTTPS", "ANY"]


def addr(s):
    h, p = s.rsplit(":", 1)
    return (h, int(p))


def names_of(zonefile, origin):
    z = dns.zone.from_file(zonefile, origin=origin, relativize=False)
    names = set()
    for n in z.nodes.keys():
        names.add(n)
        names.add(dns.name.Name((b"nope",) + n.labels))
        if n.labels[0] == b"*":
            names.add(dns.name.Name((b"match",) + n.labels[1:]))
            names.add(dns.name.Name((b"a", b"b") + n.labels[1:]))
        # parents up to the origin: empty non-terminals among them
        p = n
        while len(p) > len(z.origin):
            p = p.parent()
            names.add(p)
    names.add(dns.name.from_text("under.sub." + origin))
    names.add(dns.name.from_text("example.org."))
    names.add(dns.name.from_text("com."))
    return sorted(names)


def randcase(name, rng):
    out = []
    for label in name.labels:
        out.append(bytes(c ^ 0x20 if 0x61 <= (c | 0x20) <= 0x7a and
                         rng.random() < 0.5 else c for c in label))
    return dns.name.Name(out)


def ask_udp(server, q, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        for _ in range(3):
            s.sendto(q.to_wire(), server)
            try:
                data, _ = s.recvfrom(65535)
                return dns.message.from_wire(data)
            except socket.timeout:
                continue
        return None
    finally:
        s.close()


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("connection closed")
        b += c
    return b


def ask_tcp_batch(server, qs):
    """All queries written first, then the answers read (pipelining)."""
    s = socket.create_connection(server, timeout=5)
    try:
        out = b"".join(struct.pack("!H", len(w)) + w
                       for w in (q.to_wire() for q in qs))
        s.sendall(out)
        res = {}
        for _ in qs:
            ln = struct.unpack("!H", recv_exact(s, 2))[0]
            m = dns.message.from_wire(recv_exact(s, ln))
            res[m.id] = m
        return [res.get(q.id) for q in qs]
    finally:
        s.close()


def rrsets(section):
    out = set()
    for rr in section:
        if rr.rdtype == dns.rdatatype.OPT:
            continue
        for rd in rr:
            out.add((rr.name.to_text().lower(), rr.rdtype, rr.ttl,
                     rd.to_text().lower()))
    return out


def norm(m, qtype):
    if m is None:
        return ("no answer",)
    tc = bool(m.flags & dns.flags.TC)
    # the question letter for letter: the query's case preserved
    base = (m.rcode(), bool(m.flags & dns.flags.AA), tc, m.edns >= 0,
            tuple(f"{q.name.to_text()} {q.rdtype} {q.rdclass}"
                  for q in m.question))
    if tc:
        return base
    return base + (frozenset(rrsets(m.answer)),
                   frozenset(rrsets(m.authority)),
                   frozenset(rrsets(m.additional)))


def main():
    zonefile, origin, kiln, ref = sys.argv[1:5]
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    kiln, ref = addr(kiln), addr(ref)
    rng = random.Random(16)
    corpus = []
    for n in names_of(zonefile, origin):
        for t in TYPES:
            for mode in ("udp", "e100", "e512", "e1232", "e4096", "e65535",
                         "tcp"):
                corpus.append((randcase(n, rng), t, mode))
    rng.shuffle(corpus)
    if limit:
        corpus = corpus[:limit]
    diffs = 0
    counts = {}
    tcp_batch = []

    def make(name, t, mode):
        q = dns.message.make_query(name, t, want_dnssec=False)
        q.flags &= ~dns.flags.RD
        if mode.startswith("e"):
            q.use_edns(0, payload=int(mode[1:]))
        elif mode == "tcp":
            q.use_edns(0, payload=1232)
        return q

    def report(name, t, mode, a, b):
        nonlocal diffs
        if a is None or b is None or norm(a, t) != norm(b, t):
            diffs += 1
            if diffs <= 20:
                print(f"DIFF {name} {t} {mode}:\n  kiln {norm(a, t)}\n"
                      f"  ref  {norm(b, t)}")

    def flush_tcp():
        if not tcp_batch:
            return
        qs = [make(*e) for e in tcp_batch]
        for i, q in enumerate(qs):
            q.id = i + 1
        a = ask_tcp_batch(kiln, qs)
        b = ask_tcp_batch(ref, qs)
        for e, x, y in zip(tcp_batch, a, b):
            report(e[0], e[1], e[2], x, y)
        tcp_batch.clear()

    for name, t, mode in corpus:
        counts[mode] = counts.get(mode, 0) + 1
        if mode == "tcp":
            tcp_batch.append((name, t, mode))
            if len(tcp_batch) == 50:
                flush_tcp()
            continue
        q = make(name, t, mode)
        a = ask_udp(kiln, q)
        b = ask_udp(ref, q)
        report(name, t, mode, a, b)
        # a truncated answer is asked again over TCP, as a client would
        if b is not None and b.flags & dns.flags.TC:
            tcp_batch.append((name, t, "tcp"))
    flush_tcp()
    print(f"{len(corpus)} queries ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}), {diffs} differences")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
