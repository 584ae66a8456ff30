#!/usr/bin/env bash
# Kiln's test runner. Runs every tests/*/test-*.sh (or those matching the
# pattern in $1 / $KILN_TESTS), each in its own process with a time limit,
# and ends with the line "N passed, N failed, N skipped".
#
# A test script reports with lines on stdout:
#   PASS: name
#   FAIL: name: why
#   SKIP: name: why
# (tests/lib.sh has helpers). A script that exits non-zero without a FAIL
# line counts as one failure; one that reports nothing and exits 0 counts
# as one pass. A script may set its own limit with a line "# timeout: SECS"
# (default 600).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pattern=${1:-${KILN_TESTS:-}}
logdir="$root/_build/tests"
mkdir -p "$logdir"
passed=0 failed=0 skipped=0
failures=()
start_all=$(date +%s)
for t in tests/*/test-*.sh; do
	[ -e "$t" ] || continue
	if [ -n "$pattern" ] && [[ "$t" != *$pattern* ]]; then
		continue
	fi
	limit=$(sed -n 's/^# timeout: *\([0-9]\+\).*/\1/p' "$t" | head -1)
	limit=${limit:-600}
	log="$logdir/$(echo "${t#tests/}" | tr / _).log"
	echo "== $t"
	t0=$(date +%s)
	timeout --kill-after=10 "$limit" bash "$t" </dev/null >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	grep -E '^(PASS|FAIL|SKIP): ' "$log" | sed 's/^/   /'
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			echo "   FAIL: $t: timed out after ${limit}s"
		else
			echo "   FAIL: $t: exited $rc"
		fi
		f=1
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		echo "   PASS: $t"
		p=1
	fi
	if [ "$f" -gt 0 ]; then
		failures+=("$t")
		echo "   --- last lines of $log:"
		tail -n 25 "$log" | sed 's/^/   | /'
	fi
	echo "   ($((t1 - t0))s)"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo
echo "suite took $(($(date +%s) - start_all))s; logs in _build/tests/"
[ ${#failures[@]} -gt 0 ] && printf 'failed in: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
