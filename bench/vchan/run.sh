#!/usr/bin/env bash
# vchan against TCP between the same two kiln-hvt guests, in one run:
# apps/vchan-echo serves both (vchan, and TCP on port 7 over a tap) and
# apps/vchan-client measures each the same way: throughput (--bytes
# streamed through the echo, MB/s each way at once, unhashed) and round
# trips (--pings of 1 byte: p50/p99/mean). The two guests' taps hang on
# one bridge in a throwaway namespace. Each figure is the median of RUNS
# (3) runs; the last lines are vchan's figures against TCP's.
#
# usage: bench/vchan/run.sh [RUNS]     (MB=256 PINGS=2000 RING=1048576)
# Needs root, /dev/net/tun and /dev/kvm. The xen figures (nested Xen,
# ratio only) come from bench/vchan/xen.sh.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/tests/lib.sh"
have_kvm || { echo "bench: $KVM_WHY"; exit 1; }
have_netns || { echo "bench: $NETNS_WHY"; exit 1; }
runs=${1:-3}
MB=${MB:-256}
PINGS=${PINGS:-2000}
RING=${RING:-1048576}
tmp=$(scratch)
on_exit "rm -rf '$tmp'"
cd "$root"
for a in vchan-echo vchan-client; do
	"$KILN" build -t hvt "apps/$a" >"$tmp/build.log" 2>&1 ||
		{ echo "bench: build $a: $(tail -3 "$tmp/build.log")"; exit 1; }
done
echo_img=apps/vchan-echo/_build/hvt/vchan-echo
client_img=apps/vchan-client/_build/hvt/vchan-client

ns=kiln-bench-vchan-$$
make_netns "$ns"
x="ip netns exec $ns"
ip -n "$ns" link add br0 type bridge
ip -n "$ns" link set br0 up
for i in 0 1; do
	ip -n "$ns" tuntap add dev ktap$i mode tap
	ip -n "$ns" link set ktap$i master br0
	ip -n "$ns" link set ktap$i up
done

sock="$tmp/link.sock"
$x "$KILN_HVT" --quiet --mem 96M --net tap,ifname=ktap0 --vchan "peer=cli,path=$sock" \
	"$echo_img" -- --peers=cli --ring=$RING --no-hash --tcp-port=7 \
	--ipv4=198.18.0.2/24 --tcp-sndbuf=1048576 --tcp-rcvbuf=1048576 \
	>"$tmp/server.log" 2>&1 &
spid=$!
on_exit "kill -9 $spid 2>/dev/null"
wait_for 20 test -S "$sock" || { echo "bench: the server does not start"; exit 1; }
sleep 0.5

# client ARGS...: one client boot (both devices, the network configured
# only for TCP); its output.
client() {
	local net=()
	[[ "$1" == --tcp=* ]] &&
		net=(--ipv4=198.18.0.3/24 --tcp-sndbuf=1048576 --tcp-rcvbuf=1048576)
	$x timeout 120 "$KILN_HVT" --mem 96M --net tap,ifname=ktap1 \
		--vchan "peer=srv,path=$sock" "$client_img" -- "${net[@]}" "$@" 2>&1
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# figures KIND ARGS...: "MBps p50 p99 mean" for vchan (--peer=srv) or tcp
figures() {
	local rate p50 p99 mean out
	rate=$(for i in $(seq $runs); do
		client "$@" --bytes=$((MB << 20)) --no-hash |
			sed -n 's/.* s, \([0-9.]*\) MB\/s each way/\1/p'
	done | median)
	out=$(for i in $(seq $runs); do
		client "$@" --pings=$PINGS |
			sed -n 's/.*p50 \([0-9]*\) us, p99 \([0-9]*\) us, mean \([0-9]*\) us/\1 \2 \3/p'
	done)
	p50=$(awk '{ print $1 }' <<<"$out" | median)
	p99=$(awk '{ print $2 }' <<<"$out" | median)
	mean=$(awk '{ print $3 }' <<<"$out" | median)
	echo "${rate:-0} ${p50:-0} ${p99:-0} ${mean:-0}"
}

echo "bench: two kiln-hvt guests, $MB MiB streamed through an echo (MB/s each way), $PINGS 1-byte round trips (us); median of $runs; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %10s %8s %8s %8s\n' link MB/s p50 p99 mean
read -r vr vp50 vp99 vmean <<<"$(figures --peer=srv)"
printf '%-6s %10s %8s %8s %8s\n' vchan "$vr" "$vp50" "$vp99" "$vmean"
read -r tr tp50 tp99 tmean <<<"$(figures --tcp=198.18.0.2:7)"
printf '%-6s %10s %8s %8s %8s\n' tcp "$tr" "$tp50" "$tp99" "$tmean"
awk -v vr="$vr" -v tr="$tr" -v vp="$vp50" -v tp="$tp50" 'BEGIN {
	rt = tr > 0 ? vr / tr : 0
	rl = tp > 0 ? vp / tp : 0
	printf "vchan vs tcp: throughput x%.1f, round trip p50 x%.2f\n", rt, rl }'
echo "(vchan rings: $RING bytes each way; TCP buffers 1 MiB; one exit per loop turn on both)"
