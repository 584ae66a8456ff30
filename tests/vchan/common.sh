# Shared by tests/vchan/test-*.sh: build the vchan apps and the hostile
# peer, start guests on a target, and the scenarios every target runs.
# Source after tests/lib.sh, then set_target unix|unix-san|hvt.
here="$ROOT/tests/vchan"
tmp=$(scratch)
on_exit "rm -rf '$tmp'"
HOSTILE="$ROOT/_build/host/tests/vchan/hostile/hostile"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0

set_target() {
	TARGET=$1
	san=()
	t=$TARGET
	[ "$TARGET" = unix-san ] && { t=unix; san=(--sanitize); }
	bdir=$TARGET
	ECHO_IMG="$ROOT/apps/vchan-echo/_build/$bdir/vchan-echo"
	CLIENT_IMG="$ROOT/apps/vchan-client/_build/$bdir/vchan-client"
	tmp="$tmp_root/$TARGET"
	mkdir -p "$tmp"
}
tmp_root=$tmp

# build_all: the two apps for the target, and the hostile peer.
build_all() {
	local a
	for a in vchan-echo vchan-client; do
		if ! timeout 300 "$KILN" build -t "$t" "${san[@]}" "apps/$a" \
			>"$tmp/build-$a.log" 2>&1; then
			fail "$TARGET: build $a" "$(tail -5 "$tmp/build-$a.log")"
			return 1
		fi
	done
	# Built by kiln from tests/vchan/hostile.host.
	host_build tests/vchan/hostile.host >/dev/null ||
		{ fail "build the hostile peer" "$(tail -5 "$(host_log tests/vchan/hostile.host)")"; return 1; }
}

# guest IMAGE LOG HOSTOPTS... -- BOOTARGS...: start a guest in the
# background; its pid in $GUEST_PID.
guest() {
	local img=$1 log=$2
	shift 2
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	if [ "$t" = hvt ]; then
		"$KILN_HVT" --mem 96M "${opts[@]}" "$img" -- "$@" >"$log" 2>&1 &
	else
		"$img" "${opts[@]}" -- "$@" >"$log" 2>&1 &
	fi
	GUEST_PID=$!
	on_exit "kill -9 $GUEST_PID 2>/dev/null"
}

# wait_exit PID SECS: wait for PID to end (kill it after SECS); its
# status in $RC.
wait_exit() {
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	RC=$?
}

sha_of() { sed -n "s/.*$1 [0-9]* bytes sha256 \([0-9a-f]*\).*/\1/p" "$2" | tail -1; }

# The 64 MiB stream through the echo, both sides' hashes compared.
scenario_stream() {
	local bytes=$((64 << 20)) s="$tmp/stream.sock"
	guest "$ECHO_IMG" "$tmp/s1.log" --vchan "peer=cli,path=$s" -- \
		--peers=cli --clients=1 --ring=262144
	local spid=$GUEST_PID
	wait_for 20 grep -q "listening on echo" "$tmp/s1.log" ||
		{ fail "$TARGET: the echo server starts" "$(tail -3 "$tmp/s1.log")"; return; }
	guest "$CLIENT_IMG" "$tmp/c1.log" --vchan "peer=srv,path=$s" -- \
		--peer=srv --bytes=$bytes
	wait_exit $GUEST_PID 120
	local crc=$RC
	wait_exit $spid 20
	local sent got echoed rate
	sent=$(sha_of sent "$tmp/c1.log")
	got=$(sha_of received "$tmp/c1.log")
	echoed=$(sed -n 's/.*bytes echoed, sha256 \([0-9a-f]*\),.*/\1/p' "$tmp/s1.log" | tail -1)
	rate=$(sed -n 's/.*s, \(.*\) MB\/s each way/\1/p' "$tmp/c1.log")
	if [ $crc -eq 0 ] && grep -q "echo matches" "$tmp/c1.log" &&
		grep -q "received $bytes bytes" "$tmp/c1.log" &&
		[ -n "$sent" ] && [ "$sent" = "$got" ] && [ "$sent" = "$echoed" ] &&
		[ $RC -eq 0 ]; then
		pass "$TARGET: 64 MiB each way through the echo, sha256 alike on both sides ($rate MB/s each way)"
	else
		fail "$TARGET: 64 MiB each way" "client $crc server $RC: $(tail -3 "$tmp/c1.log") / $(tail -2 "$tmp/s1.log")"
	fi
}

# A client leaving mid-stream, a client killed mid-stream, then a client
# that works: the server reports each and goes on serving.
scenario_peer_ends() {
	local s="$tmp/ends.sock"
	guest "$ECHO_IMG" "$tmp/s2.log" --vchan "peer=cli,path=$s" -- \
		--peers=cli --clients=3
	local spid=$GUEST_PID
	wait_for 20 grep -q "listening on echo" "$tmp/s2.log" || { fail "$TARGET: server starts"; return; }
	guest "$CLIENT_IMG" "$tmp/c2a.log" --vchan "peer=srv,path=$s" -- \
		--peer=srv --bytes=$((256 << 20)) --close-after=$((4 << 20))
	wait_exit $GUEST_PID 60
	if [ $RC -eq 0 ] && wait_for 10 grep -q "bytes echoed.*closed by the peer" "$tmp/s2.log"; then
		pass "$TARGET: a client closing mid-stream is an end of stream for the server"
	else
		fail "$TARGET: client closes mid-stream" "client $RC; $(tail -3 "$tmp/s2.log")"
	fi
	guest "$CLIENT_IMG" "$tmp/c2b.log" --vchan "peer=srv,path=$s" -- \
		--peer=srv --bytes=$((1 << 40))
	local cpid=$GUEST_PID
	sleep 1.5
	kill -9 $cpid
	wait $cpid 2>/dev/null
	if wait_for 10 grep -q "the peer went away" "$tmp/s2.log" &&
		wait_for 10 grep -q "bytes echoed.*connection reset" "$tmp/s2.log"; then
		pass "$TARGET: a client killed mid-stream is reported (the peer went away), the channel closed"
	else
		fail "$TARGET: client killed mid-stream" "$(tail -3 "$tmp/s2.log")"
	fi
	guest "$CLIENT_IMG" "$tmp/c2c.log" --vchan "peer=srv,path=$s" -- \
		--peer=srv --bytes=$((1 << 20))
	wait_exit $GUEST_PID 60
	local crc=$RC
	wait_exit $spid 20
	if [ $crc -eq 0 ] && grep -q "echo matches" "$tmp/c2c.log" && [ $RC -eq 0 ] &&
		grep -q "3 clients" "$tmp/s2.log"; then
		pass "$TARGET: the server then serves a new client (the link taken over by a new process)"
	else
		fail "$TARGET: serving after a peer died" "client $crc server $RC: $(tail -2 "$tmp/c2c.log")"
	fi
}

# The server killed under a streaming client: the client says so and
# ends with status 1, not a crash.
scenario_server_dies() {
	local s="$tmp/sdies.sock"
	guest "$ECHO_IMG" "$tmp/s3.log" --vchan "peer=cli,path=$s" -- --peers=cli
	local spid=$GUEST_PID
	wait_for 20 grep -q "listening on echo" "$tmp/s3.log" || { fail "$TARGET: server starts"; return; }
	guest "$CLIENT_IMG" "$tmp/c3.log" --vchan "peer=srv,path=$s" -- \
		--peer=srv --bytes=$((1 << 40))
	local cpid=$GUEST_PID
	sleep 1.5
	kill -9 $spid
	wait $spid 2>/dev/null
	wait_exit $cpid 20
	if [ $RC -eq 1 ] && grep -q "the peer went away" "$tmp/c3.log" &&
		grep -q "stream ended early: connection reset" "$tmp/c3.log"; then
		pass "$TARGET: the server killed mid-stream: the client reports it and exits 1"
	else
		fail "$TARGET: server killed mid-stream" "status $RC: $(tail -3 "$tmp/c3.log")"
	fi
}

# Hostile clients on one link while a good client streams on another:
# each is reported and its channel closed; the good one is unharmed.
scenario_hostile_clients() {
	local good="$tmp/good.sock" bad="$tmp/bad.sock" m
	guest "$ECHO_IMG" "$tmp/s4.log" --vchan "peer=good,path=$good" \
		--vchan "peer=bad,path=$bad" -- --peers=good,bad
	local spid=$GUEST_PID
	wait_for 20 grep -q "peer bad: listening" "$tmp/s4.log" || { fail "$TARGET: server starts"; return; }
	guest "$CLIENT_IMG" "$tmp/c4.log" --vchan "peer=srv,path=$good" -- \
		--peer=srv --bytes=$((32 << 20))
	local cpid=$GUEST_PID
	for m in prod back cons live junk; do
		local before
		before=$(grep -c "broke the protocol" "$tmp/s4.log")
		if timeout 30 "$HOSTILE" "$bad" srv $m >"$tmp/h-$m.log" 2>&1 &&
			wait_for 10 test "$(grep -c "broke the protocol" "$tmp/s4.log")" -gt "$before"; then
			pass "$TARGET: a client writing garbage ($m) is reported and its channel closed"
		else
			fail "$TARGET: hostile client $m" "$(cat "$tmp/h-$m.log") / $(tail -2 "$tmp/s4.log")"
		fi
	done
	wait_exit $cpid 120
	if [ $RC -eq 0 ] && grep -q "echo matches" "$tmp/c4.log" &&
		kill -0 $spid 2>/dev/null; then
		pass "$TARGET: meanwhile a good client's 32 MiB stream on another link matched; the server runs on"
	else
		fail "$TARGET: the good client beside the hostile ones" "status $RC: $(tail -3 "$tmp/c4.log")"
	fi
	kill -9 $spid 2>/dev/null
	wait $spid 2>/dev/null
	if grep -qE "AddressSanitizer|runtime error|panic|guest fault" "$tmp/s4.log"; then
		fail "$TARGET: the server stays sound" "$(grep -m2 -E "AddressSanitizer|runtime error|panic|fault" "$tmp/s4.log")"
	fi
}

# Hostile servers: the Kiln client refuses their control pages in one
# line and exits 1.
scenario_hostile_servers() {
	local m s
	for m in orders grants indices; do
		s="$tmp/hs-$m.sock"
		"$HOSTILE" "$s" cli $m >"$tmp/hs-$m.log" 2>&1 &
		local hpid=$!
		wait_for 10 test -S "$s"
		guest "$CLIENT_IMG" "$tmp/c5-$m.log" --vchan "peer=srv,path=$s" -- \
			--peer=srv --bytes=1000 --wait-ms=5000
		wait_exit $GUEST_PID 30
		kill $hpid 2>/dev/null
		wait $hpid 2>/dev/null
		if [ $RC -eq 1 ] && grep -qE "control page is bad|ring indices are broken" "$tmp/c5-$m.log" &&
			grep -q "connection refused" "$tmp/c5-$m.log"; then
			pass "$TARGET: a server with a bad control page ($m) is refused in one line"
		else
			fail "$TARGET: hostile server $m" "status $RC: $(tail -3 "$tmp/c5-$m.log")"
		fi
	done
}
