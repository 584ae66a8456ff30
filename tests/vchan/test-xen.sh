#!/usr/bin/env bash
# vchan on Xen (docs/vchan.md), in one nested boot (Xen 4.17 and a Linux
# dom0 under QEMU TCG, platform/xen/launch --dom0-only): two Kiln domUs
# streaming 64 MiB each way (SHA-256 on both sides); dom0's
# vchan-socket-proxy (Linux's libxenvchan) as a client of a Kiln server
# and as the server of a Kiln client; a client leaving mid-stream, a
# client domain destroyed mid-stream, a client writing a garbage index:
# each reported, the server serving on. tests/vchan/dom0-vchan.sh does
# the work in dom0.
# timeout: 1100
# Known problem (docs/vchan.md): now and then a Kiln endpoint stops making
# progress here (a client blocked with nothing printed, or the server no
# longer serving), in about a third of the runs on a loaded host and once
# alone. Until that is found and fixed the script runs in make test-long
# (KILN_TEST_LONG=1) and the suite says so with a SKIP line; a failed
# case reports the client's xl state, console and xenstore entries.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
if [ "${KILN_TEST_LONG:-0}" != 1 ]; then
	skip "vchan on xen" "a known stall of Kiln's vchan endpoints under nested Xen (docs/vchan.md, Known problems); run by make test-long"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "vchan on xen" "qemu-system-x86_64 not installed"
	exit 0
fi
proxy=/usr/lib/xen-4.17/bin/vchan-socket-proxy
lib=$(ldd "$proxy" 2>/dev/null | awk '/libxenvchan/ { print $3 }')
if [ ! -e /usr/include/xen/xen.h ] || ! command -v xl >/dev/null || [ -z "$lib" ]; then
	skip "vchan on xen" "Xen's headers, tools or vchan-socket-proxy are missing (libxen-dev, xen-utils-4.17)"
	exit 0
fi
tmp=$(scratch)
on_exit "rm -rf '$tmp'"
mkdir -p "$ROOT/_build/tests"
for a in apps/vchan-echo apps/vchan-client tests/vchan/apps/vchan-hostile; do
	"$KILN" build -t xen "$a" >"$tmp/build.log" 2>&1 ||
		{ fail "build $a for xen" "$(tail -3 "$tmp/build.log")"; finish; }
done
cp apps/vchan-echo/_build/xen/vchan-echo.stripped "$tmp/echo"
cp apps/vchan-client/_build/xen/vchan-client.stripped "$tmp/client"
cp tests/vchan/apps/vchan-hostile/_build/xen/vchan-hostile.stripped "$tmp/hostile"
cp "$proxy" "$tmp/vchan-socket-proxy"
cp "$(readlink -f "$lib")" "$tmp/$(basename "$lib")"
# XSAVE off in the nested CPU: see tests/vchan/qemu-no-xsave.
KILN_QEMU="$ROOT/tests/vchan/qemu-no-xsave" \
	timeout --kill-after=10 1000 platform/xen/launch --dom0-only --mem 192M \
	--dom0-script tests/vchan/dom0-vchan.sh \
	--dom0-file "$tmp/echo" --dom0-file "$tmp/client" --dom0-file "$tmp/hostile" --dom0-file tests/vchan/dom0-domains.sh \
	--dom0-file "$tmp/vchan-socket-proxy" --dom0-file "$tmp/$(basename "$lib")" \
	--dom0-out "$tmp/out" --xen-log "$ROOT/_build/tests/vchan-xen.log" "$tmp/echo" \
	>"$tmp/launch.out" 2>"$tmp/launch.err" </dev/null
rc=$?
n=0
while read -r _ name verdict detail; do
	n=$((n + 1))
	if [ "$verdict" = ok ]; then
		pass "xen: $name: $detail"
	else
		fail "xen: $name" "$detail"
	fi
done < <(grep '^RESULT ' "$tmp/out" 2>/dev/null)
if [ $rc -ne 0 ] || [ $n -lt 8 ]; then
	fail "xen: the nested run" "status $rc, $n results; $(tail -3 "$tmp/launch.err" | tr '\n' '|') $(grep '^con srv' "$tmp/out" | tail -5 | tr '\n' '|')"
fi
if grep -q '^con .*\(kiln: abort\|guest fault\|panic\)' "$tmp/out"; then
	fail "xen: no guest crashed" "$(grep -m3 '^con .*\(abort\|fault\|panic\)' "$tmp/out" | tr '\n' '|')"
fi
mkdir -p "$ROOT/_build/tests"
cp "$tmp/out" "$ROOT/_build/tests/vchan-xen-dom0.out" 2>/dev/null
finish
