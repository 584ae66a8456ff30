#!/usr/bin/env bash
# Host unit tests of the virtio target's pure parts (virtqueues, command
# line, PVH start info, PCI capabilities, the virtio-net header check)
# under ASan and UBSan.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/virtio-unit"
mkdir -p "$out"
# Built by kiln from tests/virtio/unit.host.
if ! bin=$(host_build tests/virtio/unit.host); then
	fail "virtio unit tests build" "$(tail -20 "$(host_log tests/virtio/unit.host)")"
	finish
fi
"$bin" || TEST_FAILS=$((TEST_FAILS + 1))
finish
