#!/usr/bin/env bash
# Checksum and segmentation offload (kiln/platform.h) against Linux over a
# tap: 64 MiB echoed byte-exact with offloads on (the tap opened with
# IFF_VNET_HDR: TCP sends segments of up to 64 KB for the kernel to cut,
# takes coalesced ones, sums nothing) and off (--net-offload=0), and with
# offloads on against a peer whose path MTU is 1280 bytes (the kernel must
# cut at the peer's MSS). The same on hvt, where kiln-hvt opens the tap
# with vnet headers and carries the metadata through the frame rings of
# its guest (docs/hvt.md); its offloads-off run follows a unix run that
# left the tap with offloads on, so that kiln-hvt must reset them. And on
# virtio (QEMU with KVM, the tap behind its virtio-net): the driver
# negotiates CSUM, GUEST_CSUM, HOST_TSO4, GUEST_TSO4 and MRG_RXBUF, or
# none with --net-offload=0. OFFLOAD_TARGETS picks targets (default: all).
# Cases (tests/run.sh net/test-offload CASE): on, off, path-mtu.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/netns.sh"
have_netns || { skip "net offload" "$NETNS_WHY"; exit 0; }
net_targets
if have_kvm && command -v qemu-system-x86_64 >/dev/null; then
	NET_TARGETS="$NET_TARGETS virtio"
else
	skip "virtio" "${KVM_WHY:-qemu-system-x86_64 not installed}"
fi
NET_TARGETS=${OFFLOAD_TARGETS:-$NET_TARGETS}
ns=kiln-net-off-$$
tmp=$(scratch)
on_exit "rm -rf '$tmp'"
here="$ROOT/tests/net"
runs=0

# run TARGET OFFLOAD MIB NAME [peer route options]
run() {
	local target=$1 off=$2 mib=$3 name=$4
	shift 4
	ip netns list | grep -qw "$ns" || netns_setup "$ns"
	[ $# -gt 0 ] && ip -n "$ns" route replace 198.18.0.0/24 dev ktap0 "$@"
	runs=$((runs + 1))
	local log="$tmp/echo-$runs.log"
	if ! echo_start "$ns" "$target" "$log" --ipv4=$ECHO_IP/24 --net-offload=$off; then
		fail "$target: $name: echo starts" "$(tail -5 "$log" "$log.build" 2>/dev/null)"
	else
		local got want
		got=$(sed -n 's/.*offloads \(0x[0-9a-f]*\).*/\1/p' "$log" | head -1)
		case "$target,$off" in
		*,0) want=0x0 ;;
		virtio,*) want=0xf ;; # no TX_SG: the driver gathers
		*) want=0x1f ;;       # the four and TX_SG
		esac
		local r
		r=$(timeout 240 ip netns exec "$ns" "$here/bulk_echo.py" $ECHO_IP 7 "$mib" 2>&1 | tail -1)
		local s
		s=$(stats "$ns")
		local what="$target: $name: $mib MiB each way byte-exact, offloads $got"
		if [ "${r%% *}" = ok ] && [ "$got" = "$want" ] &&
			[ "$(counter "$s" drop_tcp_checksum)" = 0 ] &&
			[ "$(counter "$s" drop_bad_offload)" = 0 ]; then
			pass "$what ($r)"
		else
			fail "$what" "$r; want offloads $want; $(echo "$s" | grep -E 'checksum|offload' | tr '\n' ' ')"
		fi
	fi
	echo_stop
	[ -n "${KEEP:-}" ] || ip netns del "$ns"
}

for target in $NET_TARGETS; do
	case $target in
	unix)
		case_on on && run unix 1 64 "offloads on"
		case_on off && run unix 0 64 "offloads off"
		case_on path-mtu && run unix 1 8 "offloads on, path MTU 1280" mtu lock 1280 advmss 1240
		;;
	unix-san) case_on on && run unix-san 1 8 "offloads on" ;;
	hvt)
		case_on on && run hvt 1 64 "offloads on"
		# On the tap the unix run left with offloads set: kiln-hvt
		# with offloads off must get whole checksums all the same.
		if case_on off; then
			KEEP=1 run unix 1 1 "offloads on, before hvt on the same tap"
			run hvt 0 64 "offloads off, after unix on the same tap"
		fi
		case_on path-mtu && run hvt 1 8 "offloads on, path MTU 1280" mtu lock 1280 advmss 1240
		;;
	virtio)
		case_on on && run virtio 1 64 "offloads on"
		case_on off && run virtio 0 64 "offloads off"
		case_on path-mtu && run virtio 1 8 "offloads on, path MTU 1280" mtu lock 1280 advmss 1240
		;;
	esac
done
finish
