#!/usr/bin/env bash
# lib/http's client (http_get) in a unikernel against a scripted server
# on the host side of a tap in a namespace: Content-Length, chunked and
# close-delimited bodies, an error status, malformed and truncated
# responses, and a body larger than the buffer.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
have_netns || { skip "http client" "$NETNS_WHY"; exit 0; }
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
"$KILN" build -t unix --sanitize tests/http/getapp >"$T/build.log" 2>&1 ||
	{ fail "build httpget" "$(tail -5 "$T/build.log")"; finish; }
ns="kiln-httpc-$$"
make_netns "$ns"
ip netns exec "$ns" ip tuntap add dev tap0 mode tap
ip -n "$ns" addr add 198.18.0.1/24 dev tap0
ip -n "$ns" link set tap0 up

# The server runs until its stdin closes.
mkfifo "$T/in"
ip netns exec "$ns" python3 tests/http/client_server.py 198.18.0.1 8080 <"$T/in" >"$T/want" &
exec 3>"$T/in"
on_exit "exec 3>&-"
wait_for 10 test -s "$T/want" || { fail "test server" "did not start"; finish; }
sleep 0.3

urls=()
for p in /cl /chunked /close /missing /bad /truncated; do
	urls+=("http://198.18.0.1:8080$p")
done
ip netns exec "$ns" timeout 60 tests/http/getapp/_build/unix-san/httpget \
	--net tap,ifname=tap0 -- --ipv4=198.18.0.2/24 "${urls[@]}" >"$T/got" 2>&1
while read -r path want; do
	got=$(sed -n "s|^get http://198.18.0.1:8080$path: ||p" "$T/got")
	[ "$got" = "$want" ] && pass "client: $path: $want" || fail "client: $path" "want '$want', got '$got'"
done <"$T/want"

ip netns exec "$ns" timeout 60 tests/http/getapp/_build/unix-san/httpget \
	--net tap,ifname=tap0 -- --ipv4=198.18.0.2/24 --body-cap=1000 \
	http://198.18.0.1:8080/chunked http://198.18.0.1:9/x ftp://x/ >"$T/got2" 2>&1
grep -q "^get http://198.18.0.1:8080/chunked: error message too long" "$T/got2" ||
	grep -q "^get http://198.18.0.1:8080/chunked: error .*size" "$T/got2" &&
	pass "client: a body over the buffer is an error" ||
	fail "client: a body over the buffer" "$(cat "$T/got2")"
grep -q "^get http://198.18.0.1:9/x: error " "$T/got2" && pass "client: refused connection is an error" ||
	fail "client: refused connection" "$(cat "$T/got2")"
grep -q "^get ftp://x/: error invalid argument" "$T/got2" && pass "client: bad URL is an error" ||
	fail "client: bad URL" "$(cat "$T/got2")"
grep -q "AddressSanitizer\|runtime error" "$T/got" "$T/got2" &&
	fail "client: sanitizers" "$(grep -h -m3 "AddressSanitizer\|runtime error" "$T/got" "$T/got2")" ||
	pass "client: no sanitizer report"
finish
