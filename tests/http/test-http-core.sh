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
if ! cc -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -Iinclude \
	-o "$out/unit" tests/http/unit.c lib/http/head.c lib/http/request.c lib/http/path.c \
	lib/http/response.c lib/http/session.c lib/http/route.c lib/http/chunked.c lib/http/date.c \
	lib/http/response_parser.c lib/assets/assets.c "$out/site.c" -lz \
	2>"$out/build.log"; then
	fail "http-core" "does not build: $(head -5 "$out/build.log")"
	finish
fi
timeout 60 "$out/unit" || TEST_FAILS=$((TEST_FAILS + 1))
if ! cc -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -Iinclude \
	-o "$out/unit_handlers" tests/http/unit_handlers.c lib/http/head.c lib/http/request.c \
	lib/http/path.c lib/http/response.c lib/http/session.c lib/http/route.c lib/http/chunked.c \
	lib/http/date.c lib/http/response_parser.c lib/http/exchange.c lib/assets/assets.c \
	2>"$out/build-handlers.log"; then
	fail "http-handlers-core" "does not build: $(head -5 "$out/build-handlers.log")"
	finish
fi
timeout 60 "$out/unit_handlers" || TEST_FAILS=$((TEST_FAILS + 1))
finish
