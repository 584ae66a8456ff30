"""Big bodies against apps/http-hello: uploads of UP bytes (sized, then
chunked) hashed by the server (SHA-256 compared), then a streamed body of
DOWN bytes to a reader that is slow for its first SLOW bytes, with the
guest's heap read from /metrics on a second connection before, during and
after it.  Usage: big.py HOST PORT UP DOWN SLOW HEAP_BOUND [asan]"""
import hashlib, http.client, os, socket, sys, time

host, port = sys.argv[1], int(sys.argv[2])
up, down, slow, bound = (int(a) for a in sys.argv[3:7])
asan = len(sys.argv) > 7 and sys.argv[7] == "asan"
fails = 0


def check(name, ok, why=""):
    global fails
    print(("PASS: big: %s" % name) if ok else ("FAIL: big: %s: %s" % (name, why)), flush=True)
    if not ok:
        fails += 1


def heap():
    c = http.client.HTTPConnection(host, port, timeout=30)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    m = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            m[k] = float(v)
    return int(m["kiln_heap_in_use_bytes"]), int(m["kiln_heap_peak_bytes"])


data = os.urandom(up)
want = "%d %s" % (up, hashlib.sha256(data).hexdigest())
mib = up / 1048576

c = http.client.HTTPConnection(host, port, timeout=120)
t0 = time.monotonic()
c.request("POST", "/sha256", body=data)
r = c.getresponse()
got = r.read().decode().strip()
check("%.0f MiB sized upload: the handler's SHA-256 (%.1f s)" % (mib, time.monotonic() - t0),
      r.status == 200 and got == want, "%s %s" % (r.status, got))


def pieces():
    for off in range(0, up, 1 << 20):
        yield data[off:off + (1 << 20)]


t0 = time.monotonic()
c.request("POST", "/sha256", body=pieces(), encode_chunked=True,
          headers={"Transfer-Encoding": "chunked", "Expect": "100-continue"})
r = c.getresponse()
got = r.read().decode().strip()
check("%.0f MiB chunked upload (100-continue): the handler's SHA-256 (%.1f s)" % (mib, time.monotonic() - t0),
      r.status == 200 and got == want, "%s %s" % (r.status, got))
c.close()

use0, peak0 = heap()
s = socket.create_connection((host, port), timeout=120)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(b"GET /stream?n=%d HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % down)
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(65536)
head, _, rest = buf.partition(b"\r\n\r\n")
assert b"Transfer-Encoding: chunked" in head, head
# Decode the chunked body as it comes; check the pattern of each piece
# ('a' + offset % 26) without holding the body.
alpha = bytes(97 + i % 26 for i in range(26 * 4096))
n = 0
pending = rest
use_max = 0
samples = 0
t0 = time.monotonic()
next_sample = t0
ok_pattern = True
done = False
while not done:
    while True:
        nl = pending.find(b"\r\n")
        if nl < 0:
            break
        size = int(pending[:nl].split(b";")[0], 16)
        if len(pending) < nl + 2 + size + 2:
            break
        chunk = pending[nl + 2:nl + 2 + size]
        at = n % 26
        if ok_pattern and chunk != alpha[at:at + size]:
            ok_pattern = False
        n += size
        pending = pending[nl + 2 + size + 2:]
        if size == 0:
            done = True
            break
    if done:
        break
    b = s.recv(65536)
    if not b:
        break
    pending += b
    if n < slow:
        time.sleep(0.002)
    now = time.monotonic()
    if now >= next_sample:
        u, _ = heap()
        use_max = max(use_max, u)
        samples += 1
        next_sample = now + 0.5
took = time.monotonic() - t0
s.close()
time.sleep(0.5)
use1, peak1 = heap()
print("big: streamed %d bytes in %.1f s (%.0f MB/s); heap in use before %d, "
      "most during %d (%d samples), after %d; peak before %d, after %d"
      % (n, took, n / took / 1e6, use0, use_max, samples, use1, peak0, peak1), flush=True)
check("%d bytes streamed to a slow reader, chunked, every byte in place" % down,
      n == down and ok_pattern and done, "%d bytes, pattern %s, end %s" % (n, ok_pattern, done))
if asan:
    print("SKIP: big: heap figures: the host allocator under ASan tells none")
else:
    check("heap flat while streaming: in use grew at most %d bytes (%d)" % (bound, use_max - use0),
          samples > 0 and use_max - use0 <= bound, "before %d most %d" % (use0, use_max))
    check("heap peak flat over the stream: grew at most %d bytes (%d)" % (bound, peak1 - peak0),
          peak1 - peak0 <= bound, "before %d after %d" % (peak0, peak1))
sys.exit(1 if fails else 0)
