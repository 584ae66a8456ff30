#!/usr/bin/env bash
# TCP benchmarks: apps/echo (unix and hvt targets, tap in a namespace)
# against Linux itself (a veth peer in a second namespace running
# bench/net/linux_echo.c), driven by the live tests' client
# (tests/tcp/live_client.py). Figures are medians of 3 runs:
#   conn/s    sequential connect-echo-close cycles (2,000 per run)
#   conc MB/s 100 concurrent connections echoing 1 MB each, total bytes
#             echoed per second (bounded by the Python client's threads,
#             so this shows fairness and stability more than speed)
#   bulk MB/s one connection echoing 64 MiB, each way
# then each target's ratio to Linux.
#
# usage: bench/tcp/run.sh [TARGETS...]    (default: unix hvt)
#   BENCH_BOOTARGS="--tcp-cc=bbr": boot arguments for apps/echo
#   BENCH_LINUX_CC=NAME: Linux's echo uses controller NAME (TCP_CONGESTION)
# Needs root, /dev/net/tun, and /dev/kvm for hvt.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/tests/lib.sh"
source "$root/tests/net/netns.sh"
client="$root/tests/tcp/live_client.py"
have_netns || { echo "bench: $NETNS_WHY"; exit 1; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(unix hvt)
tmp=$(mktemp -d /tmp/kiln-bench-tcp.XXXXXX)
on_exit "rm -rf '$tmp'"
runs=${RUNS:-3}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
spread() { sort -n | awk '{ v[NR] = $1 } END { printf "%s-%s", v[1], v[NR] }'; }

# figures NS ADDR NAME: one table row.
figures() {
	local ns=$1 addr=$2 name=$3 i
	local x="ip netns exec $ns timeout 300 python3 $client"
	for i in $(seq $runs); do
		$x seq "$addr" 7 2000 | sed -n 's/.*(\([0-9]*\)\/s).*/\1/p'
	done >"$tmp/seq"
	for i in $(seq $runs); do
		# 100 x 1 MB echoed in T s: 100 MB / T.
		$x conc "$addr" 7 100 1000000 |
			sed -n 's/.* in \([0-9.]*\) s$/\1/p' |
			awk '{ printf "%.1f\n", 100 / $1 }'
	done >"$tmp/conc"
	for i in $(seq $runs); do
		$x bulk "$addr" 7 $((64 << 20)) |
			sed -n 's/.*(\([0-9.]*\) MB\/s each way).*/\1/p'
	done >"$tmp/bulk"
	local s c b
	s=$(median <"$tmp/seq")
	c=$(median <"$tmp/conc")
	b=$(median <"$tmp/bulk")
	printf '%-6s %8s (%s) %9s (%s) %9s (%s)\n' "$name" "$s" \
		"$(spread <"$tmp/seq")" "$c" "$(spread <"$tmp/conc")" "$b" \
		"$(spread <"$tmp/bulk")"
	echo "$name $s $c $b" >>"$tmp/results"
}

echo "bench: medians of $runs runs (min-max in parentheses)"
printf '%-6s %8s %9s %9s\n' target conn/s "conc MB/s" "bulk MB/s"

lc=kiln-btcp-lc-$$ ls=kiln-btcp-ls-$$
make_netns "$lc"
make_netns "$ls"
ip link add kbt0 netns "$lc" type veth peer name kbt1 netns "$ls"
ip -n "$lc" addr add 198.18.2.1/24 dev kbt0
ip -n "$ls" addr add 198.18.2.2/24 dev kbt1
ip -n "$lc" link set kbt0 up
ip -n "$ls" link set kbt1 up
echo_bin=$(host_build bench/net/linux_echo.host) || { tail -5 "$(host_log bench/net/linux_echo.host)"; exit 1; }
LINUX_ECHO_CC=${BENCH_LINUX_CC:-} ip netns exec "$ls" "$echo_bin" &
on_exit "ip netns pids $ls | xargs -r kill -9"
sleep 0.5
figures "$lc" 198.18.2.2 linux

for target in "${targets[@]}"; do
	if [ "$target" = hvt ] && ! have_kvm; then
		echo "bench: hvt skipped: $KVM_WHY"
		continue
	fi
	ns=kiln-btcp-$target-$$
	netns_setup "$ns"
	# shellcheck disable=SC2086
	if ! echo_start "$ns" "$target" "$tmp/$target.log" --ipv4=$ECHO_IP/24 ${BENCH_BOOTARGS:-}; then
		echo "bench: $target does not start: $(tail -3 "$tmp/$target.log")"
		echo_stop
		continue
	fi
	figures "$ns" $ECHO_IP "$target"
	echo_stop
	ip netns del "$ns"
done

echo
awk 'NR == 1 && $1 == "linux" { s = $2; c = $3; b = $4; next }
     { printf "%s vs linux: conn/s x%.2f, conc x%.2f, bulk x%.2f\n",
       $1, $2 / s, $3 / c, $4 / b }' "$tmp/results"
