#!/usr/bin/env bash
# Kiln's test runner. Runs every tests/*/test-*.sh (or those matching the
# pattern in $1 / $KILN_TESTS), each in its own process with a time limit,
# and ends with the line "N passed, N failed, N skipped". A pattern that
# matches no script is an error (status 2). When one script is selected
# its output is shown as it runs. tests/run.sh --help for the options.
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
usage() {
	cat <<'EOT'
usage: tests/run.sh [--list] [PATTERN]

Run the test scripts tests/*/test-*.sh whose path contains PATTERN (a
shell pattern, e.g. kiln/test-run or 'http/test-[a-h]'; default: all, or
$KILN_TESTS), each with its time limit, and end with the line
"N passed, N failed, N skipped". Logs go to _build/tests/.

  --list      print the scripts PATTERN selects, run nothing
  -h, --help  this text

A PATTERN that selects no script is an error (status 2). With one script
selected its output is shown as it runs.
EOT
}
list=
pattern=
npat=0
for a in "$@"; do
	case "$a" in
	-h | --help)
		usage
		exit 0
		;;
	--list) list=1 ;;
	-*)
		echo "tests/run.sh: unknown option '$a' (see tests/run.sh --help)" >&2
		exit 2
		;;
	*)
		pattern=$a
		npat=$((npat + 1))
		;;
	esac
done
if [ $npat -gt 1 ]; then
	echo "tests/run.sh: one PATTERN only (see tests/run.sh --help)" >&2
	exit 2
fi
[ $npat -eq 0 ] && pattern=${KILN_TESTS:-}
selected=()
for t in tests/*/test-*.sh; do
	[ -e "$t" ] || continue
	if [ -n "$pattern" ] && [[ "$t" != *$pattern* ]]; then
		continue
	fi
	selected+=("$t")
done
if [ ${#selected[@]} -eq 0 ]; then
	echo "tests/run.sh: no test script matches '$pattern' (tests/run.sh --list shows them)" >&2
	exit 2
fi
if [ -n "$list" ]; then
	printf '%s\n' "${selected[@]}"
	exit 0
fi
live=
[ ${#selected[@]} -eq 1 ] && live=1
logdir="$root/_build/tests"
mkdir -p "$logdir"
passed=0 failed=0 skipped=0
failures=()
start_all=$(date +%s)
for t in "${selected[@]}"; do
	limit=$(sed -n 's/^# timeout: *\([0-9]\+\).*/\1/p' "$t" | head -1)
	limit=${limit:-600}
	log="$logdir/$(echo "${t#tests/}" | tr / _).log"
	echo "== $t"
	t0=$(date +%s)
	timeout --kill-after=10 "$limit" bash "$t" </dev/null >"$log" 2>&1 &
	tpid=$!
	# One script: its whole output as it comes (tail ends with it).
	[ -n "$live" ] && tail -n +1 -f --pid=$tpid "$log" | sed -u 's/^/   | /'
	wait $tpid
	rc=$?
	t1=$(date +%s)
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	[ -n "$live" ] && echo "   ---"
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
		if [ -z "$live" ]; then
			echo "   --- last lines of $log:"
			tail -n 25 "$log" | sed 's/^/   | /'
		fi
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
