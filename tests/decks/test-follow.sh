#!/usr/bin/env bash
# Live-follow of the decks (apps/decks/follow.c, site/follow.js). On unix
# (the ASan+UBSan image): a presenter and an audience page in headless
# Chromium (tests/decks/follow.js), the audience on the presenter's slide
# within 100 ms of each move, a wrong key refused 403; the follower bound
# (503 past it) and bad posts (tests/decks/followers.py bound); the time
# from a post to its event; a follower that never reads beside one that
# does while 2000 changes are posted: the reader sees them in order and
# ends on the last; the stalled one, reading again, skips to the last
# (coalesced, not queued). On hvt (where /dev/kvm is usable): 500
# followers held at once all get a change; the guest's heap is flat
# through 2000 changes past a stalled follower, which the send timeout
# drops.
#
# The image runs on a tap in a namespace of its own where we may, so a
# client's small receive window reaches the guest's TCP; on user-mode
# networking (the fallback, loopback) the proxy buffers megabytes for a
# stalled reader and the coalescing is not checked.
# timeout: 400
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
if ! "$KILN" build -t unix --sanitize apps/decks >"$T/build.log" 2>&1; then
	if [ ! -d apps/decks/node_modules/reveal.js ]; then
		skip "follow" "decks: npm ci failed: $(tail -1 "$T/build.log")"
		exit 0
	fi
	fail "build decks" "$(tail -5 "$T/build.log")"
	finish
fi

# The last stats line's value of NAME in LOG.
stat() { grep -o " $1=[0-9]*" "$2" | tail -1 | cut -d= -f2; }
key_of() { grep -o 'presenter key [0-9a-f]*' "$1" | head -1 | cut -d' ' -f3; }

netns=false
have_netns && netns=true
# A namespace NAME with tap0 (198.18.0.1/24 on the host side); sets run.
tap_ns() {
	local ns="kiln-follow-$1-$$"
	make_netns "$ns"
	ip netns exec "$ns" ip tuntap add dev tap0 mode tap
	ip -n "$ns" addr add 198.18.0.1/24 dev tap0
	ip -n "$ns" link set tap0 up
	run=(ip netns exec "$ns")
}

args=(--follow-max=8 --follow-heartbeat=1 --http-send-timeout=10 --stats-every=1)
if $netns; then
	tap_ns unix
	host=198.18.0.2 port=80
	"${run[@]}" apps/decks/_build/unix-san/decks --net tap,ifname=tap0 -- \
		--ipv4=198.18.0.2/24 "${args[@]}" >"$T/unix.log" 2>&1 &
else
	run=()
	host=127.0.0.1 port=$((20000 + RANDOM % 20000))
	apps/decks/_build/unix-san/decks --net "user,hostfwd=tcp:127.0.0.1:$port-:80" -- \
		"${args[@]}" >"$T/unix.log" 2>&1 &
fi
pid=$!
on_exit "kill $pid 2>/dev/null"
base="http://$host:$port"
if ! wait_for 30 "${run[@]}" curl -sf -o /dev/null "$base/"; then
	fail "follow: decks up" "$(tail -5 "$T/unix.log")"
	finish
fi
key=$(key_of "$T/unix.log")
[ ${#key} -eq 32 ] && pass "follow: the decks print a presenter key" ||
	fail "follow: presenter key" "$(grep -m1 presenter "$T/unix.log")"

if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null; then
	skip "follow: browsers" "no /usr/bin/chromium or no node"
elif [ ! -d tests/decks/node_modules/playwright-core ] &&
	! (cd tests/decks && npm ci --ignore-scripts --no-audit --no-fund \
		--loglevel=error >"$T/npm.log" 2>&1 && touch node_modules); then
	skip "follow: browsers" "npm ci failed (no package registry?): $(tail -1 "$T/npm.log")"
else
	"${run[@]}" timeout 180 node tests/decks/follow.js "$base" "$key" 100 ||
		TEST_FAILS=$((TEST_FAILS + 1))
fi

py() { "${run[@]}" timeout 90 python3 tests/decks/followers.py "$host" "$port" "$key" "$@"; }
# The browsers' streams end at their next heartbeat.
sleep 2
py bound 8 && pass "follow: 8 followers held (--follow-max=8), the 9th 503; bad posts refused" ||
	fail "follow: bound and bad posts" "see above"
sleep 2
py latency 200 && pass "follow: 200 changes timed from post to event" ||
	fail "follow: latency" "see above"
if ! $netns; then
	py slow 2000 && pass "follow: a reader beside a stalled follower gets 2000 changes in order" ||
		fail "follow: slow follower" "see above"
	skip "follow: coalescing" "user-mode networking buffers for the stalled reader ($NETNS_WHY)"
else
	py slow 2000 resume && pass "follow: 2000 changes past a stalled follower: a reader gets them in order, the stalled one skips to the last" ||
		fail "follow: slow follower" "see above"
fi
sleep 4 # a closed stream fails at the second heartbeat after its close
[ "$(stat followers "$T/unix.log")" = 0 ] && pass "follow: every stream ended" ||
	fail "follow: streams left" "$(grep 'decks: follow ' "$T/unix.log" | tail -1)"
if grep -q "AddressSanitizer\|runtime error\|panic" "$T/unix.log"; then
	fail "follow: clean console" "$(grep -m3 "AddressSanitizer\|runtime error\|panic" "$T/unix.log")"
else
	pass "follow: clean console (unix, ASan+UBSan)"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

if ! have_kvm; then
	skip "follow hvt" "$KVM_WHY"
	finish
fi
if ! "$KILN" build -t hvt apps/decks >"$T/hvt-build.log" 2>&1; then
	fail "build decks hvt" "$(tail -5 "$T/hvt-build.log")"
	finish
fi
args=(--follow-max=600 --follow-heartbeat=1 --http-send-timeout=3 --stats-every=1)
if $netns; then
	tap_ns hvt
	host=198.18.0.2 port=80
	"${run[@]}" "$KILN" run -t hvt apps/decks --net tap:tap0 --mem 256M -- \
		--ipv4=198.18.0.2/24 "${args[@]}" >"$T/hvt.log" 2>&1 &
else
	run=()
	host=127.0.0.1 port=$((20000 + RANDOM % 20000))
	"$KILN" run -t hvt apps/decks -p "$port:80" --mem 256M -- "${args[@]}" >"$T/hvt.log" 2>&1 &
fi
hpid=$!
on_exit "kill $hpid 2>/dev/null"
if ! wait_for 30 "${run[@]}" curl -sf -o /dev/null "http://$host:$port/"; then
	fail "follow hvt: decks up" "$(tail -5 "$T/hvt.log")"
	finish
fi
key=$(key_of "$T/hvt.log")
sleep 2
base_heap=$(stat heap_in_use "$T/hvt.log")
py many 500 && pass "follow hvt: 500 followers held at once all get the change" ||
	fail "follow hvt: 500 followers" "see above"
sleep 2
peak=$(stat followers_peak "$T/hvt.log")
[ "${peak:-0}" -ge 500 ] && pass "follow hvt: the guest held $peak streams at once" ||
	fail "follow hvt: followers_peak" "$peak"
sleep 2
before=$(stat heap_in_use "$T/hvt.log")
py slow 2000 && pass "follow hvt: a reader beside a stalled follower gets 2000 changes in order" ||
	fail "follow hvt: slow follower" "see above"
during=$(stat heap_in_use "$T/hvt.log")
sleep 5 # the send timeout (3 s) drops the stalled one
after=$(stat heap_in_use "$T/hvt.log")
[ "$(stat followers "$T/hvt.log")" = 0 ] && pass "follow hvt: the stalled follower was dropped" ||
	fail "follow hvt: streams left" "$(grep 'decks: follow ' "$T/hvt.log" | tail -1)"
echo "follow hvt: heap in use $base_heap at start, $before after the 500 left, $during after 2000 changes past a stalled follower, $after once it was dropped"
if [ -n "$before" ] && [ -n "$during" ] && [ -n "$after" ] &&
	[ "$during" -lt $((before + 1048576)) ] && [ "$after" -lt $((before + 262144)) ]; then
	pass "follow hvt: heap flat with a stalled follower"
else
	fail "follow hvt: heap" "before=$before during=$during after=$after"
fi
kill "$hpid" 2>/dev/null
finish
