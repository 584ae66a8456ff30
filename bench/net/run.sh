#!/usr/bin/env bash
# Network benchmarks: apps/echo on the unix and hvt targets (tap in a
# namespace), against Linux itself on the same arrangement (a veth peer in
# a second namespace, bench/net/linux_echo.c echoing). Prints a table: ping RTT p50/p99
# (1000 pings, 1 ms apart), flood ping rate (ping -f, 20,000 pings), and
# TCP and UDP echo throughput (MB/s echoed, i.e. each way at once), and
# TCP's two directions timed apart (bulk.py tcp-split: tcp-tx is to the
# peer, until it acknowledged the last byte; tcp-rx is back from it), each
# a median of 3 runs, with Linux's figure and the ratio. For hvt also the
# monitor's exits per ping and per MB echoed (KILN_HVT_STATS, SIGUSR1).
#
# usage: bench/net/run.sh [TARGETS...]    (default: unix hvt)
# Needs root, /dev/net/tun, and /dev/kvm for hvt.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/tests/lib.sh"
source "$root/tests/net/netns.sh"
here="$root/bench/net"
have_netns || { echo "bench: $NETNS_WHY"; exit 1; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(unix hvt)
tmp=$(scratch)
on_exit "rm -rf '$tmp'" # scratch's own cleanup is lost in $(...)
runs=3
TCP_MB=${TCP_MB:-100}
UDP_MB=${UDP_MB:-30}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# exits NAME: kiln-hvt's exit count so far (SIGUSR1 makes a monitor run
# with KILN_HVT_STATS=1 print its counters into the log); empty elsewhere.
exits() {
	[ "$1" = hvt ] && [ -n "${ECHO_PID:-}" ] || return 0
	local before after i
	before=$(grep -c '^kiln-hvt: [0-9]* exits' "$tmp/$1.log")
	kill -USR1 "$ECHO_PID" 2>/dev/null || return 0
	for i in $(seq 50); do
		after=$(grep -c '^kiln-hvt: [0-9]* exits' "$tmp/$1.log")
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	grep '^kiln-hvt: [0-9]* exits' "$tmp/$1.log" | tail -1 | awk '{ print $2 }'
}
# per A B N: (B - A) / N with two decimals, or "-" without counts.
per() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.2f", (b - a) / n }' || echo -; }

# measure NS ADDR NAME: one line of figures for the peer at ADDR.
measure() {
	local ns=$1 addr=$2 name=$3 i
	local x="ip netns exec $ns"
	local e0 e1 e2 e3 e4
	$x ping -c 200 -i 0.002 -q "$addr" >/dev/null # warm up
	e0=$(exits "$name")
	$x ping -c 1000 -i 0.001 "$addr" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' \
		| sort -n >"$tmp/rtt"
	e1=$(exits "$name")
	local n p50 p99
	n=$(wc -l <"$tmp/rtt")
	p50=$(sed -n "$(((n + 1) / 2))p" "$tmp/rtt")
	p99=$(sed -n "$(((n * 99 + 99) / 100))p" "$tmp/rtt")
	local flood s0 s1 s2
	[ "$name" != linux ] && s0=$(stats "$ns")
	flood=$(for i in $(seq $runs); do
		$x ping -f -c 20000 -q "$addr" |
			sed -n 's/.* received.*time \([0-9]*\)ms.*/\1/p' |
			awk '{ printf "%d\n", 20000 / ($1 / 1000) }'
	done | median)
	e2=$(exits "$name")
	[ "$name" != linux ] && s1=$(stats "$ns")
	local tcp udp
	tcp=$(for i in $(seq $runs); do
		timeout 120 $x "$here/bulk.py" tcp "$addr" 7 "$TCP_MB" || echo 0
	done | median)
	local split tx rx
	split=$(for i in $(seq $runs); do
		timeout 120 $x "$here/bulk.py" tcp-split "$addr" 7 "$TCP_MB" || echo 0 0
	done)
	tx=$(echo "$split" | awk '{ print $1 }' | median)
	rx=$(echo "$split" | awk '{ print $2 }' | median)
	e3=$(exits "$name")
	udp=$(for i in $(seq $runs); do
		timeout 120 $x "$here/bulk.py" udp "$addr" 7 "$UDP_MB" | awk '{ print $1 }' || echo 0
	done | median)
	e4=$(exits "$name")
	[ -n "$e0" ] && echo "$name: exits: $(per "$e0" "$e1" 1000) per ping (1 ms apart), $(per "$e1" "$e2" $((runs * 20000))) per flood ping, $(per "$e2" "$e3" $((runs * TCP_MB * 2))) per MB tcp-echo, $(per "$e3" "$e4" $((runs * UDP_MB))) per MB udp-echo" >>"$tmp/batching"
	printf '%-8s %9s %9s %11s %10s %10s %8s %8s\n' "$name" "$p50" "$p99" "$flood" "$tcp" "$udp" "$tx" "$rx"
	echo "$name $p50 $p99 $flood $tcp $udp $tx $rx" >>"$tmp/results"
	if [ "$name" != linux ]; then
		s2=$(stats "$ns")
		d() { echo $(($(counter "$2" "$3") - $(counter "$1" "$3"))); }
		echo "$name: flood: $(d "$s0" "$s1" loop_yields) yields for $(d "$s0" "$s1" rx_frames) frames in; echo bulk: $(d "$s1" "$s2" rx_frames) frames in $(d "$s1" "$s2" rx_batches) reads, $(d "$s1" "$s2" tx_frames) out in $(d "$s1" "$s2" tx_batches) writes" >>"$tmp/batching"
	fi
}

echo "bench: ping p50/p99 in ms; flood in pings/s; echo in MB/s each way"
printf '%-8s %9s %9s %11s %10s %10s %8s %8s\n' target p50 p99 flood tcp-echo udp-echo tcp-tx tcp-rx

# Linux: client namespace --veth-- server namespace with socat echoing.
lc=kiln-bench-lc-$$ ls=kiln-bench-ls-$$
make_netns "$lc"
make_netns "$ls"
ip link add kbv0 netns "$lc" type veth peer name kbv1 netns "$ls"
ip -n "$lc" addr add 198.18.1.1/24 dev kbv0
ip -n "$ls" addr add 198.18.1.2/24 dev kbv1
ip -n "$lc" link set kbv0 up
ip -n "$ls" link set kbv1 up
echo_bin=$(host_build bench/net/linux_echo.host) || { tail -5 "$(host_log bench/net/linux_echo.host)"; exit 1; }
ip netns exec "$ls" "$echo_bin" &
on_exit "ip netns pids $ls | xargs -r kill -9"
sleep 0.5
measure "$lc" 198.18.1.2 linux

for target in "${targets[@]}"; do
	ns=kiln-bench-$target-$$
	netns_setup "$ns"
	# kiln-hvt keeps exit counters (read by exits() above).
	[ "$target" = hvt ] && export KILN_HVT_STATS=1
	if ! echo_start "$ns" "$target" "$tmp/$target.log" \
		--ipv4=$ECHO_IP/24 --ipv4-gateway=$PEER_IP; then
		echo "bench: $target does not start: $(tail -3 "$tmp/$target.log")"
		echo_stop
		continue
	fi
	measure "$ns" $ECHO_IP "$target"
	echo_stop
	ip netns del "$ns"
done

echo
cat "$tmp/batching" 2>/dev/null
awk 'function pct(a, b) { return b > 0 ? sprintf("%.0f%%", 100 * a / b) : "-" }
     NR == 1 && $1 == "linux" { for (i = 2; i <= 8; i++) l[i] = $i; next }
     { printf "%s vs linux: p50 x%.2f, flood x%.2f, tcp-echo %s, udp-echo %s, tcp-tx %s, tcp-rx %s\n",
       $1, $2 / l[2], $4 / l[4], pct($5, l[5]), pct($6, l[6]), pct($7, l[7]), pct($8, l[8]) }' "$tmp/results"
