#!/usr/bin/env bash
# make install PREFIX=DIR: DIR/bin/kiln works outside the tree with no
# KILN_ROOT (kiln new a && kiln run a in an empty folder; a copy of
# apps/hello in a scratch folder), the prefix still works once moved, the
# test build of kiln-hvt is not installed, and a kiln outside any tree
# says so.
# timeout: 240
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || { fail "kiln-install" "bin/kiln is missing (run make)"; finish; }
T=$(scratch)
unset KILN_ROOT
export KILN_STATE_HOME="$T/state"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

out=$(make -s install PREFIX="$T/x" 2>&1)
if [ $? -eq 0 ] && [ -L "$T/x/bin/kiln" ] && [ -x "$T/x/lib/kiln/bin/kiln-hvt" ] &&
	[ ! -e "$T/x/lib/kiln/bin/kiln-hvt-test" ] && [ ! -e "$T/x/lib/kiln/lib/rt/_build" ]; then
	pass "make install PREFIX: bin/kiln a link into lib/kiln ($(du -sh "$T/x" | cut -f1)), no kiln-hvt-test"
else
	fail "make install" "$out"
	finish
fi
err=$(make -s install PREFIX=relative 2>&1)
check "make install PREFIX=relative: refused" test $? -ne 0
grep -q "PREFIX must be absolute" <<<"$err" || fail "relative PREFIX: the line" "$err"

k="$T/x/bin/kiln"
mkdir "$T/empty"
# The default target: hvt with KVM, else unix (the copy of hello below
# is built for unix).
out=$(cd "$T/empty" && "$k" new a && "$k" run a 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -qx "Hello from a!" <<<"$out" &&
	pass "installed kiln new a && kiln run a in an empty folder" ||
	fail "installed kiln new/run" "rc=$rc $(tail -3 <<<"$out")"

cp -r apps/hello "$T/hello"
rm -rf "$T/hello/_build"
for t in unix; do
	out=$(cd "$T" && "$k" run -t "$t" hello -- hi there 2>&1)
	rc=$?
	[ $rc -eq 0 ] && grep -q "hi" <<<"$out" && [ -x "$T/hello/_build/$t/hello" ] &&
		pass "$t: a copy of apps/hello built and run by the installed kiln" ||
		fail "$t: installed kiln run hello" "rc=$rc $(tail -3 <<<"$out")"
done

# Moved as a whole, it still finds its tree (the compile commands name the
# new place, so the copy is rebuilt).
mv "$T/x" "$T/y"
k="$T/y/bin/kiln"
out=$(cd "$T" && "$k" run -t unix hello -- moved 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q "moved" <<<"$out" &&
	pass "moved prefix: the installed kiln still builds and runs the copy" ||
	fail "moved prefix" "rc=$rc $(tail -3 <<<"$out")"

# kiln alone, outside any tree.
mkdir -p "$T/lone/bin"
cp bin/kiln "$T/lone/bin/"
err=$(cd "$T/empty" && "$T/lone/bin/kiln" build a 2>&1)
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q "does not look like a Kiln tree" <<<"$err" &&
	pass "kiln outside a tree: exit 2, '$err'" || fail "kiln outside a tree" "rc=$rc [$err]"
finish
