#!/usr/bin/env bash
# Boot-time benchmark of the virtio target: time from starting QEMU to the
# guest's first console line and to its exit, on microvm and q35, under KVM
# (when usable) and TCG, beside kiln-hvt booting the same app in the same
# run; plus image sizes. Then boot to first HTTP response: apps/decks with
# a forwarded port (user-mode networking on 127.0.0.1) on kiln-hvt,
# microvm and q35, from process start until GET / returns 200.
#
#   bench/virtio/run.sh [RUNS]      (default 10 runs per configuration)
#
# The app is apps/hello (it sleeps 3 x 100 ms before exiting, on every
# target alike). Prints medians and spreads (min..max), and each
# configuration's ratio to kiln-hvt. Then, with apps/echo through
# user-mode networking on 127.0.0.1 (microvm and q35 beside kiln-hvt): the
# TCP round trip of one byte, and 16 MiB echoed (three runs, median).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
runs=${1:-10}
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; exit 1; }
make -s programs >/dev/null
bin/kiln build -t virtio apps/hello >/dev/null
have_hvt=0
if [ -x bin/kiln-hvt ] && [ -r /dev/kvm ] && bin/kiln build -t hvt apps/hello >/dev/null 2>&1; then
	have_hvt=1
fi
kvm=0
{ exec 9<>/dev/kvm; } 2>/dev/null && { exec 9>&-; kvm=1; }

python3 - "$runs" "$have_hvt" "$kvm" <<'PY'
import os, statistics, subprocess, sys, time

runs, have_hvt, kvm = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3] == "1"
virtio_img = "apps/hello/_build/virtio/hello"
hvt_img = "apps/hello/_build/hvt/hello"

def measure(cmd, env=None):
    """Seconds to the first stdout line and to exit."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env=env)
    first = None
    for line in p.stdout:
        if first is None:
            first = time.perf_counter() - t0
    p.wait()
    end = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{cmd}: exit {p.returncode}")
    return first, end

def series(cmd, env=None):
    measure(cmd, env)  # warm the page cache
    firsts, ends = [], []
    for _ in range(runs):
        f, e = measure(cmd, env)
        firsts.append(f * 1000)
        ends.append(e * 1000)
    return firsts, ends

def fmt(xs):
    return f"{statistics.median(xs):7.1f} ms ({min(xs):.1f}..{max(xs):.1f})"

rows = []
if have_hvt:
    rows.append(("hvt (kiln-hvt, KVM)", series(["bin/kiln-hvt", hvt_img])))
for accel in (["kvm"] if kvm else []) + ["tcg"]:
    for m in ("microvm", "q35"):
        env = dict(os.environ, KILN_ACCEL=accel)
        rows.append((f"virtio {m}, {accel.upper()}",
                     series(["platform/virtio/launch", "--machine", m, virtio_img], env)))

base = rows[0][1] if have_hvt else None
print(f"boot of apps/hello, {runs} runs each: median (min..max)")
print(f"{'configuration':28} {'first line':>28} {'exit':>28}  ratio to hvt (first, exit)")
for name, (firsts, ends) in rows:
    ratio = ""
    if base:
        ratio = (f"  x{statistics.median(firsts) / statistics.median(base[0]):.1f}, "
                 f"x{statistics.median(ends) / statistics.median(base[1]):.1f}")
    print(f"{name:28} {fmt(firsts):>28} {fmt(ends):>28}{ratio}")
print()
for path in (virtio_img, virtio_img + ".stripped", hvt_img, hvt_img + ".stripped"):
    if os.path.exists(path):
        print(f"image {path}: {os.path.getsize(path)} bytes")
PY

# Boot to first HTTP response: apps/decks on hvt, microvm and q35.
if bin/kiln build -t virtio apps/decks >/dev/null 2>&1; then
	decks_hvt=0
	[ "$have_hvt" = 1 ] && bin/kiln build -t hvt apps/decks >/dev/null 2>&1 && decks_hvt=1
	python3 - "$runs" "$decks_hvt" "$kvm" <<'PY'
import os, socket, statistics, subprocess, sys, tempfile, time

runs, have_hvt, kvm = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3] == "1"

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

def get_status(port):
    """GET / on 127.0.0.1:port; the HTTP status, or None."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            line = s.makefile("rb").readline().split()
            return int(line[1]) if len(line) > 1 else None
    except (OSError, ValueError):
        return None

def measure(cmd, port):
    """Milliseconds from process start to the first console line and to
    the first 200 answer to GET /. The GET is sent once the console says
    the server listens (before that there is nothing to answer it, and a
    connection libslirp accepts early would only wait on TCP's retries);
    the figure is still counted from process start."""
    with tempfile.TemporaryFile("w+") as log:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                             stderr=subprocess.DEVNULL)
        try:
            first = None
            deadline = t0 + 60
            while time.perf_counter() < deadline:
                log.seek(0)
                text = log.read()
                if first is None and text:
                    first = (time.perf_counter() - t0) * 1000
                if "listening on" in text:
                    break
                if p.poll() is not None:
                    raise SystemExit(f"{cmd}: exited {p.returncode}: {text[-300:]}")
                time.sleep(0.001)
            else:
                raise SystemExit(f"{cmd}: not listening after 60 s: {text[-300:]}")
            while get_status(port) != 200:
                if time.perf_counter() > deadline:
                    raise SystemExit(f"{cmd}: GET / never returned 200")
                time.sleep(0.005)
            return first, (time.perf_counter() - t0) * 1000
        finally:
            p.terminate()
            p.wait()

def series(make_cmd):
    firsts, https = [], []
    for i in range(runs + 1):
        port = free_port()
        f, h = measure(make_cmd(port), port)
        if i:  # the first run warms the page cache
            firsts.append(f)
            https.append(h)
    return firsts, https

def fmt(xs):
    return f"{statistics.median(xs):7.1f} ms ({min(xs):.1f}..{max(xs):.1f})"

def fwd(port):
    return f"user,hostfwd=tcp:127.0.0.1:{port}-:80"

rows = []
if have_hvt:
    rows.append(("hvt (kiln-hvt, KVM)", series(lambda port: [
        "bin/kiln-hvt", "--net", fwd(port), "apps/decks/_build/hvt/decks"])))
accel = "kvm" if kvm else "tcg"
env = dict(os.environ, KILN_ACCEL=accel)
for m in ("microvm", "q35"):
    rows.append((f"virtio {m}, {accel.upper()}", series(lambda port, m=m: [
        "platform/virtio/launch", "--machine", m, "--net", fwd(port),
        "apps/decks/_build/virtio/decks"])))

print()
print(f"boot of apps/decks to first HTTP response (GET / 200 on a forwarded "
      f"port), {runs} runs each: median (min..max)")
print(f"{'configuration':28} {'first line':>28} {'GET / 200':>28}  ratio to hvt (first, 200)")
base = rows[0][1] if have_hvt else None
for name, (firsts, https) in rows:
    ratio = ""
    if base:
        ratio = (f"  x{statistics.median(firsts) / statistics.median(base[0]):.1f}, "
                 f"x{statistics.median(https) / statistics.median(base[1]):.1f}")
    print(f"{name:28} {fmt(firsts):>28} {fmt(https):>28}{ratio}")
print()
for t in ("virtio", "hvt"):
    for path in (f"apps/decks/_build/{t}/decks", f"apps/decks/_build/{t}/decks.stripped"):
        if os.path.exists(path):
            print(f"image {path}: {os.path.getsize(path)} bytes")
PY
else
	echo "apps/decks does not build here: no boot-to-HTTP figures"
fi

# Round trips to apps/echo.
bin/kiln build -t virtio apps/echo >/dev/null || exit 0
[ "$have_hvt" = 1 ] && bin/kiln build -t hvt apps/echo >/dev/null
python3 - "$have_hvt" <<'PY'
import os, socket, statistics, subprocess, sys, time

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

def bulk(s, n=16 << 20):
    import threading
    data = b"x" * n
    got = [0]
    def reader():
        while got[0] < n:
            c = s.recv(1 << 20)
            if not c:
                break
            got[0] += len(c)
    t = threading.Thread(target=reader)
    t0 = time.perf_counter()
    t.start()
    s.sendall(data)
    t.join()
    return n / (time.perf_counter() - t0) / 1e6

def rtt(cmd):
    log = open("/tmp/kiln-bench-echo.log", "w+")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            log.seek(0)
            if "serving" in log.read():
                break
            time.sleep(0.1)
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ts = []
        for _ in range(500):
            t0 = time.perf_counter()
            s.sendall(b"x")
            s.recv(16)
            ts.append((time.perf_counter() - t0) * 1e6)
        ts = ts[50:]  # warm-up
        mbs = statistics.median(bulk(s) for _ in range(3))
        s.close()
        return statistics.median(ts), sorted(ts)[int(len(ts) * 0.9)], mbs
    finally:
        p.terminate()
        p.wait()

print()
print("apps/echo over user-mode networking: TCP round trip of 1 byte; 16 MiB echoed")
rows = []
if sys.argv[1] == "1":
    port = free_port()
    rows.append(("hvt (kiln-hvt)", rtt(["bin/kiln-hvt", "--net",
                 f"user,hostfwd=tcp:127.0.0.1:{port}-:7", "apps/echo/_build/hvt/echo"])))
for m in ("microvm", "q35"):
    port = free_port()
    rows.append((f"virtio {m}", rtt(["platform/virtio/launch", "--machine", m, "--net",
                 f"user,hostfwd=tcp:127.0.0.1:{port}-:7", "apps/echo/_build/virtio/echo"])))
base, base_mbs = rows[0][1][0], rows[0][1][2]
for name, (med, p90, mbs) in rows:
    print(f"{name:28} rtt median {med:6.0f} us  p90 {p90:6.0f} us  x{med / base:.2f}"
          f"   echo {mbs:6.1f} MB/s  x{mbs / base_mbs:.2f}")
PY
