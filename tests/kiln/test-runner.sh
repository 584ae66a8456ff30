#!/usr/bin/env bash
# tests/run.sh, on a throwaway tree of its own: a pattern that selects no
# script is an error, --help and --list are options and not patterns, one
# selected script shows its output as it runs, the summary line keeps its
# format; single cases: a selected case runs and an unselected one does
# not, --list shows a script's cases, a case pattern matching nothing is
# an error.
# timeout: 90
source "$(dirname "$0")/../lib.sh"
T=$(scratch)
mkdir -p "$T/tests/a" "$T/tests/b"
cp "$ROOT/tests/run.sh" "$T/tests/run.sh"
cat >"$T/tests/a/test-slow.sh" <<'EOT'
echo "step one"
sleep 3
echo "PASS: slow"
EOT
cat >"$T/tests/b/test-quick.sh" <<'EOT'
echo "PASS: quick one"
echo "SKIP: quick two: no reason"
EOT
R="$T/tests/run.sh"

out=$(timeout 20 "$R" nosuchtest 2>&1)
rc=$?
[ $rc -eq 2 ] && [ "$out" = "tests/run.sh: no test script matches 'nosuchtest' (tests/run.sh --list shows them)" ] &&
	pass "a pattern matching no script: one line, status 2" ||
	fail "a pattern matching no script: one line, status 2" "rc=$rc: $out"
out=$(timeout 20 "$R" --help 2>&1)
rc=$?
[ $rc -eq 0 ] && [[ "$out" == "usage: tests/run.sh "* ]] && ! grep -q "^== " <<<"$out" &&
	pass "--help prints the usage" || fail "--help prints the usage" "rc=$rc: $out"
out=$(timeout 20 "$R" --nope 2>&1)
rc=$?
[ $rc -eq 2 ] && [[ "$out" == *"unknown option '--nope'"* ]] && pass "an unknown option: status 2" ||
	fail "an unknown option: status 2" "rc=$rc: $out"
out=$(timeout 20 "$R" --list 2>&1)
[ "$out" = "tests/a/test-slow.sh
tests/b/test-quick.sh" ] && pass "--list lists and runs nothing" || fail "--list lists and runs nothing" "$out"
out=$(timeout 20 "$R" --list quick 2>&1)
[ "$out" = "tests/b/test-quick.sh" ] && pass "--list PATTERN" || fail "--list PATTERN" "$out"

# One script selected: its first line shows while it still runs.
timeout 20 "$R" slow >"$T/live" 2>&1 &
rp=$!
if wait_for 2 grep -q '| step one' "$T/live" && kill -0 $rp 2>/dev/null; then
	pass "one script: its output as it runs"
else
	fail "one script: its output as it runs" "$(cat "$T/live")"
fi
wait $rp
rc=$?
[ $rc -eq 0 ] && [ "$(tail -1 "$T/live")" = "1 passed, 0 failed, 0 skipped" ] &&
	pass "one script: the summary line" || fail "one script: the summary line" "rc=$rc: $(tail -3 "$T/live")"

out=$(timeout 30 "$R" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$(tail -1 <<<"$out")" = "2 passed, 0 failed, 1 skipped" ] && ! grep -q 'step one' <<<"$out" &&
	pass "several scripts: results only, the summary line" ||
	fail "several scripts: results only, the summary line" "rc=$rc: $out"
echo 'echo "FAIL: broken: on purpose"' >"$T/tests/b/test-quick.sh"
out=$(KILN_TESTS=quick timeout 30 "$R" 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(tail -1 <<<"$out")" = "0 passed, 1 failed, 0 skipped" ] &&
	pass "KILN_TESTS selects; a failure is status 1" ||
	fail "KILN_TESTS selects; a failure is status 1" "rc=$rc: $out"

# --- single cases: a script with three cases and a setup ---------------
mkdir -p "$T/tests/c"
cp "$ROOT/tests/lib.sh" "$T/tests/lib.sh"
cat >"$T/tests/c/test-cases.sh" <<EOT
source "\$(dirname "\$0")/../lib.sh"
echo setup >>"$T/ran"
if case_on alpha-one; then echo alpha-one >>"$T/ran"; pass "alpha one"; fi
if case_on alpha-two; then echo alpha-two >>"$T/ran"; pass "alpha two"; fi
if case_on beta; then echo beta >>"$T/ran"; skip "beta" "a reason"; fi
finish
EOT
echo 'echo "PASS: quick one"' >"$T/tests/b/test-quick.sh"
ran() { tr '\n' ' ' <"$T/ran" 2>/dev/null | sed 's/ $//'; }
out=$(timeout 20 "$R" --list 2>&1)
[ "$out" = "tests/a/test-slow.sh
tests/b/test-quick.sh
tests/c/test-cases.sh
    alpha-one
    alpha-two
    beta" ] && pass "--list: a script's cases under it" || fail "--list: a script's cases under it" "$out"
out=$(timeout 20 "$R" --list cases 'alpha*' 2>&1)
[ "$out" = "tests/c/test-cases.sh
    alpha-one
    alpha-two" ] && pass "--list PATTERN CASES: the matching cases" || fail "--list PATTERN CASES" "$out"
rm -f "$T/ran"
out=$(timeout 20 "$R" c/test-cases alpha-two 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$(ran)" = "setup alpha-two" ] && [ "$(tail -1 <<<"$out")" = "1 passed, 0 failed, 0 skipped" ] &&
	pass "PATTERN CASE: the selected case runs, the others do not; the summary line" ||
	fail "PATTERN CASE" "rc=$rc ran=[$(ran)]: $out"
rm -f "$T/ran"
out=$(timeout 20 "$R" --case 'alpha-one,b*' c/ 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$(ran)" = "setup alpha-one beta" ] && [ "$(tail -1 <<<"$out")" = "1 passed, 0 failed, 1 skipped" ] &&
	pass "--case with two patterns" || fail "--case with two patterns" "rc=$rc ran=[$(ran)]: $out"
# A case pattern over several scripts keeps those naming a match only.
rm -f "$T/ran"
out=$(KILN_CASE=beta timeout 30 "$R" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$(ran)" = "setup beta" ] && ! grep -q 'test-quick\|test-slow' <<<"$out" &&
	[ "$(tail -1 <<<"$out")" = "0 passed, 0 failed, 1 skipped" ] &&
	pass "KILN_CASE: only scripts naming a matching case run" ||
	fail "KILN_CASE over all scripts" "rc=$rc ran=[$(ran)]: $out"
rm -f "$T/ran"
out=$(timeout 20 "$R" c/test-cases 'gamma*' 2>&1)
rc=$?
[ $rc -eq 2 ] && [ ! -e "$T/ran" ] &&
	[ "$out" = "tests/run.sh: no case matches 'gamma*' in the 1 script(s) selected (tests/run.sh --list 'c/test-cases' shows their cases)" ] &&
	pass "a case pattern matching nothing: one line, status 2, nothing run" ||
	fail "a case pattern matching nothing" "rc=$rc ran=[$(ran)]: $out"
out=$(timeout 20 "$R" quick alpha-one 2>&1)
rc=$?
[ $rc -eq 2 ] && [[ "$out" == "tests/run.sh: no case matches 'alpha-one' in the 1 script(s)"* ]] &&
	pass "a case of another script: status 2" || fail "a case of another script" "rc=$rc: $out"
out=$(timeout 20 "$R" a b c 2>&1)
[ $? -eq 2 ] && pass "three patterns: status 2" || fail "three patterns" "$out"
# Without a case pattern every case runs.
rm -f "$T/ran"
out=$(timeout 20 "$R" c/test-cases 2>&1)
[ "$(ran)" = "setup alpha-one alpha-two beta" ] && [ "$(tail -1 <<<"$out")" = "2 passed, 0 failed, 1 skipped" ] &&
	pass "no case pattern: every case runs" || fail "no case pattern" "ran=[$(ran)]: $out"
# --- the second lane: "# lane: tcg" scripts run beside the others -------
mkdir -p "$T/tests/d"
rm -rf "$T/tests/a" "$T/tests/b" "$T/tests/c"
for n in 1 2; do
	cat >"$T/tests/d/test-emu$n.sh" <<EOT
# timeout: 30
# lane: tcg
sleep 2
echo "PASS: emulated $n"
EOT
done
cat >"$T/tests/d/test-host.sh" <<'EOT'
sleep 4
echo "PASS: on the host"
EOT
cat >"$T/tests/d/test-late.sh" <<'EOT'
echo "FAIL: late: on purpose"
EOT
t0=$(date +%s%N)
out=$(timeout 30 "$R" d/ 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc -eq 1 ] && [ "$(tail -1 <<<"$out")" = "3 passed, 1 failed, 0 skipped" ] &&
	[ "$(grep -c '^== ' <<<"$out")" -eq 4 ] && grep -q '^failed in: tests/d/test-late.sh$' <<<"$out" &&
	pass "two lanes: every script reported once, the summary line" ||
	fail "two lanes: every script reported once, the summary line" "rc=$rc: $out"
# Serially 8 s (2 + 2 + 4); side by side the host script's 4 s.
[ "$ms" -lt 7000 ] && pass "two lanes: the tcg scripts ran beside the others (${ms} ms)" ||
	fail "two lanes: the tcg scripts ran beside the others" "${ms} ms"
t0=$(date +%s%N)
out=$(KILN_TEST_LANES=1 timeout 30 "$R" d/ 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(tail -1 <<<"$out")" = "3 passed, 1 failed, 0 skipped" ] && [ "$ms" -ge 8000 ] &&
	pass "KILN_TEST_LANES=1: one lane (${ms} ms)" || fail "KILN_TEST_LANES=1: one lane" "${ms} ms: $out"
finish
