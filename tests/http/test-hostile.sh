#!/usr/bin/env bash
# The decks server under hostile load, on a tap in a network namespace,
# unix (ASan+UBSan) and - where KVM works - hvt; tests/http/hostile.py is
# the client:
# - error responses (400, 413, 431, and 503 when every connection is
#   busy) reach a client that goes on sending 8 MiB (lingering close);
#   curl uploading 8 MiB gets its 413;
# - slowloris with 2,000 connections: a normal client gets >= 99% 200s,
#   with the default bounds and with --http-max-conns=500 (the slow and
#   idle make room), and wrk alongside gets nothing but 200s;
# - 10,000 idle connections at once (half new, half keep-alive): a normal
#   client gets 200s with p99 < 100 ms, all 10,000 stay open, and on hvt
#   the guest's heap grows by at most 2 KiB per connection with no failed
#   allocation (the decks' --stats-every lines).
# Cases (tests/run.sh http/test-hostile CASE): errors, busy, slowloris,
# slowloris-shed, idle; each on unix and hvt.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
if ! have_netns; then
	skip "hostile load" "$NETNS_WHY"
	exit 0
fi
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
build() {
	if ! "$KILN" build "$@" apps/decks >"$T/build.log" 2>&1; then
		if grep -q "npm" "$T/build.log" && [ ! -d apps/decks/node_modules/reveal.js ]; then
			skip "hostile load" "npm ci failed (no package registry?)"
			exit 0
		fi
		fail "build decks $*" "$(tail -5 "$T/build.log")"
		finish
	fi
}
head -c $((8 << 20)) /dev/zero >"$T/8m"
# 10,000 client sockets, and as many on the server side for unix.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

ns="kiln-hostile-$$"
make_netns "$ns"
ip netns exec "$ns" ip tuntap add dev tap0 mode tap
ip -n "$ns" addr add 198.18.0.1/24 dev tap0
ip -n "$ns" link set tap0 up
H=(ip netns exec "$ns" timeout 200 python3 tests/http/hostile.py 198.18.0.2 80)

# serve NAME LOG CMD...: start the server in the namespace; sets PID.
serve() {
	local name=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	PID=$!
	if ! wait_for 30 ip netns exec "$ns" curl -sf -o /dev/null http://198.18.0.2/; then
		fail "$name: server up" "$(tail -5 "$log")"
		kill -9 "$PID" 2>/dev/null
		return 1
	fi
}

# stop NAME LOG: stop the server; its console must be clean.
stop() {
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	if grep -q "AddressSanitizer\|runtime error\|panic\|guest fault" "$2"; then
		fail "$1: clean console" "$(grep -m3 "AddressSanitizer\|runtime error\|panic\|guest fault" "$2")"
	fi
}

# run NAME ARGS...: hostile.py, its PASS/FAIL lines named.
run() {
	local name=$1
	shift
	"${H[@]}" "$@" | sed "s/^\(PASS\|FAIL\): /\1: $name: /" | grep -v '^figures:'
	[ "${PIPESTATUS[0]}" -eq 0 ] || TEST_FAILS=$((TEST_FAILS + 1))
}

# heap_check NAME LOG N: from the --stats-every lines, the heap's growth
# per connection while N were held, and no failed allocation.
heap_check() {
	local name=$1 log=$2 n=$3
	local base top
	base=$(grep -m1 '^decks: stats conns=0 ' "$log")
	top=$(grep '^decks: stats ' "$log" | sort -t= -k2 -n | tail -1)
	local b0 t0 conns fails
	b0=$(echo "$base" | sed -n 's/.*heap_in_use=\([0-9]*\).*/\1/p')
	t0=$(echo "$top" | sed -n 's/.*heap_in_use=\([0-9]*\).*/\1/p')
	conns=$(echo "$top" | sed -n 's/.*stats conns=\([0-9]*\).*/\1/p')
	fails=$(grep '^decks: stats ' "$log" | tail -1 | sed -n 's/.*alloc_failures=\([0-9]*\).*/\1/p')
	if [ -z "$b0" ] || [ -z "$t0" ] || [ -z "$conns" ]; then
		fail "$name: heap figures" "no stats lines: $(tail -3 "$log")"
		return
	fi
	local per=$(((t0 - b0) / (conns > 0 ? conns : 1)))
	[ "$conns" -ge "$n" ] && [ "$per" -le 2048 ] && [ "${fails:-1}" -eq 0 ] &&
		pass "$name: heap while $conns connections were held: $((t0 - b0)) bytes more, $per per connection (budget 2048), no failed allocation" ||
		fail "$name: heap figures" "conns $conns, $per bytes each, $fails failed allocations: $top"
}

hostile() {
	local name=$1
	shift
	local log="$T/$name.log"
	if case_on errors; then
		serve "$name" "$log" "$@" -- --ipv4=198.18.0.2/24 --http-log=off || return
		run "$name" errors
		# curl uploading 8 MiB to a server that refuses the body at once:
		# the 413, not "connection reset".
		local st
		st=$(ip netns exec "$ns" curl -s -o /dev/null -w '%{http_code}' -H 'Expect:' \
			--data-binary @"$T/8m" http://198.18.0.2/ 2>&1)
		[ "$st" = 413 ] && pass "$name: curl uploading 8 MiB gets the 413" ||
			fail "$name: curl uploading 8 MiB" "got $st"
		stop "$name" "$log"
	fi

	if case_on busy; then
		serve "$name" "$log" "$@" -- --ipv4=198.18.0.2/24 --http-log=off --http-max-conns=1 || return
		run "$name: --http-max-conns=1" errors --busy
		stop "$name" "$log"
	fi

	if case_on slowloris; then
		serve "$name" "$log" "$@" -- --ipv4=198.18.0.2/24 --http-log=off || return
		# wrk as a second normal client, while the slowloris is held.
		(sleep 4 && ip netns exec "$ns" wrk -t1 -c8 -d5s http://198.18.0.2/ >"$T/wrk.out" 2>&1) &
		local wp=$!
		run "$name" slowloris 2000 --secs=10
		wait "$wp"
		local n
		n=$(awk '/requests in/ {print $1}' "$T/wrk.out")
		! grep -q "Non-2xx\|Socket errors" "$T/wrk.out" && [ "${n:-0}" -gt 100 ] &&
			pass "$name: wrk alongside the slowloris: $n requests, all 200" ||
			fail "$name: wrk alongside the slowloris" "$(grep -E 'requests in|Non-2xx|Socket errors' "$T/wrk.out" | tr -s ' ')"
		stop "$name" "$log"
	fi

	if case_on slowloris-shed; then
		serve "$name" "$log" "$@" -- --ipv4=198.18.0.2/24 --http-log=off --http-max-conns=500 --counters || return
		run "$name: --http-max-conns=500" slowloris 2000 --secs=10
		stop "$name" "$log"
		# The exit line says the bound was reached and room was made.
		grep -q "^decks: stats .*shed_idle=[1-9]" "$log" &&
			pass "$name: --http-max-conns=500: idle connections were shed for new ones" ||
			fail "$name: --http-max-conns=500: shedding" "$(grep '^decks: stats' "$log" | tail -1)"
	fi

	if case_on idle; then
		serve "$name" "$log" "$@" -- --ipv4=198.18.0.2/24 --http-log=off --stats-every=1 || return
		# The heap before: a stats line with no connection.
		wait_for 10 grep -q '^decks: stats conns=0 ' "$log"
		run "$name" idle 10000 --hold=2.5 --secs=5
		stop "$name" "$log"
		[ "$name" = hvt ] && heap_check "$name" "$log" 10000
	fi
}

build -t unix --sanitize
hostile unix apps/decks/_build/unix-san/decks --net tap,ifname=tap0
if have_kvm && [ -x "$KILN_HVT" ]; then
	build -t hvt
	hostile hvt "$KILN_HVT" --net tap,ifname=tap0 apps/decks/_build/hvt/decks
else
	skip "hvt hostile load" "${KVM_WHY:-no kiln-hvt}"
fi
finish
