#!/usr/bin/env bash
# Every libFuzzer harness in fuzz/ runs for a short budget.
# timeout: 900
exec "$(dirname "$0")/../../fuzz/run.sh" "${FUZZ_SECONDS:-3}"
