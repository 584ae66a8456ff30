#!/usr/bin/env bash
# tests/run.sh, on a throwaway tree of its own: a pattern that selects no
# script is an error, --help and --list are options and not patterns, one
# selected script shows its output as it runs, the summary line keeps its
# format.
# timeout: 60
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
finish
