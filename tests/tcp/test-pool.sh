#!/usr/bin/env bash
# TCP on a small packet pool: apps/echo with --net-buffers=32 serves 8
# concurrent 1 MB echoes (tests/tcp/live_client.py conc) over a tap in a
# network namespace. Senders must wait for buffers rather than lose their
# own segments: no packet fails to be built for want of a buffer
# (tx_no_buffer 0), the waits are counted (tcp_buffer_waits), the data
# comes back byte-exact and retransmissions stay few. Frames received
# while the pool is empty may still be dropped, as by a real NIC.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/net/netns.sh"
cd "$ROOT"

if ! have_netns; then
	skip "tcp pool" "$NETNS_WHY"
	exit 0
fi
if [ ! -x "$KILN" ] || [ ! -f apps/echo/kiln.app ]; then
	skip "tcp pool" "bin/kiln or apps/echo missing"
	exit 0
fi
tmp=$(scratch)
ns="kiln-tcpp-$$"
netns_setup "$ns"
log="$tmp/echo.log"
if ! echo_start "$ns" unix "$log" --ipv4=$ECHO_IP/24 --net-buffers=32; then
	fail "tcp pool: echo did not start" "$(tail -5 "$log")"
	finish
fi
conns=8
size=$((1 << 20))
out=$(ip netns exec "$ns" timeout 150 python3 tests/tcp/live_client.py \
	conc $ECHO_IP 7 $conns $size 2>&1)
st=$(stats "$ns")
echo_stop
summary=$(echo "$st" | grep -E '^(tx_no_buffer|drop_no_buffer|tcp_retransmits|tcp_buffer_waits|tx_frames) ' | tr '\n' ' ')
echo "# counters: $summary"
case "$out" in
ok*) pass "tcp pool: $conns x 1 MB echoed byte-exact on 32 buffers ($out)" ;;
*) fail "tcp pool: $conns x 1 MB echoed on 32 buffers" "$(echo "${out:-timed out}" | tail -1)" ;;
esac
if [ -z "$st" ]; then
	fail "tcp pool: counters" "the echo did not answer the stats request"
	finish
fi
nobuf=$(counter "$st" tx_no_buffer)
waits=$(counter "$st" tcp_buffer_waits)
rexmit=$(counter "$st" tcp_retransmits)
frames=$(counter "$st" tx_frames)
if [ "${nobuf:-0}" -eq 0 ] && [ "${waits:-0}" -gt 0 ]; then
	pass "tcp pool: senders waited for buffers ($waits waits), none lost a packet to the pool"
else
	fail "tcp pool: senders lost packets to the pool" \
		"tx_no_buffer=${nobuf:-?} tcp_buffer_waits=${waits:-?}"
fi
# Received frames dropped on an empty pool cost the client retransmits,
# not us; ours come only from real loss, of which a tap has none.
if [ "${rexmit:-0}" -le $((${frames:-0} / 100)) ]; then
	pass "tcp pool: retransmits bounded ($rexmit of $frames frames)"
else
	fail "tcp pool: retransmits bounded" "$rexmit of $frames frames"
fi
finish
