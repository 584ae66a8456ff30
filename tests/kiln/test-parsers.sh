#!/usr/bin/env bash
# Unit tests of kiln's descriptor and dependency-file parsers, under ASan
# and UBSan.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
out="$ROOT/_build/tests/kiln"
mkdir -p "$out"
if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-I"$ROOT/include" -o "$out/parsers" "$ROOT/tests/kiln/parsers.c" \
	"$ROOT/tool/desc.c" "$ROOT/tool/depfile.c" >"$out/parsers.log" 2>&1; then
	fail "kiln parsers: build" "$(head -20 "$out/parsers.log")"
	finish
fi
timeout 60 "$out/parsers"
