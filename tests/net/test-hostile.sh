#!/usr/bin/env bash
# Hostile input against apps/echo on a tap, from Linux's side: truncated
# and inconsistent headers (IP and UDP lengths), bad checksums (IP, UDP,
# ICMP) and IHL, overlapping fragments,
# a fragment flood beyond the reassembly budget, ARP garbage, SYNs to a
# closed port, TCP garbage (checksums, truncated headers, data offsets,
# options, segments for no socket), 10,000 spoofed SYNs with a TCP echo
# client alongside, 10,000 random frames. The unikernel must stay up, keep
# answering an echo client running alongside, and count every bad frame
# under the right drop reason (tests/net/hostile.py).
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/netns.sh"
have_netns || { skip "net hostile" "$NETNS_WHY"; exit 0; }
/usr/bin/python3 -c 'import scapy' 2>/dev/null ||
	{ skip "net hostile" "no python3-scapy"; exit 0; }
net_targets
ns=kiln-net-bad-$$
tmp=$(scratch)
on_exit "rm -rf '$tmp'" # scratch's own cleanup is lost in $(...)
here="$ROOT/tests/net"

for target in $NET_TARGETS; do
	netns_setup "$ns"
	log="$tmp/echo-$target.log"
	if ! echo_start "$ns" "$target" "$log" \
		--ipv4=$ECHO_IP/24 --ipv4-gateway=$PEER_IP; then
		fail "$target: echo starts" "$(tail -5 "$log" "$log.build" 2>/dev/null)"
		echo_stop
		ip netns del "$ns"
		continue
	fi
	mac=$(sed -n 's/.*mac \([0-9a-f:]\{17\}\).*/\1/p' "$log" | head -1)
	# An echo client alongside the attack, for its whole length.
	timeout 120 ip netns exec "$ns" "$here/udp_echo_client.py" \
		$ECHO_IP 7 2000 64 1 >"$tmp/client-$target" 2>&1 &
	client=$!
	timeout 240 ip netns exec "$ns" /usr/bin/python3 "$here/hostile.py" \
		ktap0 "$mac" $ECHO_IP "$target" 2>"$tmp/hostile-$target.err"
	[ -s "$tmp/hostile-$target.err" ] && grep -v WARNING "$tmp/hostile-$target.err" | tail -5
	wait $client
	r=$(tail -1 "$tmp/client-$target")
	check "$target: echo client alongside the attack ($r)" [ "$r" = "ok 2000" ]
	r=$(timeout 30 ip netns exec "$ns" "$here/udp_echo_client.py" $ECHO_IP 7 100 1,1472,8000)
	check "$target: still serving afterwards ($r)" [ "$r" = "ok 300" ]
	if kill -0 "$ECHO_PID" 2>/dev/null; then
		pass "$target: still running"
	else
		fail "$target: still running" "$(tail -20 "$log")"
	fi
	echo_stop
	ip netns del "$ns"
done
finish
