#!/usr/bin/env bash
# host/usernet_filter.h, the rules for what a guest may send into
# user-mode networking: unit tests under ASan and UBSan, then a short run
# of its libFuzzer harness (tests/usernet/fuzz_filter.c, written to
# fuzz/run.sh's convention) when clang is there.
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

if ! command -v clang >/dev/null; then
	skip "fuzz usernet filter" "no clang"
	finish
fi
if ! clang -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	tests/usernet/fuzz_filter.c -o "$out/fuzz_filter" 2>"$out/fuzz_filter.build.log"; then
	fail "fuzz usernet filter build" "$(head -20 "$out/fuzz_filter.build.log")"
	finish
fi
mkdir -p "$out/fuzz_filter.corpus"
if (cd "$out" && timeout 60 ./fuzz_filter -max_total_time=10 -timeout=10 \
	-print_final_stats=1 fuzz_filter.corpus >fuzz_filter.log 2>&1); then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz_filter.log")
	pass "fuzz usernet filter (${runs:-?} runs in 10s)"
else
	fail "fuzz usernet filter" "$(grep -A20 -m1 'ERROR\|deadly' "$out/fuzz_filter.log" | tr '\n' '|')"
fi
finish
