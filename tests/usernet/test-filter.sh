#!/usr/bin/env bash
# host/usernet_filter.h, the rules for what a guest may send into
# user-mode networking: unit tests under ASan and UBSan. (Its libFuzzer
# harness is fuzz/usernet_filter.c, run with the others by tests/fuzz.)
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/tests/usernet"
mkdir -p "$out"
if cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -Iinclude \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	tests/usernet/filter_test.c -o "$out/filter_test" 2>"$out/filter_test.log"; then
	timeout 30 "$out/filter_test" || fail "filter unit tests" "exit status $?"
else
	fail "filter unit tests build" "$(head -20 "$out/filter_test.log")"
fi

finish
