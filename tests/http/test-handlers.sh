#!/usr/bin/env bash
# HTTP handlers over real TCP (apps/http-hello, user-mode networking on
# loopback through kiln run): on unix (under ASan+UBSan), and where
# /dev/kvm works on hvt and on virtio (QEMU with KVM). Routes and patterns,
# query parameters, 405 with Allow from the routes, HEAD, a handler error
# as 500, uploads of 8 MiB sized and chunked (with Expect: 100-continue)
# hashed by the handler, 413 past the bound, streamed responses sized and
# chunked, and keep-alive across handler and 404 responses.
# timeout: 500
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
head -c 8388608 /dev/urandom >"$T/up"
want=$(python3 -c "
d=open('$T/up','rb').read();h=1469598103934665603
for b in d: h=((h^b)*1099511628211)&0xffffffffffffffff
print(len(d),'%016x'%h)")
cat "$T/up" "$T/up" "$T/up" >"$T/big"
exp=$(python3 -c "import sys,hashlib; print(hashlib.md5(bytes(97+i%26 for i in range(3000000))).hexdigest())")

# checks NAME KILN-RUN-ARGS...: run the image, check it, stop it.
checks() {
	local name=$1
	shift
	local log="$T/run-$name.log"
	if ! "$KILN" build "$@" apps/http-hello >"$T/build-$name.log" 2>&1; then
		fail "build http-hello $name" "$(tail -5 "$T/build-$name.log")"
		return
	fi
	local port=$((20000 + RANDOM % 20000))
	"$KILN" run "$@" apps/http-hello -p "$port:80" -- --max-body=16777216 >"$log" 2>&1 &
	local pid=$!
	on_exit "kill $pid 2>/dev/null"
	u="http://127.0.0.1:$port"
	if ! wait_for 60 curl -sf -o /dev/null "$u/hello"; then
		fail "handlers $name: server up" "$(tail -5 "$log")"
		kill "$pid" 2>/dev/null
		return
	fi
	check "handlers $name: GET /hello" test "$(curl -s "$u/hello")" = hello
	check "handlers $name: /items/{id} and a query" test "$(curl -s "$u/items/a%20b?q=x+y%21")" = '{"id":"a b","q":"x y!"}'
	check "handlers $name: %2F inside {id} is part of it" test "$(curl -s "$u/items/a%2Fb")" = '{"id":"a/b","q":""}'
	check "handlers $name: ..%2F that leaves the route: 400" test "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$u/items/..%2Fhello")" = 400
	check "handlers $name: /json is 1024 bytes of JSON" python3 -c "import json,sys,urllib.request; b=urllib.request.urlopen('$u/json').read(); assert len(b)==1024 and len(json.loads(b)['items'])>10"
	check "handlers $name: no route, no asset: 404" test "$(curl -s -o /dev/null -w '%{http_code}' "$u/items/")" = 404
	allow=$(curl -s -D - -o /dev/null -X DELETE "$u/hello" | tr -d '\r' | grep -i '^allow:')
	check "handlers $name: 405 with Allow from the routes" test "$allow" = "Allow: GET, HEAD"
	check "handlers $name: HEAD of a GET route" test "$(curl -sI "$u/hello" | tr -d '\r' | grep -i '^content-length:')" = "Content-Length: 6"
	check "handlers $name: a handler error is a 500" test "$(curl -s -o /dev/null -w '%{http_code}' "$u/fail")" = 500
	grep -q "handler for /fail failed" "$log" && pass "handlers $name: the 500 is logged" || fail "handlers $name: the 500 is logged" "no log line"

	check "handlers $name: 8 MiB sized upload hashed" test "$(curl -s --data-binary @"$T/up" "$u/upload")" = "$want"
	check "handlers $name: 8 MiB chunked upload, 100-continue" test "$(curl -s -H 'Transfer-Encoding: chunked' -H 'Expect: 100-continue' --data-binary @"$T/up" "$u/upload")" = "$want"
	check "handlers $name: sized body past the bound: 413" test "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big" "$u/upload")" = 413
	check "handlers $name: chunked body past the bound: 413" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$u/upload")" = 413

	check "handlers $name: streamed, chunked" test "$(curl -s "$u/stream?n=3000000" | md5sum | cut -d' ' -f1)" = "$exp"
	check "handlers $name: streamed, sized" test "$(curl -s "$u/stream?n=3000000&sized=1" | md5sum | cut -d' ' -f1)" = "$exp"

	# Python's client: keep-alive over one connection, handlers and a 404
	# in turn, and a slow reader of a streamed body.
	if python3 - "$port" <<'PY'; then pass "handlers $name: python keep-alive and slow reader"; else fail "handlers $name: python keep-alive and slow reader" "see above"; fi
import http.client, sys, time, hashlib
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=20)
for path, st, body in [("/hello", 200, b"hello\n"), ("/nope", 404, None), ("/items/9", 200, b'{"id":"9","q":""}\n'), ("/hello", 200, b"hello\n")]:
    c.request("GET", path)
    r = c.getresponse(); b = r.read()
    assert r.status == st, (path, r.status)
    assert body is None or b == body, (path, b)
c.request("POST", "/upload", body=b"x" * 1000)
r = c.getresponse(); assert r.read().startswith(b"1000 "), "upload"
c.request("GET", "/stream?n=20000000")
r = c.getresponse(); h = hashlib.md5(); n = 0
while True:
    b = r.read(65536)
    if not b: break
    h.update(b); n += len(b)
    if n < 4000000: time.sleep(0.01)
assert n == 20000000, n
print("streamed", n)
PY
	if grep -q "AddressSanitizer\|runtime error\|panic" "$log"; then
		fail "handlers $name: clean console" "$(grep -m3 "AddressSanitizer\|runtime error\|panic" "$log")"
	else
		pass "handlers $name: clean console"
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

checks unix -t unix --sanitize
if ! have_kvm; then
	skip "handlers hvt" "$KVM_WHY"
	skip "handlers virtio" "$KVM_WHY"
	finish
fi
checks hvt -t hvt
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "handlers virtio" "qemu-system-x86_64 not installed"
else
	KILN_ACCEL=kvm checks virtio -t virtio
fi
finish
