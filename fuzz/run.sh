#!/usr/bin/env bash
# Build and run Kiln's libFuzzer harnesses.
#
# Each harness is one file fuzz/NAME.c defining LLVMFuzzerTestOneInput. A
# line in it of the form
#   fuzz-sources: lib/net/wire/ipv4.c lib/net/wire/checksum.c
# names the project sources it links (paths from the repository root;
# shell globs allowed). Seeds, if any, live in fuzz/corpus/NAME/.
#
# usage: fuzz/run.sh [SECONDS_EACH] [NAME...]
# Prints PASS/FAIL per harness (the test runner's protocol).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-8}
shift || true
out="$root/_build/fuzz"
mkdir -p "$out"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in fuzz/*.c; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .c)
		names+=("$n")
	done
fi
if [ ${#names[@]} -eq 0 ]; then
	echo "SKIP: fuzz: no harnesses yet"
	exit 0
fi
rc=0
for n in "${names[@]}"; do
	src="fuzz/$n.c"
	srcs=$(sed -n 's/.*fuzz-sources: *//p' "$src" | head -1)
	# shellcheck disable=SC2086
	srcs=$(eval echo $srcs)
	bin="$out/$n"
	if ! clang -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
		-Wno-unused-function \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Iinclude -DKILN_FUZZ "$src" $srcs -o "$bin" >"$out/$n.build.log" 2>&1; then
		echo "FAIL: fuzz $n: does not build"
		cat "$out/$n.build.log" | head -30
		rc=1
		continue
	fi
	corpus="$out/$n.corpus"
	mkdir -p "$corpus"
	seeds=()
	[ -d "fuzz/corpus/$n" ] && seeds=("$root/fuzz/corpus/$n")
	if (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" \
		-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		"$corpus" "${seeds[@]}" >"$out/$n.log" 2>&1); then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$n.log")
		echo "PASS: fuzz $n (${execs:-?} runs in ${secs}s)"
	else
		echo "FAIL: fuzz $n: crash; see _build/fuzz/$n.log"
		grep -A30 -m1 'ERROR:' "$out/$n.log" | head -40
		rc=1
	fi
done
exit $rc
