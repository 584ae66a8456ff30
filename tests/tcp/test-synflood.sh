#!/usr/bin/env bash
# SYN cookies against a live SYN flood: apps/echo on a tap in a network
# namespace (198.18.0.2/24, gateway Linux at 198.18.0.1, no default
# route) serves a paced echo stream from Linux while tests/tcp/synflood.py
# sends spoofed SYNs to the same port, half from on-link addresses nobody
# answers ARP for, half from off-link ones (198.19.0.0/16, whose SYN-ACKs
# go to the namespace's router side and die there). The listen backlog
# fills within the first SYNs; from then on SYNs get cookies. The stream
# must keep at least 90% of the rate it had before the flood, and every
# new client during the flood must connect in under 100 ms (and have its
# line echoed), through a cookie (tcp_syncookies_ok). On unix under ASan
# and UBSan, and on hvt (SKIP without /dev/kvm).
# timeout: 150
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/net/netns.sh"
cd "$ROOT"
have_netns || { skip "syn flood" "$NETNS_WHY"; exit 0; }
[ -x "$KILN" ] || { skip "syn flood" "bin/kiln missing"; exit 0; }
targets="unix-san"
if have_kvm; then
	targets="$targets hvt"
else
	skip "syn flood hvt" "$KVM_WHY"
fi
tmp=$(scratch)
ns="kiln-synf-$$"
# Stream KiB/s, SYNs/s, flood seconds; more boot arguments (such as
# --tcp-syncookies=0, to see the stack without cookies fail this).
STREAM_KIB=${SYNFLOOD_STREAM_KIB:-16384}
SYN_RATE=${SYNFLOOD_SYN_RATE:-5000}
FLOOD_SECS=${SYNFLOOD_SECS:-8}
read -r -a extra <<<"${SYNFLOOD_BOOTARGS:-}"

for t in $targets; do
	netns_setup "$ns"
	log="$tmp/echo-$t.log"
	if ! echo_start "$ns" "$t" "$log" --ipv4=$ECHO_IP/24 \
		--ipv4-gateway=$PEER_IP "${extra[@]}"; then
		fail "syn flood $t: echo starts" "$(tail -5 "$log" "$log.build" 2>/dev/null)"
		echo_stop
		ip netns del "$ns"
		continue
	fi
	out=$(ip netns exec "$ns" timeout 40 python3 "$ROOT/tests/tcp/synflood.py" \
		$ECHO_IP 7 "$STREAM_KIB" "$SYN_RATE" "$FLOOD_SECS" 198.18.0 198.19 2>&1 |
		tail -1)
	echo "# $t: $out"
	fig() { echo "$out" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
	st=$(stats "$ns")
	sent=$(counter "$st" tcp_syncookies_sent)
	ok=$(counter "$st" tcp_syncookies_ok)
	bad=$(counter "$st" tcp_syncookies_failed)
	drops=$(counter "$st" tcp_syn_backlog_drops)
	arpf=$(counter "$st" tx_arp_failed)
	echo "# $t: tcp_syncookies_sent $sent tcp_syncookies_ok $ok tcp_syncookies_failed $bad tcp_syn_backlog_drops $drops tx_arp_failed $arpf"
	if [[ "$out" != ok* ]]; then
		fail "syn flood $t: stream and new clients" "$out"
	else
		ratio=$(fig ratio)
		cmax=$(fig connect-ms-max)
		n=$(fig connects)
		syns=$(fig syns)
		check "syn flood $t: stream kept $ratio of its rate ($(fig during-kib-s) of $(fig before-kib-s) KiB/s) under $syns spoofed SYNs ($(fig rate-syn-s)/s)" \
			awk -v r="$ratio" 'BEGIN { exit !(r >= 0.90) }'
		check "syn flood $t: $n new clients connected during the flood, slowest in $cmax ms (median $(fig connect-ms-median), echo within $(fig echo-ms-max) ms)" \
			awk -v m="$cmax" 'BEGIN { exit !(m >= 0 && m < 100) }'
		check "syn flood $t: clients came through cookies ($ok good of $sent sent, $bad failed)" \
			[ "${ok:-0}" -ge "${n:-1}" -a "${sent:-0}" -ge $((syns / 2)) ]
	fi
	echo_stop
	if grep -qE 'ERROR: AddressSanitizer|runtime error|panic' "$log"; then
		fail "syn flood $t: sanitizers" "$(grep -m3 -E 'ERROR|runtime error|panic' "$log")"
	elif [ "$t" = unix-san ]; then
		pass "syn flood $t: no sanitizer reports"
	fi
	ip netns pids "$ns" | xargs -r kill -9
	ip netns del "$ns"
done
finish
