#!/usr/bin/env bash
# `kiln new x && kiln run x` works in an empty folder against the real
# tree (lib/rt and the default target), and apps/hello builds and runs on
# unix, incrementally. `kiln new --template http DIR` makes an HTTP app
# that answers on its first `kiln run` (unix, curl on loopback), named
# after DIR's last component.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
[ -x "$KILN" ] || { fail "kiln-new" "bin/kiln is missing (run make)"; finish; }
unset KILN_ROOT
if [ ! -f "$ROOT/lib/rt/kiln.lib" ] || [ ! -f "$ROOT/platform/unix/kiln.target" ]; then
	skip "kiln new + run" "lib/rt or platform/unix is not in the tree yet"
	finish
fi

T=$(scratch)
cd "$T"
out=$(timeout 30 "$KILN" new x 2>&1)
rc=$?
[ $rc -eq 0 ] && [ -f x/kiln.app ] && [ -f x/main.c ] && pass "kiln new creates the app" ||
	fail "kiln new creates the app" "rc=$rc: $out"

# The default target (hvt where KVM is usable, else unix).
target=unix
if [ -f "$ROOT/platform/hvt/kiln.target" ] && have_kvm; then
	target=hvt
fi
if [ $target = hvt ] && [ ! -x "$KILN_HVT" ]; then
	skip "kiln run x (default target hvt)" "bin/kiln-hvt is not built"
else
	out=$(timeout 120 "$KILN" run x 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [[ "$out" == *"Hello from x!"* ]] && [ -x "x/_build/$target/x" ] &&
		pass "kiln run x (default target $target)" ||
		fail "kiln run x (default target $target)" "rc=$rc: $(echo "$out" | tail -15)"
fi

out=$(timeout 120 "$KILN" run -t unix x 2>&1)
rc=$?
[ $rc -eq 0 ] && [[ "$out" == *"Hello from x!"* ]] && pass "kiln run -t unix x" ||
	fail "kiln run -t unix x" "rc=$rc: $(echo "$out" | tail -15)"
out=$(timeout 60 "$KILN" build -t unix x 2>&1)
[ "$out" = "kiln: x is up to date" ] && pass "kiln build -t unix x again: up to date" ||
	fail "kiln build -t unix x again: up to date" "$out"

# The http template: its first kiln run serves / and /hello/{name}.
out=$(timeout 30 "$KILN" new --template http "$T/sub/web" 2>&1)
[ $? -ne 0 ] && pass "kiln new --template http: the parent folder must exist" ||
	fail "kiln new --template http: missing parent" "$out"
mkdir -p "$T/sub"
out=$(timeout 30 "$KILN" new --template http "$T/sub/web" 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q '^name = web$' "$T/sub/web/kiln.app" && pass "kiln new --template http DIR: app named after DIR" ||
	fail "kiln new --template http DIR" "rc=$rc: $out"
port=$((20000 + RANDOM % 20000))
timeout 300 "$KILN" run -t unix "$T/sub/web" -p "$port:80" >"$T/web.log" 2>&1 &
wpid=$!
on_exit "kill $wpid 2>/dev/null"
if wait_for 240 curl -sf -o /dev/null "http://127.0.0.1:$port/"; then
	body=$(curl -s "http://127.0.0.1:$port/")
	json=$(curl -s "http://127.0.0.1:$port/hello/Ada")
	bad=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/hello/a%22b")
	[ "$body" = "Hello from web!" ] && [ "$json" = '{"hello":"Ada"}' ] && [ "$bad" = 400 ] &&
		pass "the http template answers on its first kiln run (unix)" ||
		fail "the http template answers" "/: '$body', /hello/Ada: '$json', /hello/a\"b: $bad"
else
	fail "the http template answers on its first kiln run" "$(tail -5 "$T/web.log")"
fi
kill $wpid 2>/dev/null

# apps/hello, copied so that the test leaves the tree alone.
if [ -f "$ROOT/apps/hello/kiln.app" ]; then
	mkdir hello
	cp "$ROOT"/apps/hello/kiln.app "$ROOT"/apps/hello/*.c hello/
	out=$(timeout 120 "$KILN" build -t unix hello 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [[ "$out" == *"kiln: built hello/_build/unix/hello ("*" bytes)"* ]] &&
		pass "apps/hello builds on unix" || fail "apps/hello builds on unix" "rc=$rc: $(echo "$out" | tail -15)"
	out=$(timeout 60 "$KILN" run -t unix hello 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [[ "$out" == *Hello* ]] && pass "apps/hello runs on unix" ||
		fail "apps/hello runs on unix" "rc=$rc: $(echo "$out" | tail -15)"
else
	skip "apps/hello" "not in the tree yet"
fi
finish
