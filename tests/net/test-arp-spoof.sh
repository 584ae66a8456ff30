#!/usr/bin/env bash
# Forged ARP against apps/echo on a tap during a TCP echo stream: from
# made-up MACs, unsolicited replies and gratuitous requests claiming the
# peer's address (tests/net/arp_spoof.py). The stream must not stall for
# more than a second, and the unikernel must count the claims as
# conflicts (settled by asking the MAC it knows) rather than believe them.
# timeout: 240
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/netns.sh"
have_netns || { skip "arp spoof" "$NETNS_WHY"; exit 0; }
net_targets
ns=kiln-arp-$$
tmp=$(scratch)
on_exit "rm -rf '$tmp'"
here="$ROOT/tests/net"

for target in $NET_TARGETS; do
	[ "$target" = unix-san ] && continue # the unit tests cover ASan
	netns_setup "$ns"
	log="$tmp/echo-$target.log"
	if ! echo_start "$ns" "$target" "$log" --ipv4=$ECHO_IP/24; then
		fail "$target: echo starts" "$(tail -5 "$log" "$log.build" 2>/dev/null)"
		echo_stop
		ip netns del "$ns"
		continue
	fi
	mac=$(sed -n 's/.*mac \([0-9a-f:]\{17\}\).*/\1/p' "$log" | head -1)
	r=$(timeout 60 ip netns exec "$ns" /usr/bin/python3 "$here/arp_spoof.py" \
		ktap0 "$mac" $ECHO_IP $PEER_IP 6 2>&1 | tail -1)
	check "$target: stream under forged ARP, no stall > 1 s ($r)" \
		[ "${r%% *}" = ok ]
	s=$(stats "$ns")
	c=$(counter "$s" arp_conflicts)
	check "$target: claims counted as conflicts ($c)" [ "${c:-0}" -gt 0 ]
	echo_stop
	ip netns del "$ns"
done
finish
