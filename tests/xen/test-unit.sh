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

xs="platform/xen/xenstore.c platform/xen/xs_msg.c platform/xen/xs_ring.c"
fe="platform/xen/xs_frontend.c"
declare -A sources=(
	[unit_xenstore]="$xs"
	[unit_netfront]="$xs $fe platform/xen/netfront.c"
	[unit_blkfront]="$xs $fe platform/xen/blkfront.c"
)
for t in unit_xenstore unit_netfront unit_blkfront; do
	[ -e "tests/xen/$t.c" ] || continue
	# shellcheck disable=SC2086
	if ! cc -std=c11 -D_GNU_SOURCE -DKILN_FUZZ -g -O1 -Wall -Wextra -Werror \
		-fsanitize=address,undefined -fno-sanitize-recover=all -Iinclude \
		"tests/xen/$t.c" tests/xen/fake_xen.c ${sources[$t]} \
		-o "$out/$t" >"$out/$t.build.log" 2>&1; then
		fail "xen $t builds" "$(head -20 "$out/$t.build.log")"
		continue
	fi
	"$out/$t" || TEST_FAILS=$((TEST_FAILS + 1))
done

# The same files as the target compiles them: its cc and cflags (from
# kiln.target), -nostdinc with rt's libc headers, Xen's headers through a
# folder holding only xen/.
target=platform/xen/kiln.target
if [ ! -e "$target" ]; then
	skip "xen protocol code compiles freestanding" "no $target yet"
	finish
fi
cflags=$(sed -n 's/^cflags = //p' "$target" | head -1)
cflags=${cflags//\{platform\}/platform/xen}
cflags=${cflags//\{root\}/.}
xinc="$out/xen-include"
mkdir -p "$xinc"
ln -sfn /usr/include/xen "$xinc/xen"
gccinc=$(gcc -print-file-name=include)
ok=true
for f in $xs $fe platform/xen/netfront.c platform/xen/blkfront.c; do
	[ -e "$f" ] || continue
	# shellcheck disable=SC2086
	if ! gcc $cflags -nostdinc -isystem "$gccinc" -Ilib/rt/libc/include \
		-Iinclude -I"$xinc" -c "$f" -o "$out/$(basename "$f" .c).o" \
		>"$out/freestanding.log" 2>&1; then
		fail "xen protocol code compiles freestanding" \
			"$f: $(head -10 "$out/freestanding.log")"
		ok=false
		break
	fi
done
$ok && pass "xen protocol code compiles freestanding with the target's flags"
finish
