#!/usr/bin/env bash
# apps/echo on a tap device with Linux as the peer, in a namespace of its
# own, on each target: ARP both ways, 500 pings without loss, UDP echo
# (with datagrams Linux fragments and we reassemble, and that we fragment
# on the way back), TCP echo, and ICMP port unreachable.
# Cases (tests/run.sh net/test-tap CASE): arp, ping, udp, tcp,
# icmp-unreachable; on every target.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/netns.sh"
have_netns || { skip "net tap" "$NETNS_WHY"; exit 0; }
command -v /usr/bin/python3 >/dev/null || { skip "net tap" "no python3"; exit 0; }
net_targets
ns=kiln-net-tap-$$
tmp=$(scratch)
on_exit "rm -rf '$tmp'" # scratch's own cleanup is lost in $(...)
here="$ROOT/tests/net"
in_ns() { ip netns exec "$ns" "$@"; }

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

	if case_on arp; then
		# We resolve Linux: Linux knows our MAC statically and sends at
		# once; our echo needs ARP for 198.18.0.1.
		in_ns ip neigh replace $ECHO_IP lladdr "$mac" dev ktap0 nud permanent
		r=$(timeout 20 ip netns exec "$ns" "$here/udp_echo_client.py" $ECHO_IP 7 1 32 2)
		s=$(stats "$ns")
		if [ "$r" = "ok 1" ] && [ "$(counter "$s" arp_requests_sent)" -ge 2 ]; then
			pass "$target: we resolve Linux by ARP"
		else
			fail "$target: we resolve Linux by ARP" "$r; arp_requests_sent=$(counter "$s" arp_requests_sent)"
		fi
		# Linux resolves us.
		in_ns ip neigh del $ECHO_IP dev ktap0
		if timeout 10 ip netns exec "$ns" ping -c 2 -W 2 -q $ECHO_IP >/dev/null &&
			in_ns ip neigh show $ECHO_IP | grep -q "$mac"; then
			pass "$target: Linux resolves us by ARP"
		else
			fail "$target: Linux resolves us by ARP" "$(in_ns ip neigh show)"
		fi
	fi

	if case_on ping; then
		out=$(timeout 60 ip netns exec "$ns" ping -c 500 -i 0.002 -W 2 -q $ECHO_IP 2>&1)
		if echo "$out" | grep -q " 0% packet loss"; then
			pass "$target: 500 pings, no loss ($(echo "$out" | tail -1))"
		else
			fail "$target: 500 pings" "$(echo "$out" | tail -2)"
		fi
		out=$(timeout 30 ip netns exec "$ns" ping -c 20 -i 0.01 -s 6000 -W 2 -q $ECHO_IP 2>&1)
		if echo "$out" | grep -q " 0% packet loss"; then
			pass "$target: fragmented pings (6000 bytes)"
		else
			fail "$target: fragmented pings" "$(echo "$out" | tail -2)"
		fi
	fi

	if case_on udp; then
		r=$(timeout 60 ip netns exec "$ns" "$here/udp_echo_client.py" $ECHO_IP 7 200 1,100,1472)
		check "$target: UDP echo, 600 datagrams ($r)" [ "$r" = "ok 600" ]
		r=$(timeout 60 ip netns exec "$ns" "$here/udp_echo_client.py" $ECHO_IP 7 20 1473,3000,8000,20000,65507)
		check "$target: UDP echo of fragmented datagrams up to 65507 bytes ($r)" [ "$r" = "ok 100" ]
	fi

	if case_on tcp; then
		r=$(timeout 60 ip netns exec "$ns" "$here/tcp_echo_client.py" $ECHO_IP 7 200000 5 2>&1 | tail -1)
		check "$target: TCP echo, 5 x 200 kB ($r)" [ "$r" = "ok" ]
	fi

	if case_on icmp-unreachable; then
		# A closed port: Linux reports ICMP port unreachable as ECONNREFUSED.
		r=$(timeout 10 ip netns exec "$ns" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], 9))
s.send(b"x")
try:
    s.recv(100)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("silence")
' $ECHO_IP)
		check "$target: ICMP port unreachable ($r)" [ "$r" = refused ]
	fi

	s=$(stats "$ns")
	for c in drop_ip_checksum drop_ip_malformed drop_udp_checksum drop_no_buffer tx_arp_failed; do
		v=$(counter "$s" $c)
		[ "$v" = 0 ] || fail "$target: no $c on clean traffic" "$c=$v"
	done
	echo "$s" | grep -E '^(rx_frames|tx_frames|rx_dropped|ip_reassembled|ip_frags_sent|icmp_echo_replies) ' | tr '\n' ' '
	echo
	echo_stop
	ip netns del "$ns"
done
finish
