# Shared by the containment tests (tests/usernet/test-containment.sh,
# tests/virtio/test-usernet-containment.sh); source after tests/lib.sh.
#
# outside_network NS OUT DEV NET TMP: a namespace NS for the unikernel and
# an "outside" namespace OUT, joined by a veth pair DEV0/DEV1 on
# 198.18.NET.0/24 (NS is .1, OUT is .2), each with a listener on port 9
# logging to TMP/in.log and TMP/out.log. A control run from NS itself
# must reach both listeners (outside, and its own 127.0.0.1 and .1), so
# that silence later means containment, not a broken set-up. Sets
# out_before and in_before to the listeners' counts after the control;
# on failure reports it and ends the script.
outside_network() {
	local ns=$1 out=$2 dev=$3 net=$4 tmp=$5
	local here="$ROOT/tests/usernet"
	make_netns "$ns"
	make_netns "$out"
	ip link add "${dev}0" netns "$ns" type veth peer name "${dev}1" netns "$out"
	ip -n "$ns" addr add "198.18.$net.1/24" dev "${dev}0"
	ip -n "$out" addr add "198.18.$net.2/24" dev "${dev}1"
	ip -n "$ns" link set "${dev}0" up
	ip -n "$out" link set "${dev}1" up

	ip netns exec "$out" "$here/listen.py" 9 >"$tmp/out.log" 2>&1 &
	on_exit "kill $!"
	ip netns exec "$ns" "$here/listen.py" 9 >"$tmp/in.log" 2>&1 &
	on_exit "kill $!"
	wait_for 10 grep -q listening "$tmp/out.log" && wait_for 10 grep -q listening "$tmp/in.log" ||
		{
			fail "listeners start" "$(cat "$tmp/out.log" "$tmp/in.log")"
			finish
		}

	ip netns exec "$ns" python3 - "198.18.$net" <<'PY' >"$tmp/control.out" 2>&1
import socket, sys
net = sys.argv[1]
for addr in (net + ".2", "127.0.0.1", net + ".1"):
    socket.create_connection((addr, 9), timeout=5).close()
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (addr, 9))
PY
	if wait_for 5 test "$(grep -c from "$tmp/out.log")" -ge 2 &&
		wait_for 5 test "$(grep -c from "$tmp/in.log")" -ge 4; then
		pass "control: the namespace reaches the listeners (outside 198.18.$net.2, own 127.0.0.1 and 198.18.$net.1)"
	else
		fail "control" "$(cat "$tmp/control.out") out: $(tr '\n' '|' <"$tmp/out.log") in: $(tr '\n' '|' <"$tmp/in.log")"
		finish
	fi
	out_before=$(grep -c from "$tmp/out.log")
	in_before=$(grep -c from "$tmp/in.log")
}
