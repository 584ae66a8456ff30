#!/usr/bin/env bash
# kiln's help, version and command help; the tree found from kiln's own
# location; kiln targets.
# timeout: 60
source "$(dirname "$0")/../lib.sh"
[ -x "$KILN" ] || { fail "kiln-cli" "bin/kiln is missing (run make)"; finish; }
unset KILN_ROOT

out=$("$KILN" --version)
[ $? -eq 0 ] && [ "$out" = "kiln 0.1.0" ] && pass "--version" || fail "--version" "$out"
out=$("$KILN" --help)
[ $? -eq 0 ] && [[ "$out" == usage:\ kiln* ]] && [[ "$out" == *"  targets "* ]] && pass "--help" || fail "--help" "$out"
for c in build run new clean targets; do
	out=$("$KILN" $c --help)
	[ $? -eq 0 ] && [[ "$out" == "usage: kiln $c"* ]] && pass "$c --help" || fail "$c --help" "$out"
done
"$KILN" >/dev/null 2>&1
[ $? -eq 2 ] && pass "no command: status 2" || fail "no command: status 2"

# The tree is found from bin/kiln's location, whatever the folder.
T=$(scratch)
cd "$T"
out=$("$KILN" targets 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -n "$out" ]; then
	bad=""
	for t in "$ROOT"/platform/*/kiln.target; do
		n=$(basename "$(dirname "$t")")
		echo "$out" | grep -q "^$n  *[^ ]" || bad="$bad $n"
	done
	[ -z "$bad" ] && pass "targets lists the tree's targets (found from bin/)" ||
		fail "targets lists the tree's targets (found from bin/)" "missing:$bad in: $out"
else
	fail "targets lists the tree's targets (found from bin/)" "rc=$rc: $out"
fi

# A copy of kiln outside a bin/ folder needs KILN_ROOT.
cp "$KILN" "$T/kiln"
out=$("$T/kiln" targets 2>&1)
[ $? -eq 2 ] && [[ "$out" == *"set KILN_ROOT"* ]] && pass "outside bin/: asks for KILN_ROOT" ||
	fail "outside bin/: asks for KILN_ROOT" "$out"
out=$(KILN_ROOT="$ROOT" "$T/kiln" targets 2>&1)
[ $? -eq 0 ] && [[ "$out" == *unix* ]] && pass "KILN_ROOT overrides" || fail "KILN_ROOT overrides" "$out"
finish
