#!/usr/bin/env bash
# Boot figures of the xen target under nested Xen (Xen 4.17 and a Linux
# dom0 in QEMU TCG, platform/xen/launch): in ONE nested boot, time from
# `xl create` to the guest's first console line, to the domain existing,
# and to the guest's exit, for a Kiln hello image side by side with a
# Linux PVH domU (Debian's kernel; its init prints one line and powers
# off); and the images' sizes. Printed figures, not a test.
#
#   bench/xen/run.sh [IMAGE] [RUNS]
#
# IMAGE defaults to apps/hello/_build/xen/hello (bin/kiln build -t xen
# apps/hello); RUNS (default 3) creations of each guest, one after the
# other. Times are dom0's uptime (10 ms steps), so the boot of Xen and
# dom0 themselves (about 7-10 s) is not in them; it is printed apart.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
image=${1:-apps/hello/_build/xen/hello}
runs=${2:-3}
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench/xen: RUNS must be a positive number" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "bench/xen: no qemu-system-x86_64" >&2; exit 1; }
if [ ! -f "$image" ] && [ "$image" = apps/hello/_build/xen/hello ]; then
	bin/kiln build -t xen apps/hello >/dev/null 2>&1 || true
fi
[ -f "$image" ] || { echo "bench/xen: no Kiln image $image (bin/kiln build -t xen apps/hello)" >&2; exit 1; }
nested=_build/xen-nested
platform/xen/nested/build.sh "$nested" || exit 1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gzip -1nc "$nested/vmlinux" >"$tmp/vmlinux.gz"
tests/xen/nested/mkdomu.sh "$nested" tests/xen/nested/domu-init "$tmp/domu.cpio.gz" || exit 1
cp "$image" "$tmp/kiln"
kargs="console=hvc0 rdinit=/init quiet loglevel=2 mitigations=off init_on_alloc=0 cryptomgr.notests pci=off kiln.mode=hello"
{
	echo "kiln kiln - 64"
	echo "linux vmlinux.gz domu.cpio.gz 160 $kargs"
} >"$tmp/guests"
echo "$runs" >"$tmp/runs"

echo "== xen: nested boot, $runs creations of each guest (load average $(cut -d' ' -f1-3 /proc/loadavg))"
t0=$(date +%s.%N)
platform/xen/launch --dom0-only --dom0-script bench/xen/dom0-bench.sh --timings \
	--dom0-file "$tmp/guests" --dom0-file "$tmp/runs" --dom0-file "$tmp/kiln" \
	--dom0-file "$tmp/vmlinux.gz" --dom0-file "$tmp/domu.cpio.gz" \
	--dom0-out "$tmp/out" --xen-log "$tmp/xen.log" "$tmp/kiln" 2>"$tmp/err" </dev/null
rc=$?
t1=$(date +%s.%N)
if [ $rc -ne 0 ]; then
	echo "bench/xen: the nested run failed (status $rc):" >&2
	tail -5 "$tmp/err" "$tmp/out" >&2
	exit 1
fi
# Anything else dom0 said (a line that is not a run's figures).
awk 'NF < 6 || $2 !~ /^[0-9]+$/ { print "dom0: " $0 }' "$tmp/out"
up=$(sed -n 's/.*toolstack up \([0-9.]*\).*/\1/p' "$tmp/err")
awk -v t0="$t0" -v t1="$t1" -v up="$up" 'BEGIN {
	printf "QEMU start to dom0 toolstack up: %s s (dom0 uptime); whole nested run: %.1f s\n", up, t1 - t0 }'
awk '
	function med(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	NF >= 6 && $2 ~ /^[0-9]+$/ { n[$1]++; f[$1, n[$1]] = $3; d[$1, n[$1]] = $4; e[$1, n[$1]] = $5; st[$1] = st[$1] " " $6 }
	END {
		printf "%-8s %24s %24s %24s\n", "guest", "xl create -> domain", "-> first console line", "-> exit"
		for (g in n) {
			k = n[g]
			for (i = 1; i <= k; i++) { a[i] = d[g, i]; b[i] = f[g, i]; c[i] = e[g, i] }
			lo1 = hi1 = a[1]; lo2 = hi2 = b[1]; lo3 = hi3 = c[1]
			for (i = 1; i <= k; i++) {
				if (a[i] < lo1) lo1 = a[i]; if (a[i] > hi1) hi1 = a[i]
				if (b[i] < lo2) lo2 = b[i]; if (b[i] > hi2) hi2 = b[i]
				if (c[i] < lo3) lo3 = c[i]; if (c[i] > hi3) hi3 = c[i]
			}
			printf "%-8s %10.2f s (%.2f..%.2f) %10.2f s (%.2f..%.2f) %10.2f s (%.2f..%.2f)   states:%s\n", g,
				med(a, k), lo1, hi1, med(b, k), lo2, hi2, med(c, k), lo3, hi3, st[g]
		}
	}' "$tmp/out"
size() { stat -c %s "$1" 2>/dev/null || echo "?"; }
echo "image sizes (bytes):"
printf '  %-40s %10s\n' "Kiln $image" "$(size "$image")"
[ -f "$image.stripped" ] && printf '  %-40s %10s\n' "Kiln $image.stripped" "$(size "$image.stripped")"
printf '  %-40s %10s\n' "Linux bzImage (vmlinuz)" "$(size "$nested/vmlinuz")"
printf '  %-40s %10s\n' "Linux vmlinux (what xl loads, gunzipped)" "$(size "$nested/vmlinux")"
printf '  %-40s %10s\n' "Linux domU initramfs" "$(size "$tmp/domu.cpio.gz")"

# ---------------------------------------------------------------- HTTP
# Requests per second of apps/decks (GET /, 670 bytes): over netfront in
# the nested Xen, from dom0 on a bridge only dom0 and the guest share
# (bench/xen/dom0-http.sh), beside the virtio target (q35, TCG) through
# kiln-usernet's forward from the host. The client is busybox nc in both
# (dom0's static busybox; wrk is not in dom0): HTTP_N requests with a
# connection each, then 10 x HTTP_N pipelined on one connection. The dom0
# client itself runs under TCG, the host's natively, so the
# connection-per-request figures weigh the client more on xen; the
# pipelined ones are the servers'. KILN_XEN_BENCH_HTTP=0 skips this.
[ "${KILN_XEN_BENCH_HTTP:-1}" = 1 ] || exit 0
n=${HTTP_N:-50}
bb=$nested/dom0/bin/busybox
if ! bin/kiln build -t xen apps/decks >"$tmp/decks-build.log" 2>&1; then
	echo "HTTP: apps/decks does not build for xen: $(tail -1 "$tmp/decks-build.log")"
	exit 0
fi
cp apps/decks/_build/xen/decks "$tmp/decks"
echo "$n" >"$tmp/http-n"
platform/xen/launch --dom0-only --dom0-script bench/xen/dom0-http.sh --dom0-file "$tmp/decks" \
	--dom0-file "$tmp/http-n" --dom0-out "$tmp/http.out" --xen-log "$tmp/xen-http.log" "$tmp/decks" \
	2>"$tmp/http.err" </dev/null
rc=$?
echo "HTTP GET / of apps/decks, $n with a connection each, $((n * 10)) pipelined (busybox nc):"
if [ $rc -ne 0 ]; then
	echo "  xen: the nested run failed (status $rc): $(tail -3 "$tmp/http.out" "$tmp/http.err" | tr '\n' ' ')"
else
	awk '$1 == "http" && ($2 == "sequential" || $2 == "pipelined") {
		printf "  xen (netfront, client in dom0)  %-10s %d/%d ok  %7.1f req/s\n", $2, $4, $3, $4 / ($6 - $5)
	}' "$tmp/http.out"
fi
# virtio, q35 under TCG, the same client on the host through the forward.
port=$((30000 + RANDOM % 20000))
KILN_ACCEL=tcg bin/kiln run -t virtio --machine q35 -p "$port:80" apps/decks >"$tmp/virtio.out" 2>&1 </dev/null &
vpid=$!
get1() {
	printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' |
		timeout 5 "$bb" nc 127.0.0.1 "$port" 2>/dev/null | head -1 | grep -q '^HTTP/1.1 200'
}
up=0
for _ in $(seq 120); do
	get1 && up=1 && break
	kill -0 "$vpid" 2>/dev/null || break
	sleep 0.5
done
if [ $up = 1 ]; then
	ok=0
	t0=$(date +%s.%N)
	for _ in $(seq "$n"); do get1 && ok=$((ok + 1)); done
	t1=$(date +%s.%N)
	awk -v n="$n" -v ok="$ok" -v a="$t0" -v b="$t1" 'BEGIN {
		printf "  virtio (q35 TCG, client on host) %-10s %d/%d ok  %7.1f req/s\n", "sequential", ok, n, ok / (b - a) }'
	: >"$tmp/reqs"
	for _ in $(seq $((n * 10 - 1))); do printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >>"$tmp/reqs"; done
	printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >>"$tmp/reqs"
	t0=$(date +%s.%N)
	ok=$(timeout 120 "$bb" nc 127.0.0.1 "$port" <"$tmp/reqs" | grep -c '^HTTP/1.1 200')
	t1=$(date +%s.%N)
	awk -v n="$((n * 10))" -v ok="$ok" -v a="$t0" -v b="$t1" 'BEGIN {
		printf "  virtio (q35 TCG, client on host) %-10s %d/%d ok  %7.1f req/s\n", "pipelined", ok, n, ok / (b - a) }'
else
	echo "  virtio: apps/decks did not answer: $(tail -2 "$tmp/virtio.out" | tr '\n' ' ')"
fi
kill -TERM "$vpid" 2>/dev/null
wait "$vpid" 2>/dev/null
