#!/usr/bin/env bash
# kiln-hvt's I/O thread (--io-thread; docs/hvt.md, "Served rings"): on a tap in a
# namespace, frames a guest queues are taken while the guest runs (no exit
# per frame), and a guest that breaks its rings while the thread serves
# them, and never exits again itself, is stopped with a fault report that
# names the ring (exit 255): the thread checks what it reads, stops the
# running vCPU and the monitor stays whole. Also the seccomp allow-list
# with a tap: exactly what docs/hvt.md adds for the thread.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/guest.sh"
cd "$ROOT"
have_kvm || {
	skip "hvt served rings" "no usable /dev/kvm ($KVM_WHY)"
	exit 0
}
have_netns || {
	skip "hvt served rings" "$NETNS_WHY"
	exit 0
}
[ -x "$KILN_HVT" ] && [ -x "$KILN_HVT_TEST" ] || make -s bin/kiln-hvt bin/kiln-hvt-test || { fail "build kiln-hvt"; finish; }
tmp=$(scratch)
build_guest tests/hvt/guests/ringrace.host "$tmp/ringrace" || { fail "build ringrace"; finish; }
ns="kiln-hvts-$$"
make_netns "$ns"
ip -n "$ns" tuntap add dev ktap0 mode tap
ip -n "$ns" link set ktap0 up
x="ip netns exec $ns"

# Without --io-thread (the default for now) nothing is served: the guest
# says so with exit 3.
timeout 20 $x "$KILN_HVT" --net tap,ifname=ktap0 "$tmp/ringrace" -- ok 1 >/dev/null 2>&1
check "without --io-thread the area is not served" test $? -eq 3

# Frames taken while the guest spins on the consumer index: all arrive,
# with far fewer exits than frames (a flush exit only where the thread
# had gone to sleep).
n=2000
timeout 20 $x python3 tests/hvt/frames.py listen ktap0 $n "$tmp/listening" >"$tmp/host" 2>&1 &
lpid=$!
on_exit "kill $lpid 2>/dev/null"
wait_for 5 test -e "$tmp/listening"
out=$(timeout 20 $x "$KILN_HVT" --io-thread --stats --net tap,ifname=ktap0 "$tmp/ringrace" -- ok $n 2>&1)
rc=$?
wait $lpid
lrc=$?
exits=$(sed -n 's/^kiln-hvt: \([0-9]*\) exits.*/\1/p' <<<"$out")
if [ $rc -eq 0 ] && [ $lrc -eq 0 ] && grep -q "frames: $n out" <<<"$out" &&
	[ -n "$exits" ] && [ "$exits" -lt $((n / 4)) ]; then
	pass "served ring: $n frames sent by the I/O thread, $exits exits in all; host: $(cat "$tmp/host")"
else
	fail "served ring" "rc=$rc listener=$lrc exits=$exits host=[$(cat "$tmp/host")] out=[$out]"
fi

# Broken while served; the guest spins and never exits: the report must
# come from the thread, through the stopped vCPU.
for what in tx-ahead tx-long scribble; do
	err=$(timeout 20 $x "$KILN_HVT" --io-thread --stats --net tap,ifname=ktap0 "$tmp/ringrace" -- $what 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 255 ] &&
		grep -q "^kiln-hvt: guest fault: net0: transmit ring: .* at rip 0x" <<<"$err" &&
		! grep -q "exits:.* yield" <<<"$err" &&
		! grep -qi 'sanitizer\|segmentation\|blocked system call' <<<"$err"; then
		pass "ring broken while served, '$what': $(grep 'guest fault' <<<"$err")"
	else
		fail "ring broken while served, '$what'" "rc=$rc err=[$err]"
	fi
done

# The receive ring's consumer index broken, then frames from the host.
timeout 20 $x "$KILN_HVT" --io-thread --net tap,ifname=ktap0 "$tmp/ringrace" -- rx-ahead >"$tmp/out" 2>&1 &
gpid=$!
on_exit "kill $gpid 2>/dev/null"
wait_for 10 grep -q '^ready' "$tmp/out"
$x python3 tests/hvt/frames.py send ktap0 3 0
wait $gpid
rc=$?
if [ $rc -eq 255 ] &&
	grep -q "^kiln-hvt: guest fault: net0: receive ring: consumer index 4096 .* at rip 0x" "$tmp/out" &&
	! grep -qi 'sanitizer\|segmentation\|blocked system call' "$tmp/out"; then
	pass "receive ring broken while served: $(grep 'guest fault' "$tmp/out")"
else
	fail "receive ring broken while served" "rc=$rc out=[$(cat "$tmp/out")]"
fi

# seccomp with a tap: the thread adds futex, sched_yield and tgkill (docs/hvt.md's
# paragraph on the I/O thread), nothing else; and the filter is on in
# both threads while the guest runs.
filter_syscalls() {
	KILN_HVT_SECCOMP_EXPORT=1 timeout 20 $x "$KILN_HVT_TEST" --io-thread "$@" "$tmp/ringrace" -- ok 0 |
		sed -n 's/^ *# filter for syscall "\([a-z_0-9]*\)".*/\1/p' | sort -u
}
added=$(comm -13 <(filter_syscalls) <(filter_syscalls --net tap,ifname=ktap0) | tr '\n' ' ')
doc=$(sed -n '/^Added with a tap device and the I\/O thread/,/^$/p' docs/hvt.md | grep -o '`[a-z_0-9]*`' | tr -d '`' | sort -u | tr '\n' ' ')
# (ip netns exec execs the monitor: $! is its pid.)
$x "$KILN_HVT" --io-thread --net tap,ifname=ktap0 "$tmp/ringrace" -- spin >"$tmp/spin" 2>&1 &
spid=$!
on_exit "kill $spid 2>/dev/null"
modes=""
for _ in $(seq 50); do
	modes=$(for t in /proc/$spid/task/*; do sed -n 's/^Seccomp:[[:space:]]*//p' "$t/status"; done 2>/dev/null | tr '\n' ' ')
	# Every thread (the vCPU's, the I/O thread, any of the runtime's).
	[ "$(wc -w <<<"$modes")" -ge 2 ] && [ -z "$(tr -d ' 2' <<<"$modes")" ] && break
	sleep 0.05
done
kill $spid 2>/dev/null
if [ "$added" = "futex sched_yield tgkill " ] && [ "$doc" = "$added" ] &&
	[ "$(wc -w <<<"$modes")" -ge 2 ] && [ -z "$(tr -d ' 2' <<<"$modes")" ]; then
	pass "seccomp with a tap: adds [$added] as docs/hvt.md says; both threads confined"
else
	fail "seccomp with a tap" "added=[$added] doc=[$doc] per-thread Seccomp=[$modes]"
fi
finish
