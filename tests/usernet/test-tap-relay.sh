#!/usr/bin/env bash
# kiln-tap-relay: kiln-usernet serving a guest that is not QEMU, through a
# tap on a bridge of its own (what platform/xen/launch does for --net user
# on a Xen host, where the guest's vif joins that bridge). Here a unix-
# target echo server on a second tap of the same bridge stands in for the
# vif: it takes kiln-usernet's DHCP lease through the relay, and TCP and
# UDP echo answer on the forwards at 127.0.0.1. All inside a network
# namespace made for the test.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
have_netns || { skip "tap relay" "$NETNS_WHY"; exit 0; }
make -s programs >/dev/null 2>&1 || { fail "make" "host programs do not build"; finish; }
"$KILN" build -t unix apps/echo >/dev/null 2>&1 || { fail "build echo" "kiln build -t unix apps/echo"; finish; }
T=$(scratch)
ns="kiln-relay-$$"
make_netns "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link add kxb0 type bridge
in_ns ip tuntap add dev kxt0 mode tap
in_ns ip tuntap add dev kg0 mode tap
for d in kxt0 kg0; do in_ns ip link set "$d" master kxb0; in_ns ip link set "$d" up; done
in_ns ip link set kxb0 up
port=17317

# Bad use: one line, exit 2.
in_ns bin/kiln-tap-relay --fd 10 --tap this-name-is-far-too-long 10<>/dev/null 2>"$T/bad.err" </dev/null
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$T/bad.err")" -eq 1 ]; then
	pass "tap relay: a bad tap is one line and exit 2"
else
	fail "tap relay: a bad tap is one line and exit 2" "rc $rc: $(tr '\n' '|' <"$T/bad.err")"
fi

in_ns bin/kiln-usernet --net "user,hostfwd=tcp:127.0.0.1:$port-:7,hostfwd=udp:127.0.0.1:$port-:7" \
	--peer-fd 10 -- bin/kiln-tap-relay --fd 10 --tap kxt0 >"$T/relay.log" 2>&1 </dev/null &
relay=$!
on_exit "kill $relay"
in_ns apps/echo/_build/unix/echo --net tap,ifname=kg0 >"$T/echo.log" 2>&1 </dev/null &
echo_pid=$!
on_exit "kill $echo_pid"
if wait_for 30 grep -q 'lease of 198\.18\.0\.' "$T/echo.log"; then
	pass "tap relay: the guest's DHCP lease comes from kiln-usernet through the bridge"
else
	fail "tap relay: DHCP through the relay" "$(tail -n 5 "$T/echo.log" "$T/relay.log" | tr '\n' '|')"
fi
in_ns timeout 60 python3 - "$port" <<'PY'
import hashlib, os, socket, sys, threading
port = int(sys.argv[1])
N = 4 << 20
data = os.urandom(N)
s = socket.create_connection(("127.0.0.1", port), timeout=20)
t = threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR)))
t.start()
h, n = hashlib.sha256(), 0
while True:
    b = s.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
t.join()
ok = n == N and h.digest() == hashlib.sha256(data).digest()
print(("PASS" if ok else "FAIL") + ": tap relay: 4 MiB TCP echo through the forward, sha256 %s" % ("equal" if ok else "differs (%d bytes)" % n))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
u.sendto(b"relay", ("127.0.0.1", port))
try:
    got = u.recvfrom(100)[0]
except socket.timeout:
    got = b""
print(("PASS" if got == b"relay" else "FAIL") + ": tap relay: UDP echo through the forward")
PY
# The relay ends when kiln-usernet does, and with it: nothing left.
kill -TERM "$relay"
if wait_for 10 bash -c "! kill -0 $relay 2>/dev/null"; then
	pass "tap relay: ends on SIGTERM"
else
	fail "tap relay: ends on SIGTERM" "still running"
fi
finish
