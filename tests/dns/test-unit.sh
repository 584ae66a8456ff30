#!/usr/bin/env bash
# lib/dns on the host with ASan and UBSan (tests/dns/unit.c): names and
# compression, zone errors as FILE:LINE, the answer rules, hostile
# messages and 10,000 random datagrams; and kiln-zone failing a build.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/tests/dns"
mkdir -p "$out"
# Built by kiln from tests/dns/unit.host (lib/dns's own sources).
if ! bin=$(host_build tests/dns/unit.host); then
	fail "dns unit" "does not build: $(tail -5 "$(host_log tests/dns/unit.host)")"
	finish
fi
if timeout 60 "$bin" >"$out/unit.out" 2>&1; then
	pass "dns unit: $(grep '^random' "$out/unit.out")"
	grep '^cache' "$out/unit.out" | while read -r line; do
		pass "dns unit: $line"
	done
else
	fail "dns unit" "$(grep -v '^PASS' "$out/unit.out" | head -10 | tr '\n' '|')"
fi

# A zone mistake stops the build at kiln-zone with FILE:LINE.
make -s bin/kiln bin/kiln-zone >/dev/null 2>&1
tmp=$(scratch)
mkdir -p "$tmp/app/zones"
cp apps/dns/kiln.app apps/dns/main.c "$tmp/app/"
printf '$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 300.1.1.1\n' >"$tmp/app/zones/bad.test.zone"
if KILN_ROOT="$ROOT" "$KILN" build -t unix "$tmp/app" >"$tmp/build.log" 2>&1; then
	fail "zone error at build" "the build succeeded"
elif grep -q "^zones/bad.test.zone:4: bad IPv4 address '300.1.1.1'" "$tmp/build.log"; then
	pass "a zone mistake fails the build as zones/bad.test.zone:4: bad IPv4 address"
else
	fail "zone error at build" "$(tail -3 "$tmp/build.log" | tr '\n' '|')"
fi
finish
