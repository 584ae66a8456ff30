#!/usr/bin/env bash
# kiln-hvt's frame rings under floods (docs/hvt.md, "Frames ride on the
# yield"): a guest writing more frames at once than its transmit ring holds
# loses none (counted on the host side of a tap in a namespace, including
# the frames still queued when it exits), and a burst larger than the
# receive ring, piled up while the guest is busy, arrives whole and in
# order, and a frame longer than the MTU is dropped and counted.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/guest.sh"
cd "$ROOT"
have_kvm || {
	skip "hvt frames" "no usable /dev/kvm ($KVM_WHY)"
	exit 0
}
have_netns || {
	skip "hvt frames" "$NETNS_WHY"
	exit 0
}
[ -x "$KILN_HVT" ] || make -s bin/kiln-hvt || { fail "build kiln-hvt"; finish; }
img=$(build_app tests/hvt/apps/frames) || { fail "build hvtframes"; finish; }
tmp=$(scratch)
ns="kiln-hvtf-$$"
make_netns "$ns"
ip -n "$ns" tuntap add dev ktap0 mode tap
ip -n "$ns" link set ktap0 up
x="ip netns exec $ns"

# More than three rings' worth (HVT_NET_RING_SIZE is 1 MiB, 682 records
# of 1514-byte frames) in one batch call.
n=2500
timeout 20 $x python3 tests/hvt/frames.py listen ktap0 $n "$tmp/listening" >"$tmp/host" 2>&1 &
lpid=$!
on_exit "kill $lpid 2>/dev/null"
wait_for 5 test -e "$tmp/listening"
out=$(timeout 20 $x "$KILN_HVT" --stats --net tap,ifname=ktap0 "$img" -- --send=$n --len=1514 2>&1)
rc=$?
wait $lpid
lrc=$?
flushes=$(grep -o 'net flush [0-9]*' <<<"$out" | awk '{ print $3 }')
# Without the I/O thread, three full rings flushed by exits, the rest by
# the exit; with it (a tap's ring is served), the thread drains the ring
# while the guest writes, and a full one makes the write wait for it.
served=no
grep -q '^kiln-hvt: I/O thread:' <<<"$out" && served=yes
if [ $rc -eq 0 ] && [ $lrc -eq 0 ] && grep -q "^sent $n$" <<<"$out" &&
	grep -q "frames: $n out" <<<"$out" &&
	{ [ $served = yes ] || [ "${flushes:-0}" -ge 3 ]; }; then
	pass "transmit flood: $n frames in one write, ${flushes:-0} flush exits (served: $served); host: $(cat "$tmp/host")"
else
	fail "transmit flood" "rc=$rc listener=$lrc host=[$(cat "$tmp/host")] out=[$out]"
fi

# More than a ring's worth while the guest is busy and reads nothing
# (within the tap's queue of 1000).
n=900
timeout 20 $x "$KILN_HVT" --stats --net tap,ifname=ktap0 "$img" -- \
	--receive=$n --busy-ms=700 >"$tmp/out" 2>&1 &
gpid=$!
on_exit "kill $gpid 2>/dev/null"
wait_for 10 grep -q '^ready' "$tmp/out"
sleep 0.1
$x python3 tests/hvt/frames.py send ktap0 $n 0 1514
wait $gpid
rc=$?
out=$(cat "$tmp/out")
if [ $rc -eq 0 ] && grep -q "^received $n of $n, 0 out of order" <<<"$out" &&
	grep -q " 0 dropped in," <<<"$out"; then
	pass "receive overflow: $n frames piled up, all read in order ($(grep -o '[0-9]* waits, [0-9]* skipped' <<<"$out"))"
else
	fail "receive overflow" "rc=$rc out=[$out]"
fi

# A frame longer than the MTU (the tap's MTU raised behind the guest's
# back): dropped and counted by the monitor, the frames after it arrive.
ip -n "$ns" link set ktap0 mtu 9000
timeout 20 $x "$KILN_HVT" --stats --net tap,ifname=ktap0 "$img" -- \
	--receive=5 --busy-ms=200 >"$tmp/out" 2>&1 &
gpid=$!
on_exit "kill $gpid 2>/dev/null"
wait_for 10 grep -q '^ready' "$tmp/out"
$x python3 tests/hvt/frames.py send ktap0 5 3000
wait $gpid
rc=$?
out=$(cat "$tmp/out")
if [ $rc -eq 0 ] && grep -q "^received 5 of 5, 0 out of order" <<<"$out" &&
	grep -q " 1 dropped in," <<<"$out"; then
	pass "a 3000-byte frame: dropped and counted, the 5 after it read"
else
	fail "oversized frame" "rc=$rc out=[$out]"
fi
finish
