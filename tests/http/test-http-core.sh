#!/usr/bin/env bash
# The HTTP core without a network (ASan+UBSan): every status the server
# sends, keep-alive and pipelining, HEAD, ranges, conditional requests,
# gzip negotiation, dates, the client's response parser, and the asset
# table kiln-assets builds from tests/http/site; and route handlers on the
# same core (tests/http/unit_handlers.c: lib/http/exchange.c over an
# in-memory connection): routes and precedence, 405 and HEAD, bodies of
# every framing and their bounds, 100-continue, streamed responses, errors.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/tests-http"
mkdir -p "$out"
make -s bin/kiln-assets || { fail "kiln-assets" "does not build"; finish; }
SOURCE_DATE_EPOCH=1700000000 bin/kiln-assets --output "$out/site.c" \
	tests/http/site || { fail "kiln-assets" "failed on tests/http/site"; finish; }
# Built by kiln from tests/http/unit.host and unit_handlers.host.
if ! bin=$(host_build tests/http/unit.host); then
	fail "http-core" "does not build: $(tail -5 "$(host_log tests/http/unit.host)")"
	finish
fi
timeout 60 "$bin" || TEST_FAILS=$((TEST_FAILS + 1))
if ! bin=$(host_build tests/http/unit_handlers.host); then
	fail "http-handlers-core" "does not build: $(tail -5 "$(host_log tests/http/unit_handlers.host)")"
	finish
fi
timeout 60 "$bin" || TEST_FAILS=$((TEST_FAILS + 1))
finish
