#!/usr/bin/env bash
# Host unit tests of the virtio target's pure parts (virtqueues, command
# line, PVH start info, PCI capabilities) under ASan and UBSan.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/virtio-unit"
mkdir -p "$out"
if ! cc -std=c11 -D_GNU_SOURCE -DKILN_FUZZ -g -O1 -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -Iinclude \
	-Iplatform/x86_64 -Iplatform/virtio_drivers \
	tests/virtio/unit.c platform/virtio_drivers/virtq.c platform/virtio_drivers/cmdline.c \
	platform/x86_64/startinfo.c platform/virtio/pci.c \
	-o "$out/unit" >"$out/build.log" 2>&1; then
	fail "virtio unit tests build" "$(head -20 "$out/build.log")"
	finish
fi
"$out/unit" || TEST_FAILS=$((TEST_FAILS + 1))
finish
