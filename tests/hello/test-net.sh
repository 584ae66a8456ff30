#!/usr/bin/env bash
# The unix target's network device paths with tests/hello/net (raw frames,
# no IP stack): user-mode networking through libslirp (DHCP DISCOVER ->
# OFFER -> REQUEST -> ACK, then a TCP SYN arriving through a hostfwd on
# 127.0.0.1), and a tap device inside a namespace the test creates, where
# a raw socket on the host side exchanges frames with the app.
# timeout: 240
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || make -s bin/kiln >/dev/null 2>&1
tmp=$(scratch)
export ASAN_OPTIONS=detect_leaks=1
if ! "$KILN" build -t unix --sanitize tests/hello/net >"$tmp/build.log" 2>&1; then
	fail "nettest build" "$(tail -5 "$tmp/build.log")"
	finish
fi
img="$ROOT/tests/hello/net/_build/unix-san/nettest"

# ------------------------------------------------------------- user mode
# A free port on 127.0.0.1 for the forward.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
timeout 20 "$img" --net "user,hostfwd=tcp:127.0.0.1:$port-:80" -- dhcp --timeout=10 \
	>"$tmp/user.out" 2>&1 &
pid=$!
on_exit "kill $pid"
if wait_for 10 grep -q '^dhcp: ack' "$tmp/user.out"; then
	grep -qx 'dhcp: offer 198.18.0.15' "$tmp/user.out" &&
		grep -qx 'dhcp: server 198.18.0.1' "$tmp/user.out" &&
		pass "usernet: DHCP offer and ack for 198.18.0.15 from 198.18.0.1" ||
		fail "usernet dhcp" "$(tr '\n' '|' <"$tmp/user.out")"
	# Connecting to the forward makes slirp send the guest a SYN.
	python3 - "$port" <<'PY' >"$tmp/connect.out" 2>&1 || true
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
time.sleep(0.5)
PY
	wait $pid
	rc=$?
	if [ $rc -eq 0 ] && grep -qx 'tcp: syn to port 80' "$tmp/user.out"; then
		pass "usernet: hostfwd 127.0.0.1:$port reaches the guest as a SYN"
	else
		fail "usernet hostfwd" "status $rc: $(tr '\n' '|' <"$tmp/user.out") $(cat "$tmp/connect.out")"
	fi
else
	fail "usernet dhcp" "no ack: $(tr '\n' '|' <"$tmp/user.out")"
fi

# A port forward whose host port is taken fails at start, clearly.
python3 - "$tmp" "$img" <<'PY' >"$tmp/busy.out" 2>&1
import socket, subprocess, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
port = s.getsockname()[1]
r = subprocess.run([sys.argv[2], "--net", f"user,hostfwd=tcp:127.0.0.1:{port}-:80",
                    "--", "dhcp"], capture_output=True, text=True, timeout=10)
print(r.returncode, r.stderr.strip())
PY
grep -q '^1 kiln: usernet: hostfwd tcp:127.0.0.1:[0-9]*-:80: cannot listen' "$tmp/busy.out" &&
	pass "usernet: a busy host port is a clear error" ||
	fail "usernet busy port" "$(cat "$tmp/busy.out")"

# ------------------------------------------------------------------- tap
if ! have_netns; then
	skip "tap" "$NETNS_WHY"
	finish
fi
ns="kiln-tap-$$"
make_netns "$ns"
ip -n "$ns" tuntap add dev ktap0 mode tap
ip netns exec "$ns" sysctl -qw net.ipv6.conf.ktap0.disable_ipv6=1 2>/dev/null || true
ip -n "$ns" link set ktap0 up

ip netns exec "$ns" timeout 30 "$img" --net tap,ifname=ktap0 -- echo --timeout=20 \
	>"$tmp/tap.out" 2>&1 &
pid=$!
on_exit "kill $pid"
# The host side: raw frames of EtherType 0x88b5 on ktap0; resend each ping
# until its pong comes (the app may not be attached yet).
ip netns exec "$ns" python3 - <<'PY' >"$tmp/host.out" 2>&1
import socket, time
ETH = 0x88B5
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH))
s.bind(("ktap0", 0))
me = s.getsockname()[4]
s.settimeout(0.2)
got = 0
for i in range(1, 6):
    ping = b"ping %d" % i
    frame = b"\xff" * 6 + me + ETH.to_bytes(2, "big") + ping
    frame += b"\0" * (60 - len(frame))
    end = time.time() + 15
    while time.time() < end:
        s.send(frame)
        try:
            r = s.recv(2000)
        except socket.timeout:
            continue
        if r[:6] == me and r[14:14 + len(ping)] == b"pong" + ping[4:]:
            got += 1
            print("pong %d from %s" % (i, r[6:12].hex(":")))
            break
s.send(b"\xff" * 6 + me + ETH.to_bytes(2, "big") + b"quit" + b"\0" * 42)
print("got %d" % got)
PY
wait $pid
rc=$?
if grep -qx 'got 5' "$tmp/host.out" && grep -q '^pong 5 from 02:6b:69:6c:6e:00$' "$tmp/host.out"; then
	pass "tap: 5 frames answered through net0"
else
	fail "tap frames" "$(tr '\n' '|' <"$tmp/host.out") app: $(tr '\n' '|' <"$tmp/tap.out")"
fi
[ $rc -eq 0 ] && grep -q '^done after' "$tmp/tap.out" && pass "tap: app exits 0 on quit" ||
	fail "tap app" "status $rc: $(tr '\n' '|' <"$tmp/tap.out")"

# A tap that cannot be opened is a clear error (a name with no device,
# outside any namespace we may not create it in: use an invalid one).
timeout 10 "$img" --net tap,ifname=no/such >"$tmp/badtap.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "^kiln: --net tap: bad ifname" "$tmp/badtap.out" &&
	pass "tap: bad ifname refused" || fail "bad tap" "status $rc: $(cat "$tmp/badtap.out")"
finish
