#!/usr/bin/env bash
# The portable unit tests built for aarch64 and run under QEMU's user-mode
# emulator (qemu-aarch64): lib/rt on its fake platform (timers, fibers on
# the aarch64 switch, wait queues, join, the loop, boot arguments, exits,
# panics, the deadlock report), lib/rt/libc's string, heap and printf
# tests, lib/net's wire and stack tests, TCP's unit tests (SYN cookies
# too) and host/'s option parser: their own manifests, cross-built by
# kiln build --cross aarch64-linux-gnu-gcc,
# static, with UBSan trapping (the cross toolchain here has no ASan
# runtime).
# timeout: 600
# lane: tcg
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
CC=aarch64-linux-gnu-gcc
command -v $CC >/dev/null || { skip "aarch64 unit tests" "$CC not installed (Debian: gcc-aarch64-linux-gnu)"; exit 0; }
QEMU=qemu-aarch64
command -v $QEMU >/dev/null || QEMU=qemu-aarch64-static
command -v $QEMU >/dev/null || { skip "aarch64 unit tests" "qemu-aarch64 not installed (Debian: qemu-user)"; exit 0; }
mkdir -p "$ROOT/_build/tests"
out=$(mktemp -d "$ROOT/_build/tests/aarch64.XXXXXX")
on_exit "rm -rf '$out'"

# build NAME MANIFEST: the x86_64 test's own manifest, cross-built by kiln
# (kiln build --cross: static, UBSan trapping in place of ASan and UBSan)
# and copied to $out/NAME; false (after a FAIL) if it does not build.
build() {
	local name=$1 m=$2 prog
	prog="$ROOT/_build/host-cross/$CC/${m%.host}/$(basename "${m%.host}")"
	if ! "$KILN" build --cross $CC "$m" >"$out/$name.build" 2>&1; then
		fail "aarch64 $name: build" "$(grep -v '^  ' "$out/$name.build" | head -5 | tr '\n' '|')"
		return 1
	fi
	cp "$prog" "$out/$name"
	file "$out/$name" | grep -q 'ARM aarch64' || { fail "aarch64 $name" "not an aarch64 binary"; return 1; }
}

# lines NAME LOG: the test's own ok/not ok or PASS/FAIL lines, prefixed.
lines() {
	sed -n -e "s/^ok \(.*\)/PASS: aarch64 $1: \1/p;t" \
		-e "s/^not ok \(.*\)/FAIL: aarch64 $1: \1/p;t" \
		-e "s/^PASS: \(.*\)/PASS: aarch64 $1: \1/p;t" \
		-e "s/^FAIL: \(.*\)/FAIL: aarch64 $1: \1/p" "$2"
	grep -qE '^(not ok|FAIL)' "$2" && TEST_FAILS=$((TEST_FAILS + 1))
	return 0
}

# --- lib/rt ------------------------------------------------------------------
if build rt_test tests/rt/rt_test.host; then
	for t in timers fibers waitq join loop misc; do
		timeout 60 $QEMU "$out/rt_test" $t >"$out/rt-$t.log" 2>&1
		rc=$?
		lines "rt $t" "$out/rt-$t.log"
		[ $rc -eq 0 ] || fail "aarch64 rt $t" "status $rc: $(tail -3 "$out/rt-$t.log" | tr '\n' '|')"
	done
	timeout 60 $QEMU "$out/rt_test" main-returns >"$out/rt-main.log" 2>&1
	rc=$?
	[ $rc -eq 5 ] && [ "$(tr '\n' '|' <"$out/rt-main.log")" = "exit hook 2|exit hook 1|" ] &&
		pass "aarch64 rt: kiln_main's status ends the image, exit hooks last first" ||
		fail "aarch64 rt main-returns" "status $rc"
	timeout 60 $QEMU "$out/rt_test" deadlock >"$out/rt-deadlock.log" 2>&1
	rc=$?
	[ $rc -eq 255 ] && grep -q 'deadlock: all fibers blocked forever$' "$out/rt-deadlock.log" &&
		pass "aarch64 rt: deadlock reported" || fail "aarch64 rt deadlock" "status $rc"
	timeout 60 $QEMU "$out/rt_test" args --alpha --beta=7 --gamma=0x10 word1 --name=x >"$out/rt-args.log" 2>&1 &&
		lines "rt args" "$out/rt-args.log" || fail "aarch64 rt args" "$(tail -3 "$out/rt-args.log")"
fi

# --- lib/rt/libc -------------------------------------------------------------
for t in string heap printf; do
	# The heap's stress test checks every byte it wrote: a fifth of its
	# steps, so that the emulator takes seconds, not a minute.
	args=
	[ $t = heap ] && args=20000
	build "libc_$t" "tests/rt-libc/${t}_test.host" || continue
	timeout 120 $QEMU "$out/libc_$t" $args >"$out/libc_$t.log" 2>&1
	rc=$?
	lines "libc $t" "$out/libc_$t.log"
	[ $rc -eq 0 ] || fail "aarch64 libc $t" "status $rc: $(tail -3 "$out/libc_$t.log" | tr '\n' '|')"
done

# --- lib/net and TCP -----------------------------------------------------------
for t in wire_test stack_test; do
	build "$t" "tests/net/$t.host" || continue
	timeout 120 $QEMU "$out/$t" >"$out/$t.log" 2>"$out/$t.stderr"
	rc=$?
	lines "net" "$out/$t.log"
	[ $rc -eq 0 ] || fail "aarch64 net $t" "status $rc: $(tail -3 "$out/$t.stderr" | tr '\n' '|')"
done
if build tcp_unit tests/tcp/unit.host; then
	timeout 400 $QEMU "$out/tcp_unit" >"$out/tcp.log" 2>"$out/tcp.stderr"
	rc=$?
	lines "tcp" "$out/tcp.log"
	[ $rc -eq 0 ] || fail "aarch64 tcp unit tests" "status $rc: $(grep -E 'check failed|panic' "$out/tcp.stderr" | head -3 | tr '\n' '|')"
fi
if build tcp_syncookie tests/tcp/syncookie.host; then
	timeout 120 $QEMU "$out/tcp_syncookie" >"$out/syncookie.log" 2>"$out/syncookie.stderr"
	rc=$?
	lines "tcp" "$out/syncookie.log"
	[ $rc -eq 0 ] || fail "aarch64 tcp syncookie tests" "status $rc: $(grep -E 'check failed|panic' "$out/syncookie.stderr" | head -3 | tr '\n' '|')"
fi

# --- host/ ---------------------------------------------------------------
if build hostopt_test tests/rt/hostopt_test.host; then
	timeout 30 $QEMU "$out/hostopt_test" >"$out/hostopt.log" 2>&1
	rc=$?
	lines "hostopt" "$out/hostopt.log"
	[ $rc -eq 0 ] || fail "aarch64 hostopt" "status $rc"
fi
finish
