#!/usr/bin/env bash
# vchan against TCP between two Kiln domUs on Xen, in one nested boot
# (Xen 4.17 and a Linux dom0 under QEMU TCG: platform/xen/launch
# --dom0-only, bench/vchan/dom0-xen.sh in dom0): throughput (MB, default
# 16 MiB, streamed through apps/vchan-echo) and 1-byte round trips
# (PINGS, default 200), over vchan and over netfront/netback on a dom0
# bridge. Under TCG only the ratio of the two means anything; the raw
# figures are printed beside it, marked so.
#
# usage: bench/vchan/xen.sh      (MB=16 PINGS=200)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v qemu-system-x86_64 >/dev/null || { echo "bench/vchan/xen: no qemu-system-x86_64" >&2; exit 1; }
MB=${MB:-16}
PINGS=${PINGS:-200}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for a in vchan-echo vchan-client; do
	bin/kiln build -t xen "apps/$a" >"$tmp/build.log" 2>&1 ||
		{ echo "bench/vchan/xen: build $a: $(tail -3 "$tmp/build.log")" >&2; exit 1; }
done
cp apps/vchan-echo/_build/xen/vchan-echo.stripped "$tmp/echo"
cp apps/vchan-client/_build/xen/vchan-client.stripped "$tmp/client"
echo "$MB" >"$tmp/mb"
echo "$PINGS" >"$tmp/pings"
# XSAVE off in the nested CPU: see tests/vchan/qemu-no-xsave.
KILN_QEMU="$root/tests/vchan/qemu-no-xsave" \
	timeout 900 platform/xen/launch --dom0-only --mem 256M \
	--dom0-script bench/vchan/dom0-xen.sh \
	--dom0-file "$tmp/echo" --dom0-file "$tmp/client" --dom0-file "$tmp/mb" --dom0-file tests/vchan/dom0-domains.sh \
	--dom0-file "$tmp/pings" --dom0-out "$tmp/out" --xen-log "$tmp/xen.log" \
	"$tmp/echo" 2>"$tmp/err" </dev/null
rc=$?
[ $rc -eq 0 ] || { echo "bench/vchan/xen: the nested run failed (status $rc): $(tail -3 "$tmp/err")" >&2; exit 1; }
grep -v '^\(vchan\|tcp\) ' "$tmp/out" | sed 's/^/dom0: /'
awk -v mb="$MB" -v n="$PINGS" '
	$1 == "vchan" && $2 == "stream" { vr = $3 } $1 == "tcp" && $2 == "stream" { tr = $3 }
	$1 == "vchan" && $2 == "rtt" { vp = $3 } $1 == "tcp" && $2 == "rtt" { tp = $3 }
	END {
		printf "xen (nested, QEMU TCG): %d MiB streamed, %d 1-byte round trips\n", mb, n
		printf "  raw (meaningless under TCG): vchan %s MB/s, p50 %s us; tcp %s MB/s, p50 %s us\n", vr, vp, tr, tp
		if (tr > 0 && tp > 0)
			printf "vchan vs tcp on xen: throughput x%.1f, round trip p50 x%.2f\n", vr / tr, vp / tp
		else
			print "vchan vs tcp on xen: no ratio (a figure is missing)"
	}' "$tmp/out"
