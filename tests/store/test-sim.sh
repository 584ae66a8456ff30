#!/usr/bin/env bash
# lib/store on a simulated disk (tests/store/sim.c, ASan and UBSan):
# a power cut at every device write of a workload of batched, flushed and
# unflushed commits with compactions, the unflushed sectors each kept or
# dropped at random and the write in flight torn (six workloads: about
# 1,000 cuts); after each, every acknowledged commit is there, nothing
# half-present, checksums hold. Then 300 bit flips (detected or in dead
# space, never served) and a full disk (-STORE_ENOSPC, nothing lost).
# SEEDS=N for more (make test-long runs 40).
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/tests/store"
mkdir -p "$out"
if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Iinclude tests/store/sim.c lib/store/*.c -o "$out/sim" >"$out/sim.build.log" 2>&1; then
	fail "store sim" "does not build: $(head -5 "$out/sim.build.log")"
	finish
fi
if timeout 280 "$out/sim" "${SEEDS:-6}" >"$out/sim.out" 2>&1; then
	while read -r l; do pass "store sim: $l"; done < <(grep -E '^(cuts|flips|tail|full):' "$out/sim.out")
else
	fail "store sim" "$(grep -v '^PASS' "$out/sim.out" | head -10 | tr '\n' '|')"
fi
finish
