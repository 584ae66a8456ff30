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
# (default 600), and with "# lane: tcg" run in the second lane (below).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
usage() {
	cat <<'EOT'
usage: tests/run.sh [--list] [--case CASES] [PATTERN [CASES]]

Run the test scripts tests/*/test-*.sh whose path contains PATTERN (a
shell pattern, e.g. kiln/test-run or 'http/test-[a-h]'; default: all, or
$KILN_TESTS), each with its time limit, and end with the line
"N passed, N failed, N skipped". Logs go to _build/tests/.

CASES selects single cases within the scripts: a shell pattern, or
several separated by commas, matched against the whole names the scripts
give their cases (e.g. tests/run.sh http/test-hostile 'slowloris*').
Only the scripts naming a matching case run, and in them only the
matching cases; the others are not run. Default: $KILN_CASE, else all.

  --list        print the scripts PATTERN selects and, under each, the
                cases it names (with CASES, the matching ones); run nothing
  --case CASES  the same as CASES after PATTERN
  -h, --help    this text

A PATTERN that selects no script, or CASES that match no case of the
selected scripts, is an error (status 2). With one script selected its
output is shown as it runs. Scripts marked "# lane: tcg" (a CPU emulated
by QEMU: nested Xen, arm64 boards) run one after the other in a second
lane beside the rest; KILN_TEST_LANES=1 runs everything in one.
EOT
}
list=
pattern=
cases=${KILN_CASE:-}
pos=()
while [ $# -gt 0 ]; do
	a=$1
	shift
	case "$a" in
	-h | --help)
		usage
		exit 0
		;;
	--list) list=1 ;;
	--case | --case=*)
		if [ "$a" = --case ]; then
			[ $# -gt 0 ] || {
				echo "tests/run.sh: --case needs a pattern (see tests/run.sh --help)" >&2
				exit 2
			}
			cases=$1
			shift
		else
			cases=${a#--case=}
		fi
		;;
	-*)
		echo "tests/run.sh: unknown option '$a' (see tests/run.sh --help)" >&2
		exit 2
		;;
	*) pos+=("$a") ;;
	esac
done
if [ ${#pos[@]} -gt 2 ]; then
	echo "tests/run.sh: one PATTERN and one CASES pattern at most (see tests/run.sh --help)" >&2
	exit 2
fi
pattern=${pos[0]:-${KILN_TESTS:-}}
[ ${#pos[@]} -eq 2 ] && cases=${pos[1]}
if [ -n "$cases" ] && [[ ! "$cases" =~ ^[][A-Za-z0-9_.*?!,-]+$ ]]; then
	echo "tests/run.sh: bad case pattern '$cases' (letters, digits, _ . - and * ? [ ] !, comma-separated)" >&2
	exit 2
fi
# script_cases FILE: the case names FILE guards with case_on, in order.
script_cases() {
	grep -oE '(^|[[:space:];&|(!])case_on +[A-Za-z0-9_.-]+' "$1" |
		sed 's/.*case_on *//' | awk '!seen[$0]++'
}
# case_match NAME: NAME matches one of the comma-separated $cases.
case_match() {
	local p pats
	IFS=, read -ra pats <<<"$cases"
	for p in "${pats[@]}"; do
		# shellcheck disable=SC2053
		[[ "$1" == $p ]] && return 0
	done
	return 1
}
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
# With a case pattern: only the scripts naming a matching case.
declare -A shown
if [ -n "$cases" ]; then
	kept=()
	for t in "${selected[@]}"; do
		m=
		while read -r c; do
			[ -n "$c" ] && case_match "$c" && m+="$c"$'\n'
		done < <(script_cases "$t")
		[ -n "$m" ] && kept+=("$t") && shown[$t]=$m
	done
	if [ ${#kept[@]} -eq 0 ]; then
		echo "tests/run.sh: no case matches '$cases' in the ${#selected[@]} script(s) selected (tests/run.sh --list ${pattern:+'$pattern' }shows their cases)" >&2
		exit 2
	fi
	selected=("${kept[@]}")
	export KILN_CASE=$cases
else
	unset KILN_CASE
	[ -n "$list" ] && for t in "${selected[@]}"; do
		shown[$t]=$(script_cases "$t")
	done
fi
if [ -n "$list" ]; then
	for t in "${selected[@]}"; do
		echo "$t"
		[ -n "${shown[$t]}" ] && printf '%s\n' "${shown[$t]}" | sed '/^$/d; s/^/    /'
	done
	exit 0
fi
live=
[ ${#selected[@]} -eq 1 ] && live=1
logdir="$root/_build/tests"
mkdir -p "$logdir"
passed=0 failed=0 skipped=0
failures=()
start_all=$(date +%s)

# child_cpu VAR: the CPU time (user + system, ms) of this shell's
# children that have ended, from bash's times, into VAR (times in a
# command substitution would tell the subshell's).
child_cpu() {
	local line f="$logdir/.times.$BASHPID"
	times >"$f"
	line=$(tail -1 "$f")
	rm -f "$f"
	local u=${line%% *} s=${line##* }
	printf -v "$1" '%s' $(($(to_ms "$u") + $(to_ms "$s")))
}
# to_ms 1m2.345s: 62345
to_ms() {
	local m=${1%%m*} rest=${1#*m}
	rest=${rest%s}
	local sec=${rest%.*} frac=${rest#*.}
	echo $((10#$m * 60000 + 10#$sec * 1000 + 10#${frac:0:3}))
}

# log_of SCRIPT: its log file (tests/a/test-b.sh: _build/tests/a_test-b.sh.log).
log_of() { echo "$logdir/$(echo "${1#tests/}" | tr / _).log"; }

# run_one SCRIPT: run it under its limit and write what the runner prints
# of it to LOG.report and its counts ("PASS FAIL SKIP") to LOG.counts.
run_one() {
	local t=$1 limit log t0 t1 c0 c1 rc p f s tpid
	limit=$(sed -n 's/^# timeout: *\([0-9]\+\).*/\1/p' "$t" | head -1)
	limit=${limit:-600}
	log=$(log_of "$t")
	rm -f "$log.report" "$log.counts"
	{
		if [ -n "$cases" ]; then
			echo "== $t (cases: $(printf '%s' "${shown[$t]}" | tr '\n' ' ' | sed 's/ $//'))"
		else
			echo "== $t"
		fi
	} >"$log.head"
	[ -n "$live" ] && cat "$log.head"
	t0=$(date +%s)
	child_cpu c0
	# Emptied first, so that tail (below) neither misses a log not made
	# yet nor shows an old one.
	: >"$log"
	timeout --kill-after=10 "$limit" bash "$t" </dev/null >>"$log" 2>&1 &
	tpid=$!
	# One script: its whole output as it comes (tail ends with it).
	[ -n "$live" ] && tail -n +1 -f --pid=$tpid "$log" | sed -u 's/^/   | /'
	wait $tpid
	rc=$?
	t1=$(date +%s)
	child_cpu c1
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	{
		[ -n "$live" ] || cat "$log.head"
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
		if [ "$f" -gt 0 ] && [ -z "$live" ]; then
			echo "   --- last lines of $log:"
			tail -n 25 "$log" | sed 's/^/   | /'
		fi
		echo "   ($((t1 - t0))s, $(((c1 - c0) / 1000)).$((((c1 - c0) % 1000) / 100)) s CPU)"
	} >"$log.report.tmp"
	rm -f "$log.head"
	echo "$p $f $s" >"$log.counts"
	mv "$log.report.tmp" "$log.report"
}

# show SCRIPT: print its report and add its counts (once).
declare -A shown_done=()
show() {
	local t=$1 log p f s
	log=$(log_of "$t")
	cat "$log.report"
	read -r p f s <"$log.counts"
	[ "$f" -gt 0 ] && failures+=("$t")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	shown_done[$t]=1
}

# Scripts marked "# lane: tcg" (in the comment block they start with)
# spend their time in one QEMU process
# emulating a CPU (nested Xen, arm64 boards): the whole suite runs them
# one after the other in a second lane beside the others, which keeps the
# other core busy with the rest (KILN_TEST_LANES=1: one lane).
main=() tcg=()
for t in "${selected[@]}"; do
	if [ -z "$live" ] && [ "${KILN_TEST_LANES:-2}" != 1 ] &&
		sed -n '/^[^#]/q; p' "$t" | grep -q '^# lane: tcg$'; then
		tcg+=("$t")
	else
		main+=("$t")
	fi
done
lane=
if [ ${#tcg[@]} -gt 0 ]; then
	# No report of an earlier run may pass for this one's.
	for t in "${tcg[@]}"; do
		rm -f "$(log_of "$t")."{report,counts}
	done
	(for t in "${tcg[@]}"; do run_one "$t"; done) &
	lane=$!
	trap '[ -n "$lane" ] && kill "$lane" 2>/dev/null' EXIT
fi
# show_ready: the second lane's reports that are ready, in its order.
show_ready() {
	local t log
	for t in ${tcg[@]+"${tcg[@]}"}; do
		[ -n "${shown_done[$t]:-}" ] && continue
		log=$(log_of "$t")
		[ -e "$log.counts" ] && [ -e "$log.report" ] || return 0
		show "$t"
	done
}
for t in ${main[@]+"${main[@]}"}; do
	run_one "$t"
	show "$t"
	show_ready
done
if [ -n "$lane" ]; then
	wait "$lane"
	lane=
	show_ready
	for t in "${tcg[@]}"; do
		[ -n "${shown_done[$t]:-}" ] && continue
		echo "== $t"
		echo "   FAIL: $t: no report from the second lane"
		failures+=("$t")
		failed=$((failed + 1))
	done
fi
echo
echo "suite took $(($(date +%s) - start_all))s; logs in _build/tests/"
[ ${#failures[@]} -gt 0 ] && printf 'failed in: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
