#!/usr/bin/env bash
# lib/rt/libc's heap, ctype, strto* and qsort against the host's libc,
# built with ASan and UBSan.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/build.sh"
cd "$ROOT"
libc_test_build heap || exit 1
timeout 120 "$LIBC_TEST_BIN" || fail "rt-libc/heap" "the test program failed (status $?)"
finish
