#!/usr/bin/env bash
# Host unit tests of the xen target's protocol code (xenstore client,
# netfront, blkfront) against the fake Xen of fake_xen.c (a xenstore
# daemon, netback and blkback in-process), under ASan and UBSan; and a
# compile of the same files as the target builds them (freestanding,
# with rt's libc headers and the target's flags).
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/xen-unit"
mkdir -p "$out"

if [ ! -d /usr/include/xen/io ]; then
	skip "xen unit tests" "no Xen public headers (/usr/include/xen: libxen-dev)"
	finish
fi

for t in unit_xenstore unit_netfront unit_blkfront; do
	if ! prog=$(host_build "tests/xen/$t.host"); then
		fail "xen $t builds" "$(grep -v '^  ' "$(host_log "tests/xen/$t.host")" | head -20)"
		continue
	fi
	"$prog" || TEST_FAILS=$((TEST_FAILS + 1))
done

# The same files as the target compiles them (its cc and cflags, -nostdinc
# with rt's libc headers, its own copy of Xen's public headers): kiln
# builds an image for xen, which has them all.
xen_objects() {
	local f
	for f in xenstore xs_msg xs_ring xs_frontend netfront blkfront; do
		[ -e "apps/hello/_build/xen/obj/platform/xen/$f.o" ] || return 1
	done
}
if "$KILN" build -t xen apps/hello >"$out/freestanding.log" 2>&1 && xen_objects; then
	pass "xen protocol code compiles freestanding with the target's flags"
else
	fail "xen protocol code compiles freestanding" "$(grep -v '^  ' "$out/freestanding.log" | head -10)"
fi
finish
