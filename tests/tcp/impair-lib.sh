# Helpers for transfers through the impairment bridge (tests/tcp/impair.c);
# source after tests/lib.sh and tests/net/netns.sh.
#
#   impair_build                 build the bridge and Linux's echo
#   impair_echo TARGET MIB SECS PROFILE...
#       MIB each way between Linux (the client, on the bridge's tap) and
#       an echo server through the bridge with impairments PROFILE
#       (impair.c options): apps/echo on TARGET (unix, hvt) on a tap, or
#       Linux itself (TARGET linux: bench/net/linux_echo.c in a namespace
#       of its own behind a veth pair). Sets IMPAIR_SECS (wall time of the
#       transfer, or empty) and IMPAIR_OUT (the client's last line, "ok
#       ..." when byte-exact) and IMPAIR_STATS (Kiln's TCP counters).
#       IMPAIR_LINUX_CC=NAME: Linux's congestion controller on the
#       client's socket and on Linux's echo (TCP_CONGESTION; else the
#       host's default, which may be BBR).
# Offloads are off on both kinds of server: the bridge passes wire-sized
# frames only (GSO aggregates are refused and counted).

# impair_build: build both with kiln (tests/tcp/impair.host,
# bench/net/linux_echo.host); sets IMPAIR_BIN and LINUX_ECHO, or shows
# kiln's output and returns 1.
impair_build() {
	local m
	for m in tests/tcp/impair.host bench/net/linux_echo.host; do
		host_build "$m" >/dev/null || { cat "$(host_log "$m")"; return 1; }
	done
	IMPAIR_BIN=$(host_build tests/tcp/impair.host)
	LINUX_ECHO=$(host_build bench/net/linux_echo.host)
}

impair_echo() {
	local t=$1 mib=$2 secs=$3
	shift 3
	local ns="kiln-imp-$$-$RANDOM" ns3="" tmp
	tmp=$(mktemp -d /tmp/kiln-impair.XXXXXX)
	IMPAIR_SECS= IMPAIR_OUT= IMPAIR_STATS=
	make_netns "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	local side
	if [ "$t" = linux ]; then
		ns3="kiln-imps-$$-$RANDOM"
		make_netns "$ns3"
		ip netns exec "$ns3" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip link add kimpa netns "$ns" type veth peer name kimpb netns "$ns3"
		ip -n "$ns" link set kimpa up
		ip -n "$ns3" addr add "$ECHO_IP/24" dev kimpb
		ip -n "$ns3" link set kimpb up
		# Wire-sized frames only, as the unikernel sends with
		# --net-offload=0: no segmentation offload on the veth.
		ip -n "$ns3" link set kimpb gso_max_segs 1 gso_max_size 1500
		side=kimpa
	else
		ip -n "$ns" tuntap add dev ktap0 mode tap
		ip -n "$ns" link set ktap0 up
		side=ktap0
	fi
	ip netns exec "$ns" "$IMPAIR_BIN" "$side" klinux "$@" \
		>"$tmp/bridge.log" 2>&1 &
	local bridge=$!
	if ! wait_for 10 grep -q '^ready' "$tmp/bridge.log"; then
		IMPAIR_OUT="bridge did not start: $(tail -2 "$tmp/bridge.log")"
		kill "$bridge" 2>/dev/null
		ip netns del "$ns"
		[ -n "$ns3" ] && ip netns del "$ns3"
		rm -rf "$tmp"
		return 1
	fi
	ip -n "$ns" addr add "$PEER_IP/24" dev klinux
	ip -n "$ns" link set klinux up
	local srv="" dump=""
	if [ -n "${IMPAIR_PCAP:-}" ]; then
		# A capture on Linux's side of the bridge (both directions).
		ip netns exec "$ns" tcpdump -i klinux -s 96 -w "$IMPAIR_PCAP" \
			tcp >/dev/null 2>&1 &
		dump=$!
		sleep 0.5
	fi
	if [ "$t" = linux ]; then
		LINUX_ECHO_CC=${IMPAIR_LINUX_CC:-} ip netns exec "$ns3" \
			"$LINUX_ECHO" >"$tmp/echo.log" 2>&1 &
		srv=$!
		sleep 0.3
	elif ! echo_start "$ns" "$t" "$tmp/echo.log" --ipv4="$ECHO_IP/24" \
		--net-offload=0 ${IMPAIR_BOOTARGS:-}; then
		IMPAIR_OUT="echo ($t) did not start: $(tail -2 "$tmp/echo.log")"
		echo_stop
		kill "$bridge" 2>/dev/null
		wait "$bridge" 2>/dev/null
		ip netns del "$ns"
		rm -rf "$tmp"
		return 1
	fi
	local t0 t1
	t0=$(date +%s%N)
	IMPAIR_OUT=$(ip netns exec "$ns" timeout "$secs" python3 \
		"$ROOT/tests/tcp/live_client.py" bulk "$ECHO_IP" 7 \
		$((mib << 20)) 2>&1 | tail -1)
	t1=$(date +%s%N)
	[ -n "$IMPAIR_OUT" ] || IMPAIR_OUT="timed out after ${secs}s"
	if [[ "$IMPAIR_OUT" == ok* ]]; then
		IMPAIR_SECS=$(awk -v a="$t0" -v b="$t1" \
			'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	fi
	if [ "$t" = linux ]; then
		kill "$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
		ip netns pids "$ns3" | xargs -r kill -9 2>/dev/null
	else
		IMPAIR_STATS=$(stats "$ns" | grep -E '^tcp_(ret|rack|lost|tlp|dsack|undo|reord)' |
			tr '\n' ' ')
		echo_stop
	fi
	if [ -n "$dump" ]; then
		kill -INT "$dump" 2>/dev/null
		wait "$dump" 2>/dev/null
	fi
	kill "$bridge" 2>/dev/null
	wait "$bridge" 2>/dev/null
	ip netns del "$ns"
	[ -n "$ns3" ] && ip netns del "$ns3"
	rm -rf "$tmp"
	[ -n "$IMPAIR_SECS" ]
}
