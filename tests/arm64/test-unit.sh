#!/usr/bin/env bash
# Host unit tests (ASan, UBSan) of the aarch64 targets' pure parts: the
# device-tree reader on QEMU virt's trees (GICv2; GICv3 entered at EL2)
# and on broken ones, the ATAG reader and the SD card's CSD (rpi3), and
# kiln-console's exit-status mark filter.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
if ! unit=$(host_build tests/arm64/unit.host); then
	fail "aarch64 unit tests build" "$(tail -20 "$(host_log tests/arm64/unit.host)")"
	finish
fi
"$unit" fuzz/corpus/fdt || TEST_FAILS=$((TEST_FAILS + 1))
finish
