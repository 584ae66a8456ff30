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
# Built by kiln from tests/store/sim.host.
if ! sim=$(host_build tests/store/sim.host); then
	fail "store sim" "does not build: $(tail -5 "$(host_log tests/store/sim.host)")"
	finish
fi
if timeout 280 "$sim" "${SEEDS:-6}" >"$out/sim.out" 2>&1; then
	while read -r l; do pass "store sim: $l"; done < <(grep -E '^(cuts|flips|tail|full):' "$out/sim.out")
else
	fail "store sim" "$(grep -v '^PASS' "$out/sim.out" | head -10 | tr '\n' '|')"
fi
finish
