# Helpers for the network tests (source after ../lib.sh): a namespace with
# a tap device for the unikernel and Linux as its peer on 198.18.0.0/24,
# and starting apps/echo on a target inside it.
#
#   netns_setup NS           namespace NS, tap ktap0 with 198.18.0.1/24
#   echo_start NS TARGET LOG [BOOTARGS...]
#                            run apps/echo on TARGET (unix, unix-san, hvt)
#                            in NS on ktap0; waits until it serves; sets
#                            ECHO_PID
#   echo_launch NS TARGET LOG [BOOTARGS...]
#                            the same without waiting
#   echo_stop                end it (SIGTERM, then SIGKILL)
#   stats NS                 print the echo's counters (UDP port 8)
#   counter TEXT NAME        the value of one counter in stats output

PEER_IP=198.18.0.1
ECHO_IP=198.18.0.2

# Every target the network tests run on here, as "name" words, with a
# reason printed for those that cannot run.
net_targets() {
	NET_TARGETS="unix unix-san"
	if have_kvm; then
		NET_TARGETS="$NET_TARGETS hvt"
	else
		skip "hvt" "$KVM_WHY"
	fi
}

netns_setup() {
	local ns=$1
	make_netns "$ns"
	ip -n "$ns" tuntap add dev ktap0 mode tap
	ip -n "$ns" addr add "$PEER_IP/24" dev ktap0
	ip -n "$ns" link set ktap0 up
}

# Build the image for a target once (quietly); false on failure.
echo_build() {
	local target=$1 log=$2
	case "$target" in
	unix-san) "$KILN" build -t unix --sanitize "$ROOT/apps/echo" ;;
	*) "$KILN" build -t "$target" "$ROOT/apps/echo" ;;
	esac >"$log.build" 2>&1
}

# echo_launch: as echo_start, without waiting for it to serve.
echo_launch() {
	local ns=$1 target=$2 log=$3
	shift 3
	local t=$target san=()
	if [ "$target" = unix-san ]; then
		t=unix
		san=(--sanitize)
	fi
	echo_build "$target" "$log" || return 1
	ip netns exec "$ns" env ASAN_OPTIONS=detect_leaks=0 \
		"$KILN" run -t "$t" "${san[@]}" "$ROOT/apps/echo" \
		--net tap:ktap0 --mem 64M -- "$@" >"$log" 2>&1 &
	ECHO_PID=$!
	on_exit "kill -9 $ECHO_PID 2>/dev/null"
}

echo_start() {
	local target=$2 log=$3
	echo_launch "$@" || return 1
	# Generous: kiln run may rebuild when the tree changed meanwhile,
	# and the machine may be busy.
	if ! wait_for 90 grep -q "^echo: serving" "$log"; then
		echo "echo_start: $target did not start within 90 s; log:"
		tail -n 5 "$log" "$log.build" 2>&1
		kill -0 "$ECHO_PID" 2>/dev/null || echo "(it has exited)"
		return 1
	fi
}

echo_stop() {
	[ -n "${ECHO_PID:-}" ] || return 0
	# The unikernel runs until killed; kiln passes the signal on.
	pkill -TERM -P "$ECHO_PID" 2>/dev/null
	kill -TERM "$ECHO_PID" 2>/dev/null
	local i
	for i in $(seq 50); do
		kill -0 "$ECHO_PID" 2>/dev/null || break
		sleep 0.1
	done
	pkill -KILL -P "$ECHO_PID" 2>/dev/null
	kill -KILL "$ECHO_PID" 2>/dev/null
	wait "$ECHO_PID" 2>/dev/null
	ECHO_PID=
}

stats() {
	ip netns exec "$1" /usr/bin/python3 - "$ECHO_IP" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(5):
    s.sendto(b"stats", (sys.argv[1], 8))
    try:
        print(s.recv(65535).decode())
        break
    except socket.timeout:
        pass
PY
}

counter() {
	echo "$1" | awk -v n="$2" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }'
}
