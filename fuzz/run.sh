#!/usr/bin/env bash
# Build and run Kiln's libFuzzer harnesses.
#
# Each harness is one file fuzz/NAME.c defining LLVMFuzzerTestOneInput. A
# line in it of the form
#   fuzz-sources: lib/net/wire/ipv4.c lib/net/wire/checksum.c
# names the project sources it links (paths from the repository root;
# shell globs allowed). Optional lines: `fuzz-cflags: FLAGS` (added to
# the compile), `fuzz-needs: PATH` (the harness SKIPs when PATH, e.g. a
# fetched dependency in _deps/, is missing). A harness is rebuilt only
# when one of the files its last build read (clang's dependency list)
# is newer than it. Seeds, if any, live in fuzz/corpus/NAME/.
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
# up_to_date BIN DIR...: BIN was built by the same command (BIN.cmd) and
# no file under the source folders or DIRs (the harness's -I folders) is
# newer than it.
up_to_date() {
	local bin=$1 cmd=$2
	shift 2
	[ -x "$bin" ] && [ -f "$bin.cmd" ] && [ "$(cat "$bin.cmd")" = "$cmd" ] || return 1
	[ -z "$(find fuzz include lib platform host monitor tool tests "$@" -newer "$bin" \
		-print -quit 2>/dev/null)" ]
}

# fuzz_one NAME: build and run one harness; prints its PASS/FAIL line
# (and what went wrong) in one piece, exit status 1 on failure.
fuzz_one() {
	local n=$1 src srcs cflags needs bin corpus seeds execs f
	src="fuzz/$n.c"
	srcs=$(sed -n 's/.*fuzz-sources: *//p' "$src" | head -1)
	cflags=$(sed -n 's/.*fuzz-cflags: *//p' "$src" | head -1)
	needs=$(sed -n 's/.*fuzz-needs: *//p' "$src" | head -1)
	if [ -n "$needs" ] && [ ! -e "$needs" ]; then
		echo "SKIP: fuzz $n: $needs is missing (run scripts/deps.sh)" >"$out/$n.report"
		return 0
	fi
	# shellcheck disable=SC2086
	srcs=$(eval echo $srcs)
	bin="$out/$n"
	local cmd=(clang -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror
		-Wno-unused-function
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
		$cflags -Iinclude -DKILN_FUZZ "$src" $srcs -o "$bin")
	local idirs=()
	for f in $cflags; do
		case $f in -I*) idirs+=("${f#-I}") ;; esac
	done
	if up_to_date "$bin" "${cmd[*]}" ${idirs[@]+"${idirs[@]}"}; then
		:
	elif "${cmd[@]}" >"$out/$n.build.log" 2>&1; then
		echo "${cmd[*]}" >"$bin.cmd"
	else
		rm -f "$bin.cmd"
		{ echo "FAIL: fuzz $n: does not build"; head -30 "$out/$n.build.log"; } >"$out/$n.report"
		return 1
	fi
	corpus="$out/$n.corpus"
	mkdir -p "$corpus"
	seeds=()
	[ -d "fuzz/corpus/$n" ] && seeds=("$root/fuzz/corpus/$n")
	if (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" \
		-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		"$corpus" "${seeds[@]}" >"$out/$n.log" 2>&1); then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$n.log")
		echo "PASS: fuzz $n (${execs:-?} runs in ${secs}s)" >"$out/$n.report"
		return 0
	fi
	{
		echo "FAIL: fuzz $n: crash; see _build/fuzz/$n.log"
		grep -A30 -m1 'ERROR:' "$out/$n.log" | head -40
	} >"$out/$n.report"
	return 1
}

# As many harnesses at a time as there are CPUs (FUZZ_JOBS to choose);
# each one's report is printed whole, in the harnesses' order.
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
rc=0
running=()
for n in "${names[@]}"; do
	rm -f "$out/$n.report"
	fuzz_one "$n" &
	running+=($!)
	if [ ${#running[@]} -ge "$jobs" ]; then
		wait "${running[0]}" || rc=1
		running=("${running[@]:1}")
	fi
done
for p in ${running[@]+"${running[@]}"}; do
	wait "$p" || rc=1
done
for n in "${names[@]}"; do
	cat "$out/$n.report" 2>/dev/null || { echo "FAIL: fuzz $n: no report"; rc=1; }
done
exit $rc
