#!/usr/bin/env bash
# apps/echo without --ipv4 takes its address from dnsmasq (the DHCP
# server Debian ships) in a namespace of its own, serves on it, and
# renews the lease at T1 (dnsmasq is told T1 = 4 s, T2 = 8 s); on unix,
# also rebinds at T2 when the server has moved and renewals go unanswered,
# and declines an offered address that another host already uses.
# Cases (tests/run.sh net/test-dhcp CASE): lease (UDP on it, renewal),
# rebind (unix), decline (unix); every case takes a lease first.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/netns.sh"
have_netns || { skip "net dhcp" "$NETNS_WHY"; exit 0; }
command -v dnsmasq >/dev/null || { skip "net dhcp" "no dnsmasq (dnsmasq-base)"; exit 0; }
net_targets
ns=kiln-net-dhcp-$$
tmp=$(scratch)
on_exit "rm -rf '$tmp'" # scratch's own cleanup is lost in $(...)
here="$ROOT/tests/net"
# start_dnsmasq LOG LEASEFILE [OPTIONS]: dnsmasq on ktap0 in $ns; sets dpid.
start_dnsmasq() {
	local log=$1 leases=$2
	shift 2
	ip netns exec "$ns" dnsmasq --keep-in-foreground --no-daemon \
		--conf-file=/dev/null --port=0 --no-resolv --no-hosts \
		--interface=ktap0 --bind-interfaces --except-interface=lo \
		--dhcp-range=${DHCP_RANGE:-198.18.0.50,198.18.0.60},255.255.255.0,2m \
		--dhcp-option=option:router,$PEER_IP \
		--dhcp-option=option:T1,4 --dhcp-option=option:T2,8 \
		--dhcp-leasefile="$leases" --log-dhcp --log-facility=- "$@" \
		>"$log" 2>&1 &
	dpid=$!
	on_exit "kill $dpid 2>/dev/null"
}
two_acks() { [ "$(grep -c "DHCPACK(ktap0) $1 " "$2")" -ge 2 ]; }

for target in $NET_TARGETS; do
	if ! case_on lease && ! { [ "$target" = unix ] && case_on rebind; }; then
		continue
	fi
	netns_setup "$ns"
	dlog="$tmp/dnsmasq-$target.log"
	start_dnsmasq "$dlog" "$tmp/leases-$target"
	log="$tmp/echo-$target.log"
	if ! echo_start "$ns" "$target" "$log"; then
		fail "$target: lease from dnsmasq" "$(tail -5 "$log" "$log.build" "$dlog" 2>/dev/null)"
	else
		addr=$(sed -n 's/^echo: serving tcp and udp on \([0-9.]*\) .*/\1/p' "$log")
		case "$addr" in
		198.18.0.5[0-9] | 198.18.0.60)
			pass "$target: lease from dnsmasq ($addr)" ;;
		*) fail "$target: lease from dnsmasq" "address '$addr'" ;;
		esac
		if case_on lease; then
			r=$(timeout 30 ip netns exec "$ns" "$here/udp_echo_client.py" "$addr" 7 50 100)
			check "$target: UDP echo on the leased address ($r)" [ "$r" = "ok 50" ]
			# Renewal at T1 (4 s): a second ACK within ~6 s.
			if wait_for 12 two_acks "$addr" "$dlog"; then
				s=$(ECHO_IP=$addr stats "$ns")
				pass "$target: lease renewed at T1 (dhcp_leases $(counter "$s" dhcp_leases))"
			else
				fail "$target: lease renewed at T1" "$(tail -5 "$dlog")"
			fi
			if ! grep -q "gateway 198.18.0.1" "$log"; then
				fail "$target: router option taken" "$(grep 'info net' "$log")"
			fi
		fi
		if [ "$target" = unix ] && case_on rebind; then
			# Rebinding at T2: the server moves to another address,
			# so renewals (unicast to the old one) go unanswered
			# until the client broadcasts at T2 (8 s).
			kill "$dpid"
			wait "$dpid" 2>/dev/null
			ip -n "$ns" addr del "$PEER_IP/24" dev ktap0
			ip -n "$ns" addr add 198.18.0.9/24 dev ktap0
			dlog2="$tmp/dnsmasq2.log"
			start_dnsmasq "$dlog2" "$tmp/leases2" --dhcp-authoritative
			if wait_for 15 grep -q "DHCPACK(ktap0) $addr " "$dlog2"; then
				pass "$target: lease rebound at T2 by another server"
			else
				fail "$target: lease rebound at T2" "$(tail -3 "$dlog2")"
			fi
			r=$(timeout 30 ip netns exec "$ns" "$here/udp_echo_client.py" "$addr" 7 5 100)
			check "$target: still serving after rebinding ($r)" [ "$r" = "ok 5" ]
		fi
	fi
	echo_stop
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	ip netns del "$ns"
done

# An offered address someone already uses: our ARP probes find it and we
# DECLINE (dnsmasq is told not to ping first, so it offers it anyway).
if [[ " $NET_TARGETS " == *" unix "* ]] && case_on decline; then
	netns_setup "$ns"
	ip -n "$ns" addr add 198.18.0.50/24 dev ktap0
	dlog="$tmp/dnsmasq-conflict.log"
	DHCP_RANGE=198.18.0.50,198.18.0.50 \
		start_dnsmasq "$dlog" "$tmp/leases-conflict" --no-ping
	log="$tmp/echo-conflict.log"
	echo_launch "$ns" unix "$log"
	if wait_for 20 grep -q "DHCPDECLINE(ktap0) 198.18.0.50" "$dlog"; then
		pass "unix: an address in use is declined"
	else
		fail "unix: an address in use is declined" "$(grep DHCP "$dlog" | tail -3)"
	fi
	if grep -q "address 198.18.0.50/" "$log"; then
		fail "unix: a declined address is not used" "$(grep 'info net' "$log")"
	fi
	echo_stop
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	ip netns del "$ns"
fi
finish
