#!/usr/bin/env bash
# A fiber with the default 64 KiB stack writes frames through user-mode
# networking under AddressSanitizer: libslirp's input path needs more
# stack than that, so the unix target must queue the frames and hand them
# to libslirp from platform_yield, on the loop's stack. The probe app
# (tests/usernet/probe) does all its I/O from such a fiber: ARP, pings,
# an answer through a UDP forward, and a burst of 300 frames written
# without yielding, of which the bounded queue takes 256 and calls the
# rest congested (PLATFORM_AGAIN, counted at exit). No root needed.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
tmp=$(scratch)
[ -x "$KILN" ] || make -s bin/kiln >/dev/null 2>&1
if ! timeout 300 "$KILN" build -t unix --sanitize tests/usernet/probe >"$tmp/build.log" 2>&1; then
	fail "probe build" "$(tail -5 "$tmp/build.log")"
	finish
fi
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ASAN_OPTIONS=detect_leaks=1 timeout 60 tests/usernet/probe/_build/unix-san/probe \
	--net "user,hostfwd=udp:127.0.0.1:$port-:7" -- --answer-udp=7 --burst=300 \
	--timeout=40 icmp:198.18.0.1 >"$tmp/probe.log" 2>&1 &
pid=$!
on_exit "kill $pid"
r=$(timeout 50 python3 - "$port" <<'PY' 2>&1
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
end = time.time() + 40
while time.time() < end:
    s.sendto(b"from the host", ("127.0.0.1", int(sys.argv[1])))
    try:
        got = s.recv(100)
    except socket.timeout:
        continue
    print("echo" if got == b"from the host" else "wrong %r" % got)
    break
else:
    print("no echo")
PY
)
wait $pid
rc=$?
log=$(tr '\n' '|' <"$tmp/probe.log" | tail -c 2000)
if grep -q AddressSanitizer "$tmp/probe.log"; then
	fail "fiber writes under ASan" "$(grep -A8 -m1 ERROR "$tmp/probe.log" | tr '\n' '|')"
else
	pass "a default-stack fiber wrote through user-mode networking under ASan without an error"
fi
check "probe exits 0 after all its steps (status $rc)" [ $rc -eq 0 ]
grep -qx done "$tmp/probe.log" || fail "probe log" "$log"
check "ARP and a ping to the gateway, from the fiber" grep -qx "gateway: echo reply" "$tmp/probe.log"
check "an answer through the UDP forward reaches the host ($r)" [ "$r" = echo ]
check "a ping written after the burst is answered" grep -qx "icmp:198.18.0.1: echo reply" "$tmp/probe.log"
burst=$(sed -n 's/^burst: \(.*\)/\1/p' "$tmp/probe.log" | tr '\n' ';')
check "a 300-frame burst: the queue takes 256, 44 are congested, 256 answered ($burst)" \
	[ "$burst" = "256 taken, 44 congested;256 echo replies;" ]
check "the congested writes are counted at exit" \
	grep -q "44 writes met a full queue" "$tmp/probe.log"
finish
