#!/usr/bin/env bash
# Headless Chromium (Debian's, driven by playwright-core from npm) against
# the decks unikernel: open the index, follow the Kiln talk, press
# ArrowRight, see slide 2; no failed requests, no console errors. The
# screenshot stays in _build/tests-decks/slide2.png. The image is the
# ASan+UBSan build (shared with tests/http/test-live.sh).
# timeout: 400
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
out="$ROOT/_build/tests-decks"
mkdir -p "$out"
[ -x /usr/bin/chromium ] || { skip "browser" "no /usr/bin/chromium (apt-get install chromium)"; exit 0; }
command -v node >/dev/null || { skip "browser" "no node"; exit 0; }
if [ ! -d tests/decks/node_modules/playwright-core ] ||
	[ tests/decks/package-lock.json -nt tests/decks/node_modules ]; then
	if ! (cd tests/decks && npm ci --ignore-scripts --no-audit --no-fund \
		--loglevel=error >"$T/npm.log" 2>&1 && touch node_modules); then
		skip "browser" "npm ci failed (no package registry?): $(tail -1 "$T/npm.log")"
		exit 0
	fi
fi
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
if ! "$KILN" build -t unix --sanitize apps/decks >"$T/build.log" 2>&1; then
	if [ ! -d apps/decks/node_modules/reveal.js ]; then
		skip "browser" "decks: npm ci failed: $(tail -1 "$T/build.log")"
		exit 0
	fi
	fail "build decks" "$(tail -5 "$T/build.log")"
	finish
fi
image=apps/decks/_build/unix-san/decks

# A tap in a namespace where we may; else user-mode on loopback.
if have_netns; then
	ns="kiln-decks-$$"
	make_netns "$ns"
	ip netns exec "$ns" ip tuntap add dev tap0 mode tap
	ip -n "$ns" addr add 198.18.0.1/24 dev tap0
	ip -n "$ns" link set tap0 up
	ip netns exec "$ns" "$image" --net tap,ifname=tap0 -- --ipv4=198.18.0.2/24 \
		>"$T/console.log" 2>&1 &
	run=(ip netns exec "$ns")
	base=http://198.18.0.2
else
	port=$((20000 + RANDOM % 20000))
	"$image" --net "user,hostfwd=tcp:127.0.0.1:$port-:80" >"$T/console.log" 2>&1 &
	run=()
	base=http://127.0.0.1:$port
fi
pid=$!
on_exit "kill $pid 2>/dev/null"
if ! wait_for 30 "${run[@]}" curl -sf -o /dev/null "$base/"; then
	fail "decks up" "$(tail -5 "$T/console.log")"
	finish
fi
rm -f "$out/slide2.png"
"${run[@]}" timeout 120 node tests/decks/browse.js "$base" "$out/slide2.png" ||
	TEST_FAILS=$((TEST_FAILS + 1))
[ -s "$out/slide2.png" ] && pass "screenshot in _build/tests-decks/slide2.png" ||
	fail "screenshot" "none written"
kill "$pid" 2>/dev/null
finish
