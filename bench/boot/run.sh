#!/usr/bin/env bash
# Boot benchmark for kiln-hvt: how long a whole run of a hello image takes
# (process start, KVM setup, boot, kiln_main, exit), side by side with
# /bin/true measured in the same run; exits per boot; the monitor's peak
# RSS; the stripped image's size; the cost of a hypercall exit and of a
# supervisor call (bench/boot/exits.c).
#
# usage: bench/boot/run.sh [RUNS]   (default 50; at least 20)
# Needs /dev/kvm. Not part of the test suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
runs=${1:-50}
[ "$runs" -ge 20 ] || runs=20
[ -r /dev/kvm ] || { echo "bench/boot: no usable /dev/kvm" >&2; exit 1; }
make -s bin/kiln-hvt
app=tests/hvt/apps/hello
bin/kiln build -t hvt "$app" >/dev/null
image="$app/_build/hvt/hvthello"
stripped="$image.stripped"
bin/kiln build -q bench/boot/exits.host
exits=_build/host/bench/boot/exits/exits

python3 - "$runs" "$root/bin/kiln-hvt" "$stripped" <<'PY'
import os, resource, statistics, subprocess, sys, time

runs, hvt, image = int(sys.argv[1]), sys.argv[2], sys.argv[3]

cpu = {}

def once(argv):
    """Wall time of one run in ms; its CPU time (user + system, which
    includes time in the guest) is collected in cpu[argv]."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    t = (time.perf_counter() - t0) * 1000
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"{argv}: exit status {r.returncode}")
    used = (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000
    cpu.setdefault(tuple(argv), []).append(used)
    return t

def stats(times):
    times = sorted(times)
    q = lambda p: times[min(len(times) - 1, int(p * len(times)))]
    return statistics.median(times), q(0.1), q(0.9), times[0], times[-1]

def measure_all(cmds):
    """Run the commands in turn, runs rounds, so that drifts in machine
    load hit all of them alike."""
    times = [[] for _ in cmds]
    for _ in range(runs):
        for i, argv in enumerate(cmds):
            times[i].append(once(argv))
    return [stats(t) for t in times]

def row(name, m):
    med, p10, p90, lo, hi = m
    print(f"  {name:<34} median {med:6.2f} ms   p10 {p10:6.2f}   "
          f"p90 {p90:6.2f}   min {lo:6.2f}   max {hi:6.2f}")

def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])

once([hvt, "--quiet", image, "--", "--quiet"])  # warm the caches
load0 = loadavg()
quiet, loud, true = measure_all([[hvt, "--quiet", image, "--", "--quiet"],
                                 [hvt, image, "--", "one", "two"],
                                 ["/bin/true"]])
# Other work on the 2 shared cores moves these figures a lot (a run
# preempted mid-boot, longer RCU grace periods in KVM's memslot setup):
# read them with the load next to them.
print(f"boot: {runs} runs each; load average {load0} before, "
      f"{loadavg()} after (1, 5, 15 min; 2 cores shared)")
row("kiln-hvt hello, console quiet", quiet)
row("kiln-hvt hello, console on", loud)
row("/bin/true", true)
print(f"  kiln-hvt quiet over /bin/true: {quiet[0] - true[0]:.2f} ms "
      f"({quiet[0] / true[0]:.1f}x)")
print("CPU time per run (user+system, median; less sensitive to load):")
for argv, name in (([hvt, "--quiet", image, "--", "--quiet"],
                    "kiln-hvt hello, console quiet"),
                   (["/bin/true"], "/bin/true")):
    print(f"  {name:<34} {statistics.median(cpu[tuple(argv)]):6.2f} ms")

# Work that grows with guest memory (page tables for all of it).
print("kiln-hvt hello, console quiet, by --mem (median wall / CPU):")
for mem in ("4M", "64M", "1G"):
    argv = [hvt, "--mem", mem, "--quiet", image, "--", "--quiet"]
    t = statistics.median([once(argv) for _ in range(max(10, runs // 3))])
    print(f"  --mem {mem:<5} {t:6.2f} ms / "
          f"{statistics.median(cpu[tuple(argv)]):6.2f} ms")

env = dict(os.environ, KILN_HVT_STATS="1")
r = subprocess.run([hvt, image, "--", "one", "two"], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
print("exits per boot (console on): " + r.stderr.strip().splitlines()[-1])
r = subprocess.run([hvt, "--quiet", image, "--", "--quiet"], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
print("exits per boot (quiet):      " + r.stderr.strip().splitlines()[-1])

r = subprocess.run(["/usr/bin/time", "-f", "%M", hvt, "--quiet", image,
                    "--", "--quiet"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, text=True)
print(f"monitor peak RSS: {int(r.stderr.strip().splitlines()[-1])} KB "
      f"(default --mem 64M)")
print(f"stripped image: {os.path.getsize(image)} bytes ({image})")
PY
echo "cost of one way out of CPL 3 (mean of 2000, by the guest's TSC):"
for _ in 1 2 3; do
	echo "  $(bin/kiln-hvt "$exits")"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores shared)"

# The virtio target's boot figures (first console line and boot to first
# HTTP response on microvm and q35 beside kiln-hvt, image sizes) come from
# bench/virtio/run.sh; KILN_BENCH_VIRTIO=1 runs it here too.
if [ "${KILN_BENCH_VIRTIO:-0}" = 1 ]; then
	echo
	bench/virtio/run.sh 10
else
	echo "virtio boot figures: bench/virtio/run.sh (or KILN_BENCH_VIRTIO=1 $0)"
fi
