#!/usr/bin/env bash
# Boot-time benchmark of the aarch64 targets beside x86: time from
# starting the launcher to the guest's first console line and to its
# exit, for apps/hello on arm64 (QEMU virt, GICv2 and GICv3), rpi3 (QEMU
# raspi3b) and virtio (QEMU microvm), all under TCG in the same run; then
# the image sizes of apps/hello and apps/decks per architecture.
#
#   bench/arm64/run.sh [RUNS]      (default 10 runs per configuration)
#
# apps/hello sleeps 3 x 100 ms before exiting on every target alike, so
# "exit" is at least 300 ms. Prints medians and spreads (min..max).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
runs=${1:-10}
for q in qemu-system-aarch64 qemu-system-x86_64; do
	command -v $q >/dev/null || { echo "no $q"; exit 1; }
done
make -s programs >/dev/null
for t in arm64 rpi3 virtio; do
	bin/kiln build -t $t apps/hello >/dev/null
done

# The machine's load matters under TCG: say what it was.
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
python3 - "$runs" <<'PY'
import os, statistics, subprocess, sys, time

runs = int(sys.argv[1])
env = dict(os.environ, KILN_ACCEL="tcg")

def measure(cmd):
    """Milliseconds to the first stdout line and to exit."""
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
    return first * 1000, end * 1000

def series(cmd):
    measure(cmd)  # warm the page cache
    firsts, ends = zip(*(measure(cmd) for _ in range(runs)))
    return firsts, ends

def fmt(xs):
    return f"{statistics.median(xs):7.1f} ms ({min(xs):.1f}..{max(xs):.1f})"

configs = [
    ("arm64, QEMU virt (GICv2)", ["platform/arm64/launch", "apps/hello/_build/arm64/hello"]),
    ("arm64, QEMU virt (GICv3)", ["platform/arm64/launch", "--machine", "virt-gicv3",
                                  "apps/hello/_build/arm64/hello"]),
    ("rpi3, QEMU raspi3b", ["platform/rpi3/launch", "apps/hello/_build/rpi3/hello"]),
    ("virtio, QEMU microvm", ["platform/virtio/launch", "--machine", "microvm",
                              "apps/hello/_build/virtio/hello"]),
]
print(f"boot of apps/hello under TCG, {runs} runs each: median (min..max)")
print(f"{'configuration':28} {'first line':>28} {'exit':>28}")
for name, cmd in configs:
    firsts, ends = series(cmd)
    print(f"{name:28} {fmt(firsts):>28} {fmt(ends):>28}")
PY

echo
echo "image sizes (bytes): ELF as built / stripped ELF / raw kernel8.img"
printf '%-8s %-8s %-7s %10s %10s %10s\n' app target arch built stripped raw
for app in hello decks; do
	for t in virtio hvt arm64 rpi3; do
		[ -d "platform/$t" ] || continue
		bin/kiln build -t $t apps/$app >/dev/null 2>&1 || continue
		b=apps/$app/_build/$t/$app
		arch=x86_64
		case $t in arm64 | rpi3) arch=aarch64 ;; esac
		raw=-
		[ -f "$(dirname "$b")/kernel8.img" ] && raw=$(stat -c %s "$(dirname "$b")/kernel8.img")
		printf '%-8s %-8s %-7s %10s %10s %10s\n' "$app" "$t" "$arch" \
			"$(stat -c %s "$b")" "$(stat -c %s "$b.stripped")" "$raw"
	done
done
