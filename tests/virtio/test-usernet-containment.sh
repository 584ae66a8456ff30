#!/usr/bin/env bash
# The virtio target's user-mode networking (bin/kiln-usernet behind QEMU)
# reaches nothing but its port forwards. As tests/usernet does for unix
# and hvt: inside a namespace the test creates, with a veth "outside"
# network 198.18.2.0/24 leading to a second namespace, listeners take TCP
# and UDP on port 9 outside (198.18.2.2) and on the QEMU side (127.0.0.1,
# 198.18.2.1). The whole launcher runs in the namespace; the guest
# (tests/usernet/probe built for virtio) sends TCP SYNs, UDP and pings at
# all of them -- directly, through libslirp's gateway and aliases, at
# QEMU's own user-mode addresses, and from the port of a live UDP forward
# -- and nothing may arrive, while a control run from the namespace shows
# the listeners hear what reaches them. In the same namespace TCP and UDP
# echo through forwards on 127.0.0.1 work. KVM when usable, else TCG
# (KILN_ACCEL=tcg forces it).
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/usernet/outside.sh"
cd "$ROOT"
here="$ROOT/tests/usernet"
if ! have_netns; then
	skip "virtio usernet containment" "$NETNS_WHY"
	finish
fi
command -v qemu-system-x86_64 >/dev/null || {
	skip "virtio usernet containment" "qemu-system-x86_64 not installed"
	finish
}
[ -x "$KILN" ] || make -s bin/kiln >/dev/null 2>&1
[ -x "$ROOT/bin/kiln-usernet" ] || make -s bin/kiln-usernet >/dev/null 2>&1
if [ -z "${KILN_ACCEL:-}" ] && ! have_kvm; then
	export KILN_ACCEL=tcg
fi
accel=${KILN_ACCEL:-kvm}
tmp=$(scratch)
for app in tests/usernet/probe apps/echo; do
	if ! timeout 300 "$KILN" build -t virtio "$app" >"$tmp/build.log" 2>&1; then
		fail "$app build for virtio" "$(tail -5 "$tmp/build.log")"
		finish
	fi
done
probe=tests/usernet/probe/_build/virtio/probe
echo=apps/echo/_build/virtio/echo

# ------------------------------------------------------------ networks
ns=kiln-vnet-$$ out=kiln-vout-$$
outside_network "$ns" "$out" kvn 2 "$tmp"

# ------------------------------------------------------------- probing
# 10.0.2.2 and 10.0.2.3 are QEMU's own user-mode gateway and DNS: gone
# with QEMU's slirp, they must not answer either.
probes="tcp:198.18.2.2:9 udp:198.18.2.2:9 icmp:198.18.2.2
	tcp:198.18.2.1:9 udp:198.18.2.1:9 icmp:198.18.2.1
	tcp:127.0.0.1:9 udp:127.0.0.1:9
	tcp:198.18.0.1:9 udp:198.18.0.1:9 tcp:198.18.0.2:9 udp:198.18.0.2:9
	udp:198.18.0.3:53 tcp:198.18.0.3:9
	tcp:10.0.2.2:9 udp:10.0.2.3:53"
n=$(echo $probes | wc -w)
port=$((20000 + $$ % 20000))
log="$tmp/probe.log"
# shellcheck disable=SC2086
ip netns exec "$ns" timeout --kill-after=5 150 platform/virtio/launch \
	--net "user,hostfwd=udp:127.0.0.1:$port-:7" "$probe" \
	-- --answer-udp=7 --timeout=120 $probes >"$log" 2>&1 </dev/null &
pid=$!
on_exit "kill $pid"
# A datagram through the forward, answered by the guest: the one kind of
# UDP it may send.
r=$(ip netns exec "$ns" timeout 90 python3 - "$port" <<'PY' 2>&1
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
end = time.time() + 80
while time.time() < end:
    s.sendto(b"kiln containment", ("127.0.0.1", int(sys.argv[1])))
    try:
        got = s.recv(100)
    except socket.timeout:
        continue
    print("echo" if got == b"kiln containment" else "wrong %r" % got)
    break
else:
    print("no echo")
PY
)
check "$accel: the guest answers a datagram through its UDP forward ($r)" [ "$r" = echo ]
wait $pid
rc=$?
if [ $rc -ne 0 ] || ! grep -qx done "$log"; then
	fail "$accel: probe run" "status $rc: $(tr '\n' '|' <"$log" | tail -c 1500)"
else
	check "$accel: control ping to the gateway answered" grep -qx "gateway: echo reply" "$log"
	# A refused connection request gets a reset from the frame filter
	# itself (host/usernet_filter.h), so a guest's connect fails at once;
	# everything else gets nothing.
	answered=$(grep -Ec '^(tcp|udp|icmp):.*: .*(syn-ack|udp reply|echo reply|unreachable)' "$log")
	reset=$(grep -Ec '^tcp:.*: rst$' "$log")
	quiet=$(grep -Ec '^(udp|icmp):.*: no answer$' "$log")
	n_tcp=$(echo $probes | tr ' ' '\n' | grep -c '^tcp:')
	if [ "$answered" -eq 0 ] && [ "$reset" -eq "$n_tcp" ] && [ $((reset + quiet)) -eq "$n" ]; then
		pass "$accel: $n probes past the forwards: $n_tcp TCP SYNs reset by the filter, UDP and pings unanswered"
	else
		fail "$accel: probes answered" "$(grep -E '^(tcp|udp|icmp):' "$log" | tr '\n' '|')"
	fi
	# kiln-usernet says what it refused when QEMU has gone.
	wait_for 5 grep -q "^kiln-usernet: refused" "$log"
	refused=$(sed -n 's/^kiln-usernet: refused \([0-9]*\) frames.*/\1/p' "$log")
	check "$accel: kiln-usernet refused the probes' frames (${refused:-none}, at least $n)" \
		[ "${refused:-0}" -ge "$n" ]
fi

# Nothing reached a listener.
sleep 1
out_after=$(grep -c from "$tmp/out.log")
in_after=$(grep -c from "$tmp/in.log")
if [ "$out_after" -eq "$out_before" ] && [ "$in_after" -eq "$in_before" ]; then
	pass "nothing from the guest reached 198.18.2.2:9, 198.18.2.1:9 or 127.0.0.1:9"
else
	fail "containment" "out: $(tail -n +2 "$tmp/out.log" | tr '\n' '|') in: $(tail -n +2 "$tmp/in.log" | tr '\n' '|')"
fi

# ------------------------------------------- the forwards still work here
port=$((port + 1))
ip netns exec "$ns" timeout --kill-after=5 120 platform/virtio/launch \
	--net "user,hostfwd=tcp:127.0.0.1:$port-:7,hostfwd=udp:127.0.0.1:$port-:7" \
	"$echo" >"$tmp/echo.log" 2>&1 </dev/null &
pid=$!
on_exit "kill $pid"
if wait_for 60 grep -q "^echo: serving" "$tmp/echo.log"; then
	r=$(ip netns exec "$ns" timeout 60 "$ROOT/tests/net/tcp_echo_client.py" 127.0.0.1 $port 100000 2 2>&1 | tail -1)
	check "$accel: echo in the namespace: TCP through 127.0.0.1:$port ($r)" [ "$r" = ok ]
	r=$(ip netns exec "$ns" timeout 60 "$ROOT/tests/net/udp_echo_client.py" 127.0.0.1 $port 20 1,1000 2>&1 | tail -1)
	check "$accel: echo in the namespace: UDP through 127.0.0.1:$port ($r)" [ "$r" = "ok 40" ]
else
	fail "$accel: echo in the namespace starts" "$(tail -5 "$tmp/echo.log")"
fi
kill $pid 2>/dev/null
wait $pid 2>/dev/null
finish
