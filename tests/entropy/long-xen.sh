#!/usr/bin/env bash
# platform_entropy() on the xen target (make test-long: a nested Xen boot
# under QEMU TCG takes 20-50 s here, too long for the suite): the guest
# names RDSEED or RDRAND, which CPUID reports, and reports 32 bytes from
# it; with both hidden from the guest's CPUID (xl's cpuid policy,
# KILN_XEN_CPUID=host,rdrand=0,rdseed=0) the boot ends with status 1 and
# the line saying there is no entropy source, as a TLS image does.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "entropy on xen" "qemu-system-x86_64 not installed"
	finish
fi
if [ ! -e /usr/include/xen/xen.h ] || ! command -v xl >/dev/null; then
	skip "entropy on xen" "Xen's headers or tools are missing (libxen-dev, xen-utils-4.17)"
	finish
fi
make -s programs >/dev/null 2>&1 || { fail "make" "the host programs do not build"; finish; }
tmp=$(scratch)
app=tests/entropy/app
if ! "$KILN" build -t xen $app >"$tmp/build" 2>&1; then
	fail "entropy on xen: build" "$(tail -3 "$tmp/build")"
	finish
fi
timeout 400 "$KILN" run -t xen $app >"$tmp/xen" 2>&1 </dev/null
rc=$?
s=$(sed -n 's/^entropy: source //p' "$tmp/xen")
if [ $rc -eq 0 ] && [[ "$s" =~ ^rd(seed|rand)$ ]] &&
	grep -q '^entropy: ok [0-9a-f]\{64\}$' "$tmp/xen" &&
	grep -qx 'random: strong' "$tmp/xen"; then
	pass "entropy on xen from $s (CPUID): 32 bytes; kiln_random seeded from it"
else
	fail "entropy on xen" "rc=$rc: $(tail -5 "$tmp/xen" | tr '\n' '|')"
fi
KILN_XEN_CPUID=host,rdrand=0,rdseed=0 timeout 400 "$KILN" run -t xen $app >"$tmp/none" 2>&1 </dev/null
rc=$?
if [ $rc -eq 1 ] && grep -qx 'entropy: source none' "$tmp/none" &&
	grep -qx 'entropy: no entropy source on this xen (platform_entropy: not supported): refusing to start without one' "$tmp/none"; then
	pass "xen with RDRAND/RDSEED hidden from CPUID: the boot fails (status 1), saying why"
else
	fail "xen without a CPU RNG" "rc=$rc: $(tail -5 "$tmp/none" | tr '\n' '|')"
fi
finish
