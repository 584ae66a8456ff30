#!/usr/bin/env bash
# apps/decks/prebuild.sh is incremental: with node_modules in place a
# second run installs nothing and touches no file, and a second kiln build
# has nothing to do; the vendored files match the package byte for byte.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
if ! sh apps/decks/prebuild.sh >"$T/pre1.log" 2>&1; then
	skip "prebuild" "first run failed (no package registry?): $(tail -1 "$T/pre1.log")"
	exit 0
fi
snap() { find apps/decks/vendor apps/decks/node_modules -maxdepth 0 -printf '%p %T@\n'; find apps/decks/vendor -type f -printf '%p %s %T@\n' | sort; }
snap >"$T/before"
sh apps/decks/prebuild.sh >"$T/pre2.log" 2>&1 || fail "prebuild again" "$(cat "$T/pre2.log")"
snap >"$T/after"
[ ! -s "$T/pre2.log" ] && pass "second prebuild says nothing (no npm ci)" ||
	fail "second prebuild says nothing" "$(cat "$T/pre2.log")"
cmp -s "$T/before" "$T/after" && pass "second prebuild touches no file" ||
	fail "second prebuild touches no file" "$(diff "$T/before" "$T/after" | head -5)"
bad=0
for f in $(cd apps/decks/vendor && find . -type f ! -name .gitignore); do
	src=apps/decks/node_modules/reveal.js/dist/$f
	[ "$f" = ./LICENSE ] && src=apps/decks/node_modules/reveal.js/LICENSE
	[ "$f" = ./plugin/highlight/highlight.js ] && src=apps/decks/node_modules/reveal.js/$f
	cmp -s "$src" "apps/decks/vendor/$f" || { echo "differs: $f"; bad=1; }
done
[ $bad -eq 0 ] && pass "vendored files equal the package's" || fail "vendored files" "see above"
git ls-files --error-unmatch apps/decks/vendor/reveal.js >/dev/null 2>&1 &&
	fail "reveal.js not committed" "apps/decks/vendor/reveal.js is tracked" ||
	pass "reveal.js is not committed"
"$KILN" build -t unix apps/decks >"$T/b1.log" 2>&1 || { fail "build" "$(tail -3 "$T/b1.log")"; finish; }
out=$("$KILN" build -t unix apps/decks 2>&1)
[[ "$out" == *"decks is up to date"* ]] && pass "second kiln build is up to date" ||
	fail "second kiln build is up to date" "$out"
finish
