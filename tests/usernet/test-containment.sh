#!/usr/bin/env bash
# User-mode networking reaches nothing but its port forwards. Inside a
# namespace the test creates, with a veth "outside" network 198.18.1.0/24
# leading to a second namespace, listeners take TCP and UDP on port 9
# both outside (198.18.1.2) and on the unikernel's own side (127.0.0.1,
# 198.18.1.1). A unikernel on user-mode networking
# (tests/usernet/probe) sends TCP SYNs, UDP and pings at all of them --
# directly, through libslirp's gateway and aliases, and from the port of
# a live UDP forward -- and nothing may arrive (its SYNs are reset as by
# a closed port); a control run from the
# namespace itself shows the listeners do hear what reaches them. A
# lib/net app's connect to them is refused at once (tests/usernet/connect).
# In the same namespace, TCP and UDP echo through forwards on 127.0.0.1
# work.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/usernet/outside.sh"
cd "$ROOT"
here="$ROOT/tests/usernet"
if ! have_netns; then
	skip "usernet containment" "$NETNS_WHY"
	finish
fi
tmp=$(scratch)
[ -x "$KILN" ] || make -s bin/kiln >/dev/null 2>&1

targets="unix-san"
if have_kvm; then targets="$targets hvt"; else skip "hvt containment" "$KVM_WHY"; fi
for target in $targets; do
	t=$target san=()
	[ "$target" = unix-san ] && { t=unix; san=(--sanitize); }
	if ! timeout 300 "$KILN" build -t "$t" "${san[@]}" tests/usernet/probe >"$tmp/build-$target.log" 2>&1; then
		fail "$target: probe build" "$(tail -5 "$tmp/build-$target.log")"
		finish
	fi
done
for app in apps/echo tests/usernet/connect; do
	if ! timeout 300 "$KILN" build -t unix "$app" >"$tmp/build.log" 2>&1; then
		fail "$app build" "$(tail -5 "$tmp/build.log")"
		finish
	fi
done

# ------------------------------------------------------------ networks
ns=kiln-unet-$$ out=kiln-uout-$$
outside_network "$ns" "$out" kun 1 "$tmp"

# ------------------------------------------------------------- probing
probes="tcp:198.18.1.2:9 udp:198.18.1.2:9 icmp:198.18.1.2
	tcp:198.18.1.1:9 udp:198.18.1.1:9 icmp:198.18.1.1
	tcp:127.0.0.1:9 udp:127.0.0.1:9
	tcp:198.18.0.1:9 udp:198.18.0.1:9 tcp:198.18.0.2:9 udp:198.18.0.2:9
	udp:198.18.0.3:53 tcp:198.18.0.3:9"
base=$((20000 + $$ % 20000))
for target in $targets; do
	port=$((base++))
	if [ "$target" = unix-san ]; then
		run=(tests/usernet/probe/_build/unix-san/probe)
	else
		run=("$KILN_HVT")
	fi
	log="$tmp/probe-$target.log"
	# shellcheck disable=SC2086
	ASAN_OPTIONS=detect_leaks=1 ip netns exec "$ns" timeout 120 "${run[@]}" \
		--net "user,hostfwd=udp:127.0.0.1:$port-:7" \
		$([ "$target" = hvt ] && echo tests/usernet/probe/_build/hvt/probe) \
		-- --answer-udp=7 --timeout=90 $probes >"$log" 2>&1 &
	pid=$!
	# A datagram through the forward, answered by the guest: the
	# one kind of UDP it may send.
	r=$(ip netns exec "$ns" timeout 60 python3 - "$port" <<'PY' 2>&1
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
end = time.time() + 45
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
	check "$target: the guest answers a datagram through its UDP forward ($r)" [ "$r" = echo ]
	wait $pid
	rc=$?
	if [ $rc -ne 0 ] || ! grep -qx done "$log"; then
		fail "$target: probe run" "status $rc: $(tr '\n' '|' <"$log" | tail -c 1500)"
		continue
	fi
	check "$target: control ping to the gateway answered" grep -qx "gateway: echo reply" "$log"
	# TCP probes are reset at once (connection refused), the rest get
	# nothing at all; none gets what a reachable peer would send.
	answered=$(grep -Ec '^(tcp|udp|icmp):.*: .*(syn-ack|udp reply|echo reply)' "$log")
	reset=$(grep -Ec '^tcp:.*: rst$' "$log")
	quiet=$(grep -Ec '^(udp|icmp):.*: no answer$' "$log")
	n=$(echo $probes | wc -w)
	n_tcp=$(echo $probes | tr ' ' '\n' | grep -c '^tcp:')
	if [ "$answered" -eq 0 ] && [ "$reset" -eq "$n_tcp" ] && [ $((reset + quiet)) -eq "$n" ]; then
		pass "$target: $n probes past the forwards: $n_tcp TCP SYNs reset, UDP and pings unanswered"
	else
		fail "$target: probes answered" "$(grep -E '^(tcp|udp|icmp):' "$log" | tr '\n' '|')"
	fi
	refused=$(sed -n 's/.*user-mode networking refused \([0-9]*\) frames.*/\1/p' "$log")
	[ "$target" = unix-san ] && check "$target: the platform counted refused frames (${refused:-none})" \
		[ "${refused:-0}" -ge "$n" ]
done

# lib/net's connect to the outside, and to the gateway (which stands for
# 127.0.0.1), is refused at once.
for to in 198.18.1.2 198.18.0.1; do
	ip netns exec "$ns" timeout 90 tests/usernet/connect/_build/unix/connect --net user \
		-- --to=$to --to-port=9 >"$tmp/connect.log" 2>&1
	line=$(grep '^connect ' "$tmp/connect.log")
	ms=$(echo "$line" | sed -n 's/.*: refused after \([0-9]*\) ms$/\1/p')
	check "lib/net connect to $to:9 through user-mode networking is refused ($line)" \
		[ "${ms:-99999}" -lt 2000 ]
done

# Nothing reached a listener.
sleep 1
out_after=$(grep -c from "$tmp/out.log")
in_after=$(grep -c from "$tmp/in.log")
if [ "$out_after" -eq "$out_before" ] && [ "$in_after" -eq "$in_before" ]; then
	pass "nothing from the guests reached 198.18.1.2:9, 198.18.1.1:9 or 127.0.0.1:9"
else
	fail "containment" "out: $(tail -n +2 "$tmp/out.log" | tr '\n' '|') in: $(tail -n +2 "$tmp/in.log" | tr '\n' '|')"
fi

# ------------------------------------------- the forwards still work here
port=$((base++))
ASAN_OPTIONS=detect_leaks=0 ip netns exec "$ns" timeout 120 apps/echo/_build/unix/echo \
	--net "user,hostfwd=tcp:127.0.0.1:$port-:7,hostfwd=udp:127.0.0.1:$port-:7" >"$tmp/echo.log" 2>&1 &
pid=$!
on_exit "kill $pid"
if wait_for 60 grep -q "^echo: serving" "$tmp/echo.log"; then
	r=$(ip netns exec "$ns" timeout 60 "$ROOT/tests/net/tcp_echo_client.py" 127.0.0.1 $port 100000 2 2>&1 | tail -1)
	check "echo in the namespace: TCP through 127.0.0.1:$port ($r)" [ "$r" = ok ]
	r=$(ip netns exec "$ns" timeout 60 "$ROOT/tests/net/udp_echo_client.py" 127.0.0.1 $port 20 1,1000 2>&1 | tail -1)
	check "echo in the namespace: UDP through 127.0.0.1:$port ($r)" [ "$r" = "ok 40" ]
else
	fail "echo in the namespace starts" "$(tail -5 "$tmp/echo.log")"
fi
kill $pid 2>/dev/null
wait $pid 2>/dev/null
finish
