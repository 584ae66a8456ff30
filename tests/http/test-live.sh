#!/usr/bin/env bash
# The decks unikernel over real TCP: every status code, keep-alive,
# pipelining, HEAD, ranges, conditional requests, 200 concurrent
# keep-alive connections, every asset byte for byte, the gzip variants,
# the timeouts and the connection bound (tests/http/live.py does the
# checking). Runs the unix image (ASan+UBSan) and, where KVM works, the
# hvt image on a tap inside a network namespace; and `kiln run` with
# user-mode networking on loopback (no root needed) for a smoke test.
# Cases (tests/run.sh http/test-live CASE): usermode, unix-tap, busy,
# small-rings, hvt.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }

# Building decks runs npm ci the first time (reveal.js): without the
# registry there is nothing to serve.
build() {
	if ! "$KILN" build "$@" apps/decks >"$T/build.log" 2>&1; then
		if grep -q "npm" "$T/build.log" && [ ! -d apps/decks/node_modules/reveal.js ]; then
			skip "decks" "npm ci failed (no package registry?): $(grep -m1 -i err "$T/build.log")"
			exit 0
		fi
		fail "build decks $*" "$(tail -5 "$T/build.log")"
		finish
	fi
}
SITE=(apps/decks/site:/ apps/decks/vendor:/reveal)
ARGS=(--http-header-timeout=2 --http-idle-timeout=3 --http-send-timeout=2 --http-linger-timeout=1)

# console_ok LOG NAME: the console shows the boot line and access log and
# no sanitizer report.
console_ok() {
	if grep -q "AddressSanitizer\|runtime error\|panic" "$1"; then
		fail "$2: clean console" "$(grep -m3 "AddressSanitizer\|runtime error\|panic" "$1")"
	else
		pass "$2: clean console (no sanitizer report)"
	fi
	grep -q "decks: .* listening on .* port 80" "$1" && grep -q "info http: GET / 200 " "$1" &&
		pass "$2: listening line and access log" ||
		fail "$2: listening line and access log" "$(head -5 "$1")"
}

# --- user-mode networking through kiln run (the main job's path)
build -t unix --sanitize
if case_on usermode; then
	port=$((20000 + RANDOM % 20000))
	"$KILN" run -t unix --sanitize apps/decks -p "$port:80" >"$T/user.log" 2>&1 &
	pid=$!
	on_exit "kill $pid 2>/dev/null"
	if wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$port/"; then
		out=
		for path in / /nope /kiln /kiln/; do
			out+=$(curl -s -o /dev/null -w '%{http_code} ' "http://127.0.0.1:$port$path")
		done
		[ "$out" = "200 404 301 200 " ] && pass "kiln run, user-mode: curl 200 404 301 200" ||
			fail "kiln run, user-mode: curl" "$out"
		st=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/")
		[ "$st" = 405 ] && pass "kiln run, user-mode: curl -X POST is 405" || fail "curl -X POST" "$st"
		st=$(curl -s -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$port/reveal/reveal.js")
		[ "$st" = 200 ] && pass "kiln run, user-mode: curl -I is 200" || fail "curl -I" "$st"
		u="http://127.0.0.1:$port"
		etag=$(curl -s -D - -o /dev/null "$u/kiln/" | tr -d '\r' | sed -n 's/^ETag: //p')
		out=$(curl -s -o /dev/null -w '%{http_code} ' -H "If-None-Match: $etag" "$u/kiln/"
			curl -s -o /dev/null -w '%{http_code} ' -r 0-99 "$u/kiln/"
			curl -s -o /dev/null -w '%{http_code} ' -r 999999- "$u/kiln/"
			curl -s -o /dev/null -w '%{http_code} ' -X BREW "$u/"
			curl -s -o /dev/null -w '%{http_code} ' "$u/$(printf 'a%.0s' $(seq 1 9000))"
			curl -s -o /dev/null -w '%{http_code} ' -H "X-Big: $(printf 'b%.0s' $(seq 1 33000))" "$u/"
			curl -s -o /dev/null -w '%{http_code}' -H "Content-Length: 999999" "$u/")
		[ "$out" = "304 206 416 501 414 431 413" ] &&
			pass "kiln run, user-mode: curl 304 206 416 501 414 431 413" ||
			fail "kiln run, user-mode: curl conditional, range and error statuses" "$out"
		# The conformance gaps, with curl as the client: two If-None-Match
		# lines (combined), dot segments and merged slashes (--path-as-is
		# keeps curl from normalising them itself), an absolute-form target.
		out=$(curl -s -o /dev/null -w '%{http_code} ' -H 'If-None-Match: "other"' -H "If-None-Match: $etag" "$u/kiln/"
			curl -s -o /dev/null -w '%{http_code} ' --path-as-is "$u/kiln/./"
			curl -s -o /dev/null -w '%{http_code} ' --path-as-is "$u/reveal/../kiln/"
			curl -s -o /dev/null -w '%{http_code} ' --path-as-is "$u//kiln//"
			curl -s -o /dev/null -w '%{http_code} ' --request-target "http://127.0.0.1:$port/kiln/" "$u/"
			curl -s -o /dev/null -w '%{http_code}' $(for i in $(seq 1 100); do printf -- "-H X-%d:y " "$i"; done) "$u/")
		[ "$out" = "304 200 200 200 200 200" ] &&
			pass "kiln run, user-mode: curl two If-None-Match 304, /./ /../ // 200, absolute-form 200, 100 fields 200" ||
			fail "kiln run, user-mode: curl conformance cases" "$out"
		body=$(curl -s --compressed "$u/reveal/reveal.js" | cmp - apps/decks/vendor/reveal.js && echo same)
		[ "$body" = same ] && pass "kiln run, user-mode: curl --compressed reveal.js equals the file" ||
			fail "curl --compressed" "differs"
		# A burst of 200 connections at once through the port forward (its
		# listen backlog must hold them until libslirp accepts).
		timeout 120 python3 tests/http/live.py 127.0.0.1 "$port" --only=concurrent |
			sed 's/^\(PASS\|FAIL\): live: /\1: kiln run, user-mode: /'
	else
		fail "kiln run, user-mode" "no answer on 127.0.0.1:$port: $(tail -5 "$T/user.log")"
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -q "decks: .* listening on .* port 80" "$T/user.log" && pass "kiln run prints the listening line" ||
		fail "kiln run prints the listening line" "$(head -5 "$T/user.log")"
fi

# --- tap in a network namespace
if ! have_netns; then
	skip "live tap tests" "$NETNS_WHY"
	finish
fi
ns="kiln-http-$$"
make_netns "$ns"
ip netns exec "$ns" ip tuntap add dev tap0 mode tap
ip -n "$ns" addr add 198.18.0.1/24 dev tap0
ip -n "$ns" link set tap0 up

# run_live NAME CMD...: start the server (in the namespace), run the
# checks, stop it, check its console.
run_live() {
	local name=$1
	shift
	ip netns exec "$ns" "$@" >"$T/$name.log" 2>&1 &
	local p=$!
	if ! wait_for 30 ip netns exec "$ns" curl -sf -o /dev/null http://198.18.0.2/; then
		fail "$name: server up" "$(tail -5 "$T/$name.log")"
		kill -9 "$p" 2>/dev/null
		return
	fi
	ip netns exec "$ns" timeout 200 python3 tests/http/live.py 198.18.0.2 80 "${SITE[@]}" \
		--header-timeout=2 --idle-timeout=3 --send-timeout=2 --linger-timeout=1 | sed "s/^\(PASS\|FAIL\): live:/\1: $name:/"
	[ "${PIPESTATUS[0]}" -eq 0 ] || TEST_FAILS=$((TEST_FAILS + 1))
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	console_ok "$T/$name.log" "$name"
}

if case_on unix-tap; then
	run_live unix apps/decks/_build/unix-san/decks --net tap,ifname=tap0 -- \
		--ipv4=198.18.0.2/24 "${ARGS[@]}"
fi

# The connection bound: with --http-max-conns=1 an idle connection or a
# slow head makes room for a second client; a busy one makes it get 503.
if case_on busy; then
	ip netns exec "$ns" apps/decks/_build/unix-san/decks --net tap,ifname=tap0 -- \
		--ipv4=198.18.0.2/24 --http-max-conns=1 --http-log=off >"$T/busy.log" 2>&1 &
	p=$!
	if wait_for 30 ip netns exec "$ns" curl -sf -o /dev/null http://198.18.0.2/; then
		ip netns exec "$ns" timeout 60 python3 tests/http/live.py 198.18.0.2 80 --only=busy |
			sed "s/^\(PASS\|FAIL\): live:/\1: unix:/"
		[ "${PIPESTATUS[0]}" -eq 0 ] || TEST_FAILS=$((TEST_FAILS + 1))
		grep -q "info http:" "$T/busy.log" && fail "--http-log=off" "$(grep -m1 'info http' "$T/busy.log")" ||
			pass "unix: --http-log=off: no access log"
	else
		fail "unix: --http-max-conns=1 server up" "$(tail -5 "$T/busy.log")"
	fi
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
fi

# The smallest TCP rings (4 KiB): every asset still arrives whole (the
# send path waits for room, never for more room than the ring has).
if case_on small-rings; then
	ip netns exec "$ns" apps/decks/_build/unix-san/decks --net tap,ifname=tap0 -- \
		--ipv4=198.18.0.2/24 --tcp-sndbuf=4096 --tcp-rcvbuf=4096 --http-log=off >"$T/small.log" 2>&1 &
	p=$!
	if wait_for 30 ip netns exec "$ns" curl -sf -o /dev/null http://198.18.0.2/; then
		ip netns exec "$ns" timeout 60 python3 tests/http/live.py 198.18.0.2 80 "${SITE[@]}" --only=assets,pipelining |
			sed "s/^\(PASS\|FAIL\): live:/\1: unix, 4 KiB TCP rings:/"
		[ "${PIPESTATUS[0]}" -eq 0 ] || TEST_FAILS=$((TEST_FAILS + 1))
	else
		fail "unix: --tcp-sndbuf=4096 server up" "$(tail -5 "$T/small.log")"
	fi
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
fi

if case_on hvt; then
	if have_kvm && [ -x "$KILN_HVT" ] && [ -f platform/hvt/kiln.target ]; then
		build -t hvt
		run_live hvt "$KILN_HVT" --net tap,ifname=tap0 apps/decks/_build/hvt/decks -- \
			--ipv4=198.18.0.2/24 "${ARGS[@]}"
	else
		skip "hvt live tests" "${KVM_WHY:-no kiln-hvt or hvt target}"
	fi
fi
finish
