#!/usr/bin/env bash
# Host unit tests of lib/net below TCP: the wire parsers, and the stack on
# a fake device (tests/net/fake.c), built with ASan and UBSan by kiln from
# tests/net/*.host.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/tests/net"
mkdir -p "$out"
for t in wire_test stack_test; do
	if ! bin=$(host_build "tests/net/$t.host"); then
		fail "$t" "does not build: $(tail -5 "$(host_log "tests/net/$t.host")")"
		continue
	fi
	if ! timeout 60 "$bin" 2>"$out/$t.stderr"; then
		fail "$t" "exited non-zero; stderr: $(tail -5 "$out/$t.stderr")"
	fi
done
finish
