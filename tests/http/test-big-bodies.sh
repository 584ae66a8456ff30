#!/usr/bin/env bash
# Big bodies through route handlers (apps/http-hello on a tap in a network
# namespace; tests/http/big.py does the checking): 64 MiB uploads, sized
# and chunked (with Expect: 100-continue), hashed by the handler (SHA-256
# compared with Python's), and a streamed body to a reader that is slow
# for its first 32 MiB, with the heap read from /metrics during it: in
# use and peak may grow by at most 512 KiB (the handler's fiber stack
# and TCP's rings are well under it). The unix image (ASan+UBSan; the host
# allocator gives no heap figures there) and, where KVM works, the hvt
# image. The stream is BIG_STREAM bytes: 256 MiB in the suite, 1 GiB in
# the second tier (make test-long sets BIG_STREAM=1073741824).
# timeout: 600
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
UP=$((64 << 20))
DOWN=${BIG_STREAM:-$((256 << 20))}
SLOW=$((32 << 20))
BOUND=$((512 << 10))
if ! have_netns; then
	skip "big bodies" "$NETNS_WHY"
	finish
fi
T=$(scratch)
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
ns="kiln-big-$$"
make_netns "$ns"
ip netns exec "$ns" ip tuntap add dev tap0 mode tap
ip -n "$ns" addr add 198.18.0.1/24 dev tap0
ip -n "$ns" link set tap0 up

# big NAME [asan] -- CMD...: start the server in the namespace, run
# big.py against it, stop it, check its console.
big() {
	local name=$1 flag=$2
	shift 3
	ip netns exec "$ns" "$@" >"$T/$name.log" 2>&1 &
	local p=$!
	if ! wait_for 30 ip netns exec "$ns" curl -sf -o /dev/null http://198.18.0.2/hello; then
		fail "$name: server up" "$(tail -5 "$T/$name.log")"
		kill -9 "$p" 2>/dev/null
		return
	fi
	ip netns exec "$ns" timeout 500 /usr/bin/python3 tests/http/big.py 198.18.0.2 80 \
		"$UP" "$DOWN" "$SLOW" "$BOUND" $flag | sed "s/^\(PASS\|FAIL\|SKIP\): big:/\1: big $name:/"
	[ "${PIPESTATUS[0]}" -eq 0 ] || TEST_FAILS=$((TEST_FAILS + 1))
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	if grep -q "AddressSanitizer\|runtime error\|panic" "$T/$name.log"; then
		fail "big $name: clean console" "$(grep -m3 "AddressSanitizer\|runtime error\|panic" "$T/$name.log")"
	else
		pass "big $name: clean console"
	fi
}

if "$KILN" build -t unix --sanitize apps/http-hello >"$T/build.log" 2>&1; then
	big unix asan -- apps/http-hello/_build/unix-san/http-hello --net tap,ifname=tap0 -- \
		--ipv4=198.18.0.2/24 --http-log=off --max-body=$UP
else
	fail "build http-hello unix" "$(tail -5 "$T/build.log")"
fi
if have_kvm && [ -x "$KILN_HVT" ] && [ -f platform/hvt/kiln.target ]; then
	if "$KILN" build -t hvt apps/http-hello >"$T/build-hvt.log" 2>&1; then
		big hvt "" -- "$KILN_HVT" --net tap,ifname=tap0 apps/http-hello/_build/hvt/http-hello -- \
			--ipv4=198.18.0.2/24 --http-log=off --max-body=$UP
	else
		fail "build http-hello hvt" "$(tail -5 "$T/build-hvt.log")"
	fi
else
	skip "big bodies on hvt" "${KVM_WHY:-no kiln-hvt or hvt target}"
fi
finish
