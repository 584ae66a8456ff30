#!/usr/bin/env bash
# Host unit tests (ASan, UBSan) of the aarch64 targets' pure parts: the
# device-tree reader on QEMU virt's trees (GICv2; GICv3 entered at EL2)
# and on broken ones, the ATAG reader and the SD card's CSD (rpi3), and
# kiln-console's exit-status mark filter.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/arm64-unit"
mkdir -p "$out"
if ! cc -std=c11 -D_GNU_SOURCE -DKILN_FUZZ -g -O1 -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -Iinclude \
	tests/arm64/unit.c platform/aarch64/fdt.c platform/aarch64/atags.c \
	platform/rpi3/sd_csd.c monitor/console/mark.c \
	-o "$out/unit" >"$out/build.log" 2>&1; then
	fail "aarch64 unit tests build" "$(head -20 "$out/build.log")"
	finish
fi
"$out/unit" fuzz/corpus/fdt || TEST_FAILS=$((TEST_FAILS + 1))
finish
