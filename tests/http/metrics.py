"""/metrics of apps/http-hello parsed by prometheus_client, checked against
the traffic this script sent: exact request and byte counts (raw sockets,
so every byte sent and received is known), open connections, heap and TCP
figures.  Usage: metrics.py PORT"""
import socket, sys, time
from prometheus_client.parser import text_string_to_metric_families

port = int(sys.argv[1])
fails = 0


def check(name, ok, why=""):
    global fails
    print(("PASS: metrics: %s" % name) if ok else ("FAIL: metrics: %s: %s" % (name, why)))
    if not ok:
        fails += 1


def read_response(s, buf):
    """One response (Content-Length framed) from s: (status, raw bytes, rest)."""
    while b"\r\n\r\n" not in buf:
        b = s.recv(65536)
        assert b, "connection closed"
        buf += b
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(rest) < length:
        b = s.recv(65536)
        assert b, "connection closed"
        rest += b
    status = int(head.split(b" ")[1])
    raw = head + b"\r\n\r\n" + rest[:length]
    return status, raw, rest[length:]


def scrape(s):
    req = b"GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"
    s.sendall(req)
    st, raw, rest = read_response(s, b"")
    assert st == 200 and not rest, st
    body = raw.partition(b"\r\n\r\n")[2].decode()
    samples = {}
    families = {}
    for fam in text_string_to_metric_families(body):
        families[fam.name] = fam.type
        for smp in fam.samples:
            key = smp.name + "".join('{%s="%s"}' % kv for kv in sorted(smp.labels.items()))
            samples[key] = smp.value
    return len(req), raw, samples, families


def main():
    # Held open, idle, for the gauge.
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    s = socket.create_connection(("127.0.0.1", port))
    # The first scrape: the baseline (other tests' traffic does not
    # reach this server, but a fresh server still counts its start).
    qlen, raw, base, fam = scrape(s)
    sent = 0  # since the first scrape's figures were made
    got = len(raw)
    plan = [(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", 200)] * 7 + \
           [(b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 404)] * 4 + \
           [(b"DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n", 405)] * 2 + \
           [(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + b"u" * 100000, 200)] * 3 + \
           [(b"POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"1000;ext=1\r\n" + b"c" * 4096 + b"\r\n0\r\nX-Trailer: y\r\n\r\n", 200)] * 2
    for req, want in plan:
        s.sendall(req)
        st, r, rest = read_response(s, b"")
        assert st == want and not rest, (req[:30], st)
        sent += len(req)
        got += len(r)
    # A handler's error closes its connection: on one of its own.
    f = socket.create_connection(("127.0.0.1", port))
    req = b"GET /fail HTTP/1.1\r\nHost: t\r\n\r\n"
    f.sendall(req)
    st, r, rest = read_response(f, b"")
    assert st == 500, st
    assert f.recv(100) == b"", "open after a 500"
    f.close()
    sent += len(req)
    got += len(r)
    qlen, raw, m, fam = scrape(s)
    sent += qlen

    def delta(k):
        return m.get(k, -1) - base.get(k, 0)

    # The first scrape's own response counts once the second is made.
    check("text format parsed", len(m) > 40, "%d samples" % len(m))
    check("types", fam.get("kiln_http_responses") == "counter" and
          fam.get("kiln_http_connections") == "gauge" and
          fam.get("kiln_heap_in_use_bytes") == "gauge",
          {k: fam.get(k) for k in ("kiln_http_responses", "kiln_http_connections", "kiln_heap_in_use_bytes")})
    want = {"2xx": 7 + 3 + 2 + 1, "4xx": 4 + 2, "5xx": 1, "1xx": 0, "3xx": 0}
    for c, n in want.items():
        k = 'kiln_http_responses_total{code="%s"}' % c
        check("responses %s: %d" % (c, n), delta(k) == n, "delta %s" % delta(k))
    d_in = m["kiln_http_received_bytes_total"] - base["kiln_http_received_bytes_total"]
    check("bytes received: every byte sent since the first scrape (%d)" % sent, d_in == sent, "delta %d" % d_in)
    d_out = m["kiln_http_sent_bytes_total"] - base["kiln_http_sent_bytes_total"]
    check("bytes sent: every byte received since the first scrape (%d)" % got, d_out == got, "delta %d" % d_out)
    check("open connections: 4", m["kiln_http_connections"] == 4, m["kiln_http_connections"])
    check("idle connections: 3", m["kiln_http_connections_idle"] == 3, m["kiln_http_connections_idle"])
    acc = m["kiln_http_connections_accepted_total"]
    check("connections accepted: at least 5, one between the scrapes",
          acc >= 5 and acc == base["kiln_http_connections_accepted_total"] + 1, (acc, base["kiln_http_connections_accepted_total"]))
    po = m.get("kiln_net_tcp_passive_opens_total", -1)
    check("TCP passive opens: at least the 5 connections", po >= 5, po)
    check("TCP and drop counters present",
          "kiln_net_rx_dropped_total" in m and "kiln_net_tcp_retransmits_total" in m and
          "kiln_net_drop_tcp_checksum_total" in m, sorted(k for k in m if k.startswith("kiln_net_"))[:5])
    use, peak = m["kiln_heap_in_use_bytes"], m["kiln_heap_peak_bytes"]
    # Under ASan on unix the host allocator tells nothing (0); the
    # figures are real on the freestanding targets (test-big-bodies.sh
    # reads them on hvt).
    asan = len(sys.argv) > 2 and sys.argv[2] == "asan"
    check("heap in use <= peak <= heap size%s" % (" (0 under ASan)" if asan else ", in use > 0"),
          (asan and use == 0 or use > 0) and use <= peak <= m["kiln_heap_size_bytes"] and m["kiln_heap_size_bytes"] > 0,
          (use, peak, m["kiln_heap_size_bytes"]))
    # The 100 KB bodies were read in 16 KiB pieces: the peak does not
    # hold a body.
    for h in held:
        h.close()
    s.close()
    return fails


sys.exit(1 if main() else 0)
