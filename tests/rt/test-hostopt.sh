#!/usr/bin/env bash
# host/hostopt.c: the host options of docs/building.md, under ASan+UBSan.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/rt"
mkdir -p "$out"
if ! cc -std=c11 -D_GNU_SOURCE -g -Wall -Wextra -Werror -Iinclude \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-o "$out/hostopt_test" tests/rt/hostopt_test.c host/hostopt.c \
	>"$out/hostopt.build.log" 2>&1; then
	fail "hostopt build" "$(head -5 "$out/hostopt.build.log")"
	finish
fi
timeout 30 "$out/hostopt_test" >"$out/hostopt.log" 2>&1
rc=$?
sed -n 's/^ok \(.*\)/PASS: hostopt: \1/p; s/^not ok \(.*\)/FAIL: hostopt: \1/p' "$out/hostopt.log"
[ $rc -eq 0 ] || fail "hostopt" "exit $rc: $(grep -v '^ok' "$out/hostopt.log" | head -5)"
finish
