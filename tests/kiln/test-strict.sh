#!/usr/bin/env bash
# The unix target compiles an app as the freestanding targets do: host
# headers (<stdio.h> with printf) and an unused parameter fail to build
# on unix exactly as on hvt, and an app that keeps to Kiln's headers
# builds on both.
# timeout: 400
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || { fail "kiln-strict" "bin/kiln is missing (run make)"; finish; }
T=$(scratch)

# app NAME MAIN: an app folder $T/NAME using lib/rt with main.c MAIN.
app() {
	mkdir -p "$T/$1"
	printf 'name = %s\nsources = main.c\nlibraries = rt\n' "$1" >"$T/$1/kiln.app"
	printf '%s\n' "$2" >"$T/$1/main.c"
}
app stdio '#include <kiln/rt.h>
#include <stdio.h>
int kiln_main(int argc, char **argv)
{
	(void)argc;
	printf("hi %s\n", argv[0]);
	return 0;
}'
app unused '#include <kiln/rt.h>
int kiln_main(int argc, char **argv)
{
	(void)argv;
	return 0;
}'
app good '#include <kiln/rt.h>
#include <stdio.h>
#include <string.h>
int kiln_main(int argc, char **argv)
{
	(void)argc;
	char b[32];
	snprintf(b, sizeof(b), "%zu", strlen(argv[0]));
	kiln_printf("len %s\n", b);
	return 0;
}'

# expect_fail NAME APP TARGET TEXT: the build fails and the compiler says TEXT.
expect_fail() {
	local out rc
	out=$(timeout 300 "$KILN" build -t "$3" "$T/$2" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && grep -q -- "$4" <<<"$out"; then
		pass "$1"
	else
		fail "$1" "rc=$rc: $(grep -m3 -E 'error|kiln:' <<<"$out")"
	fi
}
for t in unix hvt; do
	expect_fail "$t: printf via <stdio.h> does not build" stdio $t "implicit declaration of function .printf"
	expect_fail "$t: an unused parameter does not build" unused $t "unused parameter .argc"
	out=$(timeout 300 "$KILN" build -t $t "$T/good" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && pass "$t: an app on Kiln's headers builds" || fail "$t: an app on Kiln's headers builds" "rc=$rc: $(tail -3 <<<"$out")"
done
out=$(timeout 60 "$KILN" run -t unix "$T/good" 2>&1)
[ "$out" = "len 4" ] && pass "unix: it runs (snprintf, strlen from the host's libc)" || fail "unix: it runs" "$out"
finish
