#!/usr/bin/env bash
# A handler that overflows its fiber's stack (64 KiB) is stopped by the
# guard page below it, loudly: apps/http-hello --deep-route, GET
# /deep?kb=N recursing N KiB deep. 16 KiB answers 200; 256 KiB must end
# the image with a report naming the overflow (ASan's stack-overflow on
# unix, the guard-page fault on hvt) and no answer, never a silent
# corruption that keeps serving.
# timeout: 240
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }

# overflow NAME URL PID LOG PATTERN: 16 KiB fine, 256 KiB stops PID with
# PATTERN on its console.
overflow() {
	local name=$1 u=$2 p=$3 log=$4 pat=$5 run=${6:-}
	local out
	out=$($run curl -s -m 10 "$u/deep?kb=16")
	check "$name: a handler 16 KiB deep answers" test "$out" = 16
	out=$($run curl -s -m 10 -o /dev/null -w '%{http_code}' "$u/deep?kb=256")
	local i
	for i in $(seq 1 100); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then
		fail "$name: 256 KiB deep stops the image" "still running (curl: $out)"
		kill -9 "$p" 2>/dev/null
	elif [ "$out" != 000 ]; then
		fail "$name: 256 KiB deep stops the image" "answered $out"
	elif grep -Eq "$pat" "$log"; then
		pass "$name: 256 KiB deep: stopped by the guard page ($(grep -Eom1 "$pat" "$log"))"
	else
		fail "$name: 256 KiB deep: a report of the overflow" "$(tail -5 "$log")"
	fi
}

"$KILN" build -t unix --sanitize apps/http-hello >"$T/build.log" 2>&1 ||
	{ fail "build http-hello" "$(tail -5 "$T/build.log")"; finish; }
port=$((20000 + RANDOM % 20000))
"$KILN" run -t unix --sanitize apps/http-hello -p "$port:80" -- --deep-route >"$T/unix.log" 2>&1 &
pid=$!
on_exit "kill $pid 2>/dev/null"
if wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$port/hello"; then
	overflow unix "http://127.0.0.1:$port" "$pid" "$T/unix.log" 'AddressSanitizer: stack-overflow'
else
	fail "unix: server up" "$(tail -5 "$T/unix.log")"
fi

if ! have_kvm || [ ! -x "$KILN_HVT" ] || [ ! -f platform/hvt/kiln.target ]; then
	skip "handler stack on hvt" "${KVM_WHY:-no kiln-hvt or hvt target}"
	finish
fi
if ! have_netns; then
	skip "handler stack on hvt" "$NETNS_WHY"
	finish
fi
"$KILN" build -t hvt apps/http-hello >"$T/build-hvt.log" 2>&1 ||
	{ fail "build http-hello hvt" "$(tail -5 "$T/build-hvt.log")"; finish; }
ns="kiln-stack-$$"
make_netns "$ns"
ip netns exec "$ns" ip tuntap add dev tap0 mode tap
ip -n "$ns" addr add 198.18.0.1/24 dev tap0
ip -n "$ns" link set tap0 up
ip netns exec "$ns" "$KILN_HVT" --net tap,ifname=tap0 apps/http-hello/_build/hvt/http-hello -- \
	--ipv4=198.18.0.2/24 --deep-route >"$T/hvt.log" 2>&1 &
hp=$!
if wait_for 30 ip netns exec "$ns" curl -sf -o /dev/null http://198.18.0.2/hello; then
	overflow hvt http://198.18.0.2 "$hp" "$T/hvt.log" 'fault[^()]*\((stack )?guard page\)|guard page: stack overflow' "ip netns exec $ns"
else
	fail "hvt: server up" "$(tail -5 "$T/hvt.log")"
fi
kill "$hp" 2>/dev/null
finish
