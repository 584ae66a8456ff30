#!/usr/bin/env bash
# Ctrl-C on an app started by http_app_run (apps/http-notes, unix image
# through kiln run on loopback): one summary line with the requests and
# connections it served (curl's three and the HEAD of kiln run's URL
# probe); with the boot argument --counters the stats line
# and every non-zero counter of the network stack instead.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || { fail "exit-summary" "bin/kiln is missing (run make)"; finish; }
T=$(scratch)
"$KILN" build -t unix apps/http-notes >"$T/build.log" 2>&1 ||
	{ fail "build http-notes" "$(tail -5 "$T/build.log")"; finish; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# run_int LOG [BOOTARGS...]: serve, three requests, SIGINT; the exit status
# in $rc, the lines after the last request in LOG.tail.
run_int() {
	local log=$1
	shift
	local port
	port=$(free_port)
	"$KILN" run -t unix apps/http-notes -p "$port:80" -- "$@" >"$log" 2>&1 &
	local pid=$!
	on_exit "kill $pid 2>/dev/null"
	wait_for 30 grep -q '^serving on' "$log" || { rc=99; return; }
	for i in 1 2 3; do curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port/"; done
	sleep 0.3
	local before
	before=$(wc -l <"$log")
	kill -INT $pid
	timeout 20 tail --pid=$pid -f /dev/null
	wait $pid
	rc=$?
	# (the runtime's own "[ time ] info rt: stopping" line left out)
	tail -n +$((before + 1)) "$log" | grep -v '^\[ *[0-9.]*\] info rt: ' >"$log.tail"
}

run_int "$T/plain"
if [ $rc -eq 0 ] && [ "$(grep -c . "$T/plain.tail")" -eq 1 ] &&
	grep -qE '^http-notes: 4 requests on 4 connections, heap peak [0-9]+ bytes, [0-9]+ packets dropped \(--counters for every counter\)$' "$T/plain.tail"; then
	pass "Ctrl-C: one summary line (3 requests and kiln run's probe on 4 connections), status 0"
else
	fail "Ctrl-C: one summary line" "status $rc: $(tr '\n' '|' <"$T/plain.tail")"
fi
run_int "$T/all" --counters
if [ $rc -eq 0 ] && grep -q '^http-notes: stats conns=.* requests=4 ' "$T/all.tail" &&
	grep -qE '^rx_frames [1-9]' "$T/all.tail" && grep -qE '^tcp_' "$T/all.tail" &&
	[ "$(grep -c . "$T/all.tail")" -gt 3 ]; then
	pass "Ctrl-C with --counters: the stats line and every counter ($(grep -c . "$T/all.tail") lines)"
else
	fail "Ctrl-C with --counters" "status $rc: $(tr '\n' '|' <"$T/all.tail")"
fi
finish
