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
# Built by kiln from tests/tcp/unit.host and syncookie.host (SYN
# cookies, a binary of its own).
if ! unit=$(host_build tests/tcp/unit.host); then
	fail "tcp unit tests" "do not build: $(tail -5 "$(host_log tests/tcp/unit.host)")"
	finish
fi
if ! syncookie=$(host_build tests/tcp/syncookie.host); then
	fail "tcp syncookie unit tests" "do not build: $(tail -5 "$(host_log tests/tcp/syncookie.host)")"
	finish
fi
# The send buffer against a model (tests/tcp/sndbuf.host).
if ! sndbuf=$(host_build tests/tcp/sndbuf.host); then
	fail "tcp sndbuf unit tests" "do not build: $(tail -5 "$(host_log tests/tcp/sndbuf.host)")"
	finish
fi
# The binaries print one PASS/FAIL line per test (each in its own
# process); details of failures go to stderr.
timeout 240 "$unit" 2>"$out/unit.stderr"
rc=$?
grep -E 'bytes each way' "$out/unit.stderr" | sed 's/^ */# /'
if [ $rc -ne 0 ]; then
	grep -E 'check failed|ERROR|panic' "$out/unit.stderr" | head -20
	fail "tcp unit tests" "exit status $rc"
fi
timeout 60 "$sndbuf" 2>"$out/sndbuf.stderr"
rc=$?
grep -E 'bytes copied' "$out/sndbuf.stderr" | sed 's/^ */# /'
if [ $rc -ne 0 ]; then
	grep -E 'check failed|ERROR|panic' "$out/sndbuf.stderr" | head -20
	fail "tcp sndbuf unit tests" "exit status $rc"
fi
timeout 60 "$syncookie" 2>"$out/syncookie.stderr"
rc=$?
if [ $rc -ne 0 ]; then
	grep -E 'check failed|ERROR|panic' "$out/syncookie.stderr" | head -20
	fail "tcp syncookie unit tests" "exit status $rc"
fi
finish
