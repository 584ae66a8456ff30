#!/usr/bin/env bash
# Build and run Kiln's libFuzzer harnesses.
#
# Each harness is one file fuzz/NAME.c defining LLVMFuzzerTestOneInput,
# built by kiln from fuzz/NAME.host (docs/building.md: the libraries it
# links, whose sources come from their kiln.lib, and any other files;
# fuzz = yes), incrementally. An optional line `fuzz-needs: PATH` in the
# harness makes it SKIP when PATH (e.g. a fetched dependency in _deps/) is
# missing. Seeds, if any, live in fuzz/corpus/NAME/.
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
# fuzz_one NAME: build and run one harness; prints its PASS/FAIL line
# (and what went wrong) in one piece, exit status 1 on failure.
fuzz_one() {
	local n=$1 src needs bin corpus seeds execs
	src="fuzz/$n.c"
	needs=$(sed -n 's/.*fuzz-needs: *//p' "$src" | head -1)
	if [ -n "$needs" ] && [ ! -e "$needs" ]; then
		echo "SKIP: fuzz $n: $needs is missing (run scripts/deps.sh)" >"$out/$n.report"
		return 0
	fi
	bin="$root/_build/host/fuzz/$n/$n"
	if ! "$root/bin/kiln" build -j 1 "fuzz/$n.host" >"$out/$n.build.log" 2>&1; then
		{ echo "FAIL: fuzz $n: does not build"; tail -30 "$out/$n.build.log"; } >"$out/$n.report"
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
