#!/usr/bin/env bash
# host/hostopt.c: the host options of docs/building.md, under ASan+UBSan.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/rt"
mkdir -p "$out"
# Built by kiln from tests/rt/hostopt_test.host.
if ! bin=$(host_build tests/rt/hostopt_test.host); then
	fail "hostopt build" "$(tail -5 "$(host_log tests/rt/hostopt_test.host)")"
	finish
fi
timeout 30 "$bin" >"$out/hostopt.log" 2>&1
rc=$?
sed -n 's/^ok \(.*\)/PASS: hostopt: \1/p; s/^not ok \(.*\)/FAIL: hostopt: \1/p' "$out/hostopt.log"
[ $rc -eq 0 ] || fail "hostopt" "exit $rc: $(grep -v '^ok' "$out/hostopt.log" | head -5)"
finish
