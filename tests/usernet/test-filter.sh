#!/usr/bin/env bash
# host/usernet_filter.h, the rules for what a guest may send into
# user-mode networking: unit tests under ASan and UBSan. (Its libFuzzer
# harness is fuzz/usernet_filter.c, run with the others by tests/fuzz.)
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/tests/usernet"
mkdir -p "$out"
# Built by kiln from tests/usernet/filter_test.host.
if bin=$(host_build tests/usernet/filter_test.host); then
	timeout 30 "$bin" || fail "filter unit tests" "exit status $?"
else
	fail "filter unit tests build" "$(tail -20 "$(host_log tests/usernet/filter_test.host)")"
fi

finish
