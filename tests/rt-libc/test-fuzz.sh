#!/usr/bin/env bash
# Short libFuzzer runs of the rt-libc harnesses in tests/rt-libc/fuzz/
# (the same build and run as fuzz/run.sh: clang, ASan, UBSan), 8 seconds
# each by default ($LIBC_FUZZ_SECS).
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
secs=${LIBC_FUZZ_SECS:-8}
if ! command -v clang >/dev/null; then
	skip "rt-libc/fuzz" "no clang (libFuzzer)"
	exit 0
fi
mkdir -p "$ROOT/_build/tests/rt-libc"
out=$(mktemp -d "$ROOT/_build/tests/rt-libc/fuzz.XXXXXX")
on_exit "rm -rf '$out'"
for src in tests/rt-libc/fuzz/*.c; do
	n=$(basename "$src" .c)
	# shellcheck disable=SC2046
	srcs=$(eval echo $(sed -n 's/.*fuzz-sources: *//p' "$src" | head -1))
	# shellcheck disable=SC2086
	if ! clang -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
		-Wno-unused-function \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Iinclude -DKILN_FUZZ "$src" $srcs -o "$out/$n" \
		>"$out/$n.build.log" 2>&1; then
		fail "rt-libc/fuzz-$n" "does not build: $(head -c 400 "$out/$n.build.log")"
		continue
	fi
	mkdir -p "$out/$n.corpus"
	if (cd "$out" && ASAN_OPTIONS=detect_leaks=1 timeout $((secs + 60)) \
		"./$n" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 "$n.corpus" >"$n.log" 2>&1); then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$n.log")
		pass "rt-libc/fuzz-$n (${runs:-?} runs in ${secs}s)"
	else
		fail "rt-libc/fuzz-$n" "$(grep -A12 -m1 -E 'ERROR|panic|deadly' "$out/$n.log" | tr '\n' ' ' | head -c 800)"
	fi
done
finish
