#!/usr/bin/env bash
# HTTP handlers over real TCP (apps/http-hello, unix image under
# ASan+UBSan, user-mode networking on loopback): routes and patterns,
# query parameters, 405 with Allow from the routes, HEAD, a handler error
# as 500, uploads of 8 MiB sized and chunked (with Expect: 100-continue)
# hashed by the handler, 413 past the bound, streamed responses sized and
# chunked, and keep-alive across handler and 404 responses.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
"$KILN" build -t unix --sanitize apps/http-hello >"$T/build.log" 2>&1 ||
	{ fail "build http-hello" "$(tail -5 "$T/build.log")"; finish; }
port=$((20000 + RANDOM % 20000))
"$KILN" run -t unix --sanitize apps/http-hello -p "$port:80" -- --max-body=16777216 >"$T/run.log" 2>&1 &
pid=$!
on_exit "kill $pid 2>/dev/null"
u="http://127.0.0.1:$port"
wait_for 30 curl -sf -o /dev/null "$u/hello" || { fail "handlers: server up" "$(tail -5 "$T/run.log")"; finish; }

check "handlers: GET /hello" test "$(curl -s "$u/hello")" = hello
check "handlers: /items/{id} and a query" test "$(curl -s "$u/items/a%20b?q=x+y%21")" = '{"id":"a b","q":"x y!"}'
check "handlers: no route, no asset: 404" test "$(curl -s -o /dev/null -w '%{http_code}' "$u/items/")" = 404
allow=$(curl -s -D - -o /dev/null -X DELETE "$u/hello" | tr -d '\r' | grep -i '^allow:')
check "handlers: 405 with Allow from the routes" test "$allow" = "Allow: GET, HEAD"
check "handlers: HEAD of a GET route" test "$(curl -sI "$u/hello" | tr -d '\r' | grep -i '^content-length:')" = "Content-Length: 6"
check "handlers: a handler error is a 500" test "$(curl -s -o /dev/null -w '%{http_code}' "$u/fail")" = 500
grep -q "handler for /fail failed" "$T/run.log" && pass "handlers: the 500 is logged" || fail "handlers: the 500 is logged" "no log line"

head -c 8388608 /dev/urandom >"$T/up"
want=$(python3 -c "
d=open('$T/up','rb').read();h=1469598103934665603
for b in d: h=((h^b)*1099511628211)&0xffffffffffffffff
print(len(d),'%016x'%h)")
check "handlers: 8 MiB sized upload hashed" test "$(curl -s --data-binary @"$T/up" "$u/upload")" = "$want"
check "handlers: 8 MiB chunked upload, 100-continue" test "$(curl -s -H 'Transfer-Encoding: chunked' -H 'Expect: 100-continue' --data-binary @"$T/up" "$u/upload")" = "$want"
cat "$T/up" "$T/up" "$T/up" >"$T/big"
check "handlers: sized body past the bound: 413" test "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big" "$u/upload")" = 413
check "handlers: chunked body past the bound: 413" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$u/upload")" = 413

exp=$(python3 -c "import sys,hashlib; print(hashlib.md5(bytes(97+i%26 for i in range(3000000))).hexdigest())")
check "handlers: streamed, chunked" test "$(curl -s "$u/stream?n=3000000" | md5sum | cut -d' ' -f1)" = "$exp"
check "handlers: streamed, sized" test "$(curl -s "$u/stream?n=3000000&sized=1" | md5sum | cut -d' ' -f1)" = "$exp"

# Python's client: keep-alive over one connection, handlers and a 404
# in turn, and a slow reader of a streamed body.
if python3 - "$port" <<'PY'; then pass "handlers: python keep-alive and slow reader"; else fail "handlers: python keep-alive and slow reader" "see above"; fi
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
if grep -q "AddressSanitizer\|runtime error\|panic" "$T/run.log"; then
	fail "handlers: clean console" "$(grep -m3 "AddressSanitizer\|runtime error\|panic" "$T/run.log")"
else
	pass "handlers: clean console"
fi
finish
