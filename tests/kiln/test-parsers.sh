#!/usr/bin/env bash
# Unit tests of kiln's descriptor and dependency-file parsers, under ASan
# and UBSan.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
out="$ROOT/_build/tests/kiln"
mkdir -p "$out"
# Built by kiln from tests/kiln/parsers.host.
if ! parsers=$(host_build tests/kiln/parsers.host); then
	fail "kiln parsers: build" "$(tail -20 "$(host_log tests/kiln/parsers.host)")"
	finish
fi
timeout 60 "$parsers"
