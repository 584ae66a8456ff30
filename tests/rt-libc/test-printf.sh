#!/usr/bin/env bash
# lib/rt/libc's snprintf against the host's libc,
# built with ASan and UBSan.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/build.sh"
cd "$ROOT"
libc_test_build printf || exit 1
timeout 120 "$LIBC_TEST_BIN" || fail "rt-libc/printf" "the test program failed (status $?)"
finish
