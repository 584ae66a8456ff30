#!/usr/bin/env bash
# The SIGPIPE reproducer: clients that close or reset while a response is
# in flight, through user-mode networking (the default of kiln run), where
# libslirp in the host process writes into sockets whose peer is gone. The
# unikernel must stay up, serve, and exit 0 on SIGTERM - on unix
# (ASan+UBSan) and, where KVM works, on hvt (the monitor's libslirp).
# tests/http/peer_close.py is the client. And the console's reader going
# away (kiln run ... | head): the access log's writes then fail with
# EPIPE, and the unikernel goes on serving.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }

# run_case NAME KILN-RUN-ARGS...: boot decks with a forward, run the
# clients, then stop it with SIGTERM and check how it ended.
run_case() {
	local name=$1
	shift
	local port=$((20000 + RANDOM % 20000))
	if ! "$KILN" build "$@" apps/decks >"$T/$name.build" 2>&1; then
		if grep -q "npm" "$T/$name.build" && [ ! -d apps/decks/node_modules/reveal.js ]; then
			skip "$name" "npm ci failed (no package registry?)"
			return
		fi
		fail "$name: build" "$(tail -3 "$T/$name.build")"
		return
	fi
	"$KILN" run "$@" apps/decks -p "$port:80" -- --http-log=off >"$T/$name.log" 2>&1 &
	local pid=$!
	on_exit "kill -9 $pid 2>/dev/null"
	if ! wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$port/"; then
		fail "$name: server up" "$(tail -5 "$T/$name.log")"
		return
	fi
	timeout 200 python3 tests/http/peer_close.py 127.0.0.1 "$port" 5 | sed "s/^\(PASS\|FAIL\): /\1: $name: /"
	[ "${PIPESTATUS[0]}" -eq 0 ] || TEST_FAILS=$((TEST_FAILS + 1))
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid"
		local rc=$?
		[ $rc -eq 0 ] && pass "$name: still running afterwards; exits 0 on SIGTERM" ||
			fail "$name: exit status after SIGTERM" "$rc: $(tail -3 "$T/$name.log")"
	else
		wait "$pid"
		fail "$name: the unikernel died" "exit status $? (141 is SIGPIPE): $(tail -3 "$T/$name.log")"
	fi
	if grep -q "AddressSanitizer\|runtime error\|panic" "$T/$name.log"; then
		fail "$name: clean console" "$(grep -m3 "AddressSanitizer\|runtime error\|panic" "$T/$name.log")"
	fi
}

# console_case NAME KILN-RUN-ARGS...: the console into a pipe whose reader
# exits after the first bytes; then requests, each logged.
console_case() {
	local name=$1
	shift
	local port=$((20000 + RANDOM % 20000))
	("$KILN" run "$@" apps/decks -p "$port:80" 2>&1 & echo $! >"$T/$name.pid"; wait) | head -c 50 >/dev/null &
	local pipe=$!
	if ! wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$port/"; then
		fail "$name: console reader gone: server up" "no answer"
		kill "$(cat "$T/$name.pid")" 2>/dev/null
		return
	fi
	on_exit "kill -9 $(cat "$T/$name.pid") 2>/dev/null"
	local ok=0
	for _ in $(seq 1 50); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/kiln/" && ok=$((ok + 1))
	done
	[ "$ok" -eq 50 ] && kill -0 "$(cat "$T/$name.pid")" 2>/dev/null &&
		pass "$name: console reader gone: 50 requests logged into a closed pipe, all 200, still running" ||
		fail "$name: console reader gone" "$ok of 50 answered; running: $(kill -0 "$(cat "$T/$name.pid")" 2>/dev/null && echo yes || echo no)"
	kill "$(cat "$T/$name.pid")" 2>/dev/null
	wait "$pipe" 2>/dev/null
}

run_case unix -t unix --sanitize
console_case unix -t unix --sanitize
if have_kvm && [ -x "$KILN_HVT" ]; then
	run_case hvt -t hvt
	console_case hvt -t hvt
else
	skip "hvt" "${KVM_WHY:-no kiln-hvt}"
fi
finish
