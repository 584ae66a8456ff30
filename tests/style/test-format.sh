#!/usr/bin/env bash
# The C sources follow .clang-format.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
files=$(git ls-files '*.c' '*.h' 2>/dev/null)
[ -n "$files" ] || { skip "clang-format" "no C files"; exit 0; }
bad=$(echo "$files" | xargs clang-format --dry-run -Werror 2>&1 | grep -o '^[^:]*\.[ch]' | sort -u)
if [ -z "$bad" ]; then pass "clang-format"; else fail "clang-format" "not formatted: $(echo $bad)"; fi
finish
