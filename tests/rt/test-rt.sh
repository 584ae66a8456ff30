#!/usr/bin/env bash
# lib/rt unit tests on the fake platform (virtual time), under ASan+UBSan:
# the CSPRNG (ChaCha20 known answer, seeding, refusing to start without a
# source),
# timers, fibers, wait queues, join, the loop, boot arguments, exits,
# panics and the deadlock report.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/rt"
mkdir -p "$out"
if ! bin=$(host_build tests/rt/rt_test.host); then
	fail "rt build" "$(grep -v '^  ' "$(host_log tests/rt/rt_test.host)" | head -5)"
	finish
fi
pass "rt build (ASan+UBSan)"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

# run_case NAME WANT_RC ARGS...: run the test binary; every "ok"/"not ok"
# line it prints becomes a PASS/FAIL; the exit status must be WANT_RC.
run_case() {
	local name=$1 want=$2
	shift 2
	local log="$out/$name.log" rc
	timeout 30 "$bin" "$@" >"$log" 2>&1
	rc=$?
	sed -n 's/^ok \(.*\)/PASS: \1/p; s/^not ok \(.*\)/FAIL: \1/p' "$log"
	grep -q '^not ok ' "$log" && TEST_FAILS=$((TEST_FAILS + 1))
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, expected $want: $(tail -3 "$log")"
		return 1
	fi
	return 0
}

for t in timers fibers waitq join loop misc; do
	run_case "$t" 0 "$t" && pass "$t exits 0"
done

run_case random 0 random && pass "random exits 0"
for e in none fail; do
	if FAKE_ENTROPY=$e run_case "random-$e" 1 random-none; then
		log="$out/random-$e.log"
		want="tls: no entropy source on this fake (platform_entropy: not supported): refusing to start without one"
		[ $e = fail ] && want="${want/not supported/the source failed}"
		if grep -qxF "$want" "$log" && ! grep -q 'random_require returned' "$log"; then
			pass "no entropy ($e): the image refuses to start, saying why"
		else
			fail "random-$e" "unexpected output: $(cat "$log")"
		fi
	fi
done

# Real time: sleeps last at least their duration and not much more.
FAKE_REAL_TIME=1 run_case sleep 0 sleep && grep '^sleep:' "$out/sleep.log"

run_case args 0 args --alpha --beta=7 --gamma=0x10 word1 --name=x &&
	pass "args claimed"

if run_case reject 2 reject --flag=1 --str zzz --bogus; then
	log="$out/reject.log"
	if grep -qx 'unknown boot argument: --bogus' "$log" &&
		grep -qx 'unknown boot argument: zzz' "$log" &&
		grep -qx 'boot argument --flag=1: is a flag and takes no value' "$log" &&
		grep -q '^boot argument --str: needs a value' "$log" &&
		! grep -q 'args_check returned' "$log"; then
		pass "unknown boot arguments rejected with status 2"
	else
		fail "reject" "unexpected output: $(cat "$log")"
	fi
fi

if run_case log-level 2 misc --log=loud; then
	grep -q "^boot argument --log: 'loud' is not one of" "$out/log-level.log" &&
		pass "bad --log rejected" || fail "log-level" "$(cat "$out/log-level.log")"
fi
if run_case log-debug 0 misc --log=debug; then
	grep -q 'debug test: hidden at the default level' "$out/log-debug.log" &&
		pass "--log=debug shows debug lines" || fail "log-debug" "no debug line"
fi
log="$out/misc.log"
grep -qx '\[   1.500042\] warn test: value 42' "$log" &&
	pass "log line format" || fail "log line format" "$(grep 'warn test' "$log")"
! grep -q 'hidden at the default level' "$log" &&
	pass "debug hidden at info" || fail "debug hidden at info"
[ "$(grep -c '^long:x\{2999\}:end$' "$log")" -eq 1 ] &&
	pass "long printf line complete" || fail "long printf line"
grep -qx 'puts line' "$log" && pass "puts" || fail "puts"

if run_case deadlock 255 deadlock; then
	log="$out/deadlock.log"
	if grep -q '^kiln: abort: panic: .*loop.c:[0-9]*: deadlock: all fibers blocked forever$' "$log" &&
		grep -qx '  fiber stuck: waiting on a wait queue' "$log"; then
		pass "deadlock reported"
	else
		fail "deadlock" "$(cat "$log")"
	fi
fi

for call in sleep wait join yield; do
	case $call in
	sleep) fn=kiln_sleep ;;
	wait) fn=kiln_waitq_wait ;;
	join) fn=kiln_fiber_join ;;
	yield) fn=kiln_fiber_yield ;;
	esac
	if run_case "block-in-callback-$call" 255 block-in-callback $call; then
		grep -q "^kiln: abort: panic: .*: $fn called on the loop's stack" \
			"$out/block-in-callback-$call.log" &&
			pass "$fn in a callback panics" ||
			fail "block-in-callback $call" "$(cat "$out/block-in-callback-$call.log")"
	fi
done

if run_case assert 255 assert; then
	grep -q '^kiln: abort: panic: \(.*/\)\{0,1\}tests/rt/rt_test.c:[0-9]*: assertion failed: x == 2$' \
		"$out/assert.log" && pass "KILN_ASSERT panics" ||
		fail "assert" "$(cat "$out/assert.log")"
fi

if run_case main-returns 5 main-returns; then
	[ "$(tr '\n' '|' <"$out/main-returns.log")" = "exit hook 2|exit hook 1|" ] &&
		pass "kiln_main's status ends the image, exit hooks last first" ||
		fail "main-returns" "$(cat "$out/main-returns.log")"
fi

# A fiber overflowing its stack hits the guard page (ASan names it).
timeout 30 "$bin" stack-overflow >"$out/overflow.log" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'AddressSanitizer: stack-overflow' "$out/overflow.log" &&
	! grep -q 'went unnoticed' "$out/overflow.log"; then
	pass "stack overflow hits the guard page"
else
	fail "stack overflow" "status $rc: $(head -3 "$out/overflow.log")"
fi
finish
