#!/usr/bin/env bash
# TCP against Linux: apps/echo (TCP echo on port 7) runs as a unikernel on
# a tap device inside a network namespace this test creates; Linux in the
# namespace is the client (tests/tcp/live_client.py).
#   - 1,000 sequential connections
#   - 100 concurrent connections, 100 kB each
#   - 64 MiB each way on one connection, compared by SHA-256
#   - a flood of 10,000 SYNs from spoofed addresses while serving
#   - 16 MiB each way through 5% loss, 25% reordering, 2% duplication and
#     10 ms delay, byte-exact within a time bound. The kernel here has no
#     sch_netem, so the impairment bridge tests/tcp/impair.c does netem's
#     job in user space between the unikernel's tap and a second tap
#     Linux uses.
# With no argument (as the suite runs it): all of it on the unix target,
# and shorter runs on unix-san (ASan + UBSan). With "hvt" (from
# test-live-hvt.sh, a script of its own to stay within one time limit):
# the same heavy cases on hvt, the impaired run with 8 MiB each way (16
# MiB would double the suite's longest run).
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/net/netns.sh"
source "$ROOT/tests/tcp/impair-lib.sh"
cd "$ROOT"

if ! have_netns; then
	skip "tcp live" "$NETNS_WHY"
	exit 0
fi
if [ ! -x "$KILN" ] || [ ! -f apps/echo/kiln.app ]; then
	skip "tcp live" "bin/kiln or apps/echo missing"
	exit 0
fi
mode=${1:-unix}
case "$mode" in
unix) ;;
hvt)
	if ! have_kvm; then
		skip "tcp live hvt" "$KVM_WHY"
		exit 0
	fi
	;;
*)
	fail "tcp live" "unknown mode $mode (unix or hvt)"
	finish
	;;
esac
client="$ROOT/tests/tcp/live_client.py"
tmp=$(scratch)

# run NS NAME SECS ARGS...: one client run, PASS or FAIL with its output.
run() {
	local ns=$1 name=$2 secs=$3
	shift 3
	local out
	out=$(ip netns exec "$ns" timeout "$secs" python3 "$client" "$@" 2>&1)
	case "$out" in
	ok*) pass "$name ($out)" ;;
	*)
		fail "$name" "$(echo "${out:-timed out after ${secs}s}" | tail -1)"
		echo "# client said: $(echo "$out" | tail -3 | tr '\n' ' ')"
		[ -n "${ECHO_LOG:-}" ] && grep -v '^dbg' "$ECHO_LOG" | tail -5 | sed 's/^/# echo: /'
		[ -n "$ns" ] && echo "# $(tcp_counters "$ns")"
		;;
	esac
	[[ "$out" == ok* ]]
}

# The echo's TCP counters, for the report and the checks.
tcp_counters() {
	stats "$1" | grep -E '^(tcp_|drop_tcp)' | tr '\n' ' '
}

# heavy NS TARGET: the full set against echo on TARGET in NS.
heavy() {
	local ns=$1 t=$2
	ECHO_LOG="$tmp/echo-$t.log"
	if ! echo_start "$ns" "$t" "$ECHO_LOG" --ipv4=$ECHO_IP/24; then
		fail "tcp live: echo ($t) did not start" "$(tail -5 "$ECHO_LOG")"
		echo_stop
		return
	fi
	run "$ns" "tcp live $t: 1000 sequential connections" 120 \
		seq $ECHO_IP 7 1000
	run "$ns" "tcp live $t: 100 concurrent connections" 120 \
		conc $ECHO_IP 7 100 100000
	run "$ns" "tcp live $t: 64 MiB each way, sha256" 180 \
		bulk $ECHO_IP 7 $((64 << 20))

	# SYN flood: 10,000 spoofed SYNs while clients keep connecting.
	ip netns exec "$ns" timeout 60 python3 "$client" flood $ECHO_IP 7 10000 \
		>"$tmp/flood-$t.out" 2>&1 &
	local flood=$!
	sleep 0.2
	run "$ns" "tcp live $t: 100 connections during a SYN flood" 120 \
		seq $ECHO_IP 7 100
	wait $flood
	if grep -q '^ok' "$tmp/flood-$t.out"; then
		pass "tcp live $t: flood sent ($(cat "$tmp/flood-$t.out"))"
	else
		fail "tcp live $t: flood" "$(cat "$tmp/flood-$t.out")"
	fi
	run "$ns" "tcp live $t: 20 concurrent connections after the flood" 60 \
		conc $ECHO_IP 7 20 10000
	local counters drops
	counters=$(tcp_counters "$ns")
	echo "# echo counters ($t): $counters"
	# Once the backlog is full SYNs get cookies (or, with cookies off,
	# are dropped): either way each is counted.
	local st cookies
	st=$(stats "$ns")
	drops=$(counter "$st" tcp_syn_backlog_drops)
	cookies=$(counter "$st" tcp_syncookies_sent)
	if [ $((${drops:-0} + ${cookies:-0})) -ge 5000 ]; then
		pass "tcp live $t: SYN flood counted ($cookies cookies, $drops backlog drops)"
	else
		fail "tcp live $t: SYN flood counted" "tcp_syncookies_sent=$cookies tcp_syn_backlog_drops=$drops"
	fi
	echo_stop
}

# impaired TARGET MIB: MIB each way through the impairment relay.
impaired() {
	local t=$1 mib=$2
	local ns2="kiln-tcpi-$$"
	make_netns "$ns2"
	ip netns exec "$ns2" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns2" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns2" tuntap add dev ktap0 mode tap
	ip -n "$ns2" link set ktap0 up
	if ! impair_build >"$tmp/relay.log" 2>&1; then
		fail "tcp live: impairment bridge" "$(head -3 "$tmp/relay.log")"
		return
	fi
	ip netns exec "$ns2" "$IMPAIR_BIN" ktap0 klinux --loss=0.05 \
		--dup=0.02 --reorder=0.25 --delay=10 --seed=7 \
		>"$tmp/relay.log" 2>&1 &
	local relay=$!
	on_exit "kill $relay 2>/dev/null"
	if ! wait_for 10 grep -q '^ready' "$tmp/relay.log"; then
		fail "tcp live: impairment relay" "$(cat "$tmp/relay.log")"
		return
	fi
	ip -n "$ns2" addr add "$PEER_IP/24" dev klinux
	ip -n "$ns2" link set klinux up
	ECHO_LOG="$tmp/echo-impaired-$t.log"
	# Offloads off: the bridge passes wire-sized frames only (a 64 KB
	# TSO frame is not one wire packet; it refuses and counts them); the
	# stack's loss recovery is what this measures, on MSS-sized
	# segments as on a real wire.
	if echo_start "$ns2" "$t" "$ECHO_LOG" --ipv4=$ECHO_IP/24 --net-offload=0; then
		local t0=$SECONDS
		run "$ns2" "tcp live $t: $mib MiB each way through loss 5% reorder 25% duplicate 2% delay 10ms" \
			300 bulk $ECHO_IP 7 $((mib << 20))
		echo "# impaired transfer ($t) took $((SECONDS - t0)) s; $(tcp_counters "$ns2")"
	else
		fail "tcp live: echo (impaired, $t) did not start" \
			"$(tail -5 "$ECHO_LOG")"
	fi
	echo_stop
	kill "$relay" 2>/dev/null
	wait "$relay" 2>/dev/null
}

ns="kiln-tcp-$$"
netns_setup "$ns"
if [ "$mode" = hvt ]; then
	heavy "$ns" hvt
	impaired hvt 8
	finish
fi

heavy "$ns" unix

# Under ASan and UBSan (the unix target built with --sanitize).
ECHO_LOG="$tmp/echo-san.log"
if echo_start "$ns" unix-san "$ECHO_LOG" --ipv4=$ECHO_IP/24; then
	run "$ns" "tcp live unix-san: 300 sequential connections" 120 \
		seq $ECHO_IP 7 300
	run "$ns" "tcp live unix-san: 100 concurrent connections" 120 \
		conc $ECHO_IP 7 100 50000
	run "$ns" "tcp live unix-san: 16 MiB each way, sha256" 120 \
		bulk $ECHO_IP 7 $((16 << 20))
	echo_stop
	if grep -qE 'ERROR: AddressSanitizer|runtime error|panic' \
		"$tmp/echo-san.log"; then
		fail "tcp live unix-san: sanitizers" \
			"$(grep -m3 -E 'ERROR|runtime error|panic' "$tmp/echo-san.log")"
	else
		pass "tcp live unix-san: no sanitizer reports"
	fi
else
	fail "tcp live: echo (unix-san) did not start" \
		"$(tail -5 "$tmp/echo-san.log")"
fi

impaired unix 16
finish
