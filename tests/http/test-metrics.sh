#!/usr/bin/env bash
# /metrics (http_route_metrics) of apps/http-hello (unix image under
# ASan+UBSan, user-mode networking on loopback) parsed by Python's
# prometheus_client: responses by status class, bytes received and sent
# exactly as tests/http/metrics.py sent and read them, open and idle
# connections, accepted connections, TCP and drop counters, heap in use
# and peak.
# timeout: 240
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
PY=/usr/bin/python3
$PY -c 'import prometheus_client' 2>/dev/null ||
	{ skip "metrics" "python3-prometheus-client not installed"; finish; }
T=$(scratch)
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
"$KILN" build -t unix --sanitize apps/http-hello >"$T/build.log" 2>&1 ||
	{ fail "build http-hello" "$(tail -5 "$T/build.log")"; finish; }
port=$((20000 + RANDOM % 20000))
"$KILN" run -t unix --sanitize apps/http-hello -p "$port:80" >"$T/run.log" 2>&1 &
pid=$!
on_exit "kill $pid 2>/dev/null"
wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$port/hello" ||
	{ fail "metrics: server up" "$(tail -5 "$T/run.log")"; finish; }
sleep 0.5 # the probe's connection is closed on both sides
out=$(timeout 120 $PY tests/http/metrics.py "$port" asan 2>&1)
rc=$?
echo "$out"
if [ $rc -ne 0 ]; then
	if echo "$out" | grep -q '^FAIL'; then
		TEST_FAILS=$((TEST_FAILS + 1))
	else
		fail "metrics: metrics.py" "exit $rc: $(echo "$out" | tail -3)"
	fi
fi
if grep -q "AddressSanitizer\|runtime error\|panic" "$T/run.log"; then
	fail "metrics: clean console" "$(grep -m3 "AddressSanitizer\|runtime error\|panic" "$T/run.log")"
else
	pass "metrics: clean console"
fi
finish
