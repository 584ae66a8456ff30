#!/usr/bin/env bash
# kiln-hvt's network devices: user-mode networking (libslirp) with the
# seccomp filter on, a host port forward, and a tap device inside a
# network namespace the test creates.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/guest.sh"
cd "$ROOT"
have_kvm || {
	skip "hvt net" "no usable /dev/kvm ($KVM_WHY)"
	exit 0
}
[ -x "$KILN_HVT" ] || make -s bin/kiln-hvt || { fail "build kiln-hvt"; finish; }
tmp=$(scratch)
build_guest tests/hvt/guests/netprobe.host "$tmp/netprobe" || { fail "build netprobe"; finish; }

# A free loopback port for the forward.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
timeout 20 "$KILN_HVT" --net "user,hostfwd=tcp:127.0.0.1:$port-:80" \
	"$tmp/netprobe" -- 1500 >"$tmp/out" 2>"$tmp/err" &
pid=$!
on_exit "kill $pid"
wait_for 5 grep -q 'arp reply' "$tmp/out"
# A connection through the forward makes slirp accept and talk to the
# guest, all under seccomp.
(exec 3<>"/dev/tcp/127.0.0.1/$port" && echo hello >&3 && sleep 0.3) 2>/dev/null
connected=$?
wait $pid
rc=$?
if [ $rc -eq 0 ] && grep -q '^arp reply from 198.18.0.1$' "$tmp/out" &&
	[ $connected -eq 0 ] && ! grep -q blocked "$tmp/err"; then
	pass "usernet: ARP through slirp, hostfwd connection, under seccomp"
else
	fail "usernet" "rc=$rc connected=$connected out=[$(cat "$tmp/out")] err=[$(cat "$tmp/err")]"
fi

# The same through platform.h and the runtime's loop (device watch, yield
# ready set, batch reads), started by kiln run (user-mode net by default).
out=$(timeout 30 "$KILN" run -t hvt tests/hvt/apps/arp 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q '^arp reply from 198.18.0.1$' <<<"$out"; then
	pass "kiln run -t hvt: platform net calls and the runtime's loop"
else
	fail "kiln run arp app" "rc=$rc out=[$out]"
fi

if have_netns; then
	ns="kiln-hvt-$$"
	make_netns "$ns"
	ip -n "$ns" tuntap add dev ktap0 mode tap
	ip -n "$ns" addr add 198.18.0.1/24 dev ktap0
	ip -n "$ns" link set ktap0 up
	out=$(timeout 20 ip netns exec "$ns" "$KILN_HVT" --net tap,ifname=ktap0 \
		"$tmp/netprobe" -- 0 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && grep -q '^arp reply from 198.18.0.1$' <<<"$out"; then
		pass "tap: ARP reply from the namespace's kernel"
	else
		fail "tap" "rc=$rc out=[$out]"
	fi
else
	skip "tap" "$NETNS_WHY"
fi
finish
