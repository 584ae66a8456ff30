#!/usr/bin/env bash
# Host unit tests of TCP (lib/net/tcp*.c, lib/net/wire/tcp.c): the state
# machine driven segment by segment through a scripted IP layer and a
# controllable clock (tests/tcp/harness.c), plus lossy loopback transfers
# checked byte for byte; SYN cookies in tests/tcp/syncookie.c. Built with
# ASan and UBSan.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/tests/tcp"
mkdir -p "$out"
srcs="tests/tcp/unit.c tests/tcp/harness.c tests/tcp/entropy.c lib/rt/random.c lib/net/tcp_*.c
	lib/net/wire/tcp.c lib/net/wire/checksum.c"
# shellcheck disable=SC2086
if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Iinclude $srcs -o "$out/unit" >"$out/unit.build.log" 2>&1; then
	fail "tcp unit tests" "do not build: $(head -5 "$out/unit.build.log")"
	finish
fi
# SYN cookies (tests/tcp/syncookie.c), a binary of its own.
# shellcheck disable=SC2086
if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Iinclude ${srcs/tests\/tcp\/unit.c/tests/tcp/syncookie.c} \
	-o "$out/syncookie" >"$out/syncookie.build.log" 2>&1; then
	fail "tcp syncookie unit tests" "do not build: $(head -5 "$out/syncookie.build.log")"
	finish
fi
# The binaries print one PASS/FAIL line per test (each in its own
# process); details of failures go to stderr.
timeout 240 "$out/unit" 2>"$out/unit.stderr"
rc=$?
grep -E 'bytes each way' "$out/unit.stderr" | sed 's/^ */# /'
if [ $rc -ne 0 ]; then
	grep -E 'check failed|ERROR|panic' "$out/unit.stderr" | head -20
	fail "tcp unit tests" "exit status $rc"
fi
timeout 60 "$out/syncookie" 2>"$out/syncookie.stderr"
rc=$?
if [ $rc -ne 0 ]; then
	grep -E 'check failed|ERROR|panic' "$out/syncookie.stderr" | head -20
	fail "tcp syncookie unit tests" "exit status $rc"
fi
finish
