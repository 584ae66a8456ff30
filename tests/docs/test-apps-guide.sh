#!/usr/bin/env bash
# docs/apps.md cannot rot: every code block marked "<!-- from FILE -->" is
# still a verbatim excerpt of FILE, every app the guide names exists, and
# each of its example apps builds (unix, ASan+UBSan) and answers as the
# guide says: hello prints and exits 0, echo echoes over TCP and UDP,
# http-hello and http-notes answer their handlers (the notes' budget
# gives 507), kv stores and reads back on a block device, decks serves a
# deck. (The http template of `kiln new` is tests/kiln/test-new.sh's.)
# timeout: 600
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
guide=docs/apps.md
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }

if python3 - "$guide" <<'PY'; then pass "guide: every marked excerpt is in its file"; else fail "guide: excerpts" "see above"; fi
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"<!-- from (\S+) -->\n```c\n(.*?)\n```", text, re.S)
marks = text.count("<!-- from ")
bad = 0
if len(blocks) != marks or not blocks:
    print("guide: %d markers, %d blocks after them" % (marks, len(blocks)))
    bad = 1
for path, code in blocks:
    try:
        src = open(path).read()
    except OSError as e:
        print("guide: %s: %s" % (path, e)); bad = 1; continue
    if code not in src:
        print("guide: an excerpt is no longer in %s:\n%s" % (path, code[:200])); bad = 1
print("guide: %d excerpts checked" % len(blocks))
sys.exit(bad)
PY

apps=$(grep -o '`apps/[a-z0-9_-]\+`' "$guide" | tr -d '`' | sort -u)
missing=""
for a in $apps; do [ -f "$a/kiln.app" ] || missing="$missing $a"; done
[ -z "$missing" ] && pass "guide: the $(echo $apps | wc -w) apps it names exist" || fail "guide: apps missing" "$missing"

# build APP: the unix ASan+UBSan image, or a FAIL.
build() {
	"$KILN" build -t unix --sanitize "apps/$1" >"$T/$1.build" 2>&1 && return 0
	fail "guide: build apps/$1" "$(tail -3 "$T/$1.build")"
	return 1
}
# serve APP ARGS...: run it in the background (pid in $spid, log in $T/APP.log).
serve() {
	local a=$1
	shift
	"$KILN" run -t unix --sanitize "apps/$a" "$@" >"$T/$a.log" 2>&1 &
	spid=$!
	on_exit "kill $spid 2>/dev/null"
}
clean() { # APP: no sanitizer report in its console
	! grep -q "AddressSanitizer\|runtime error\|panic" "$T/$1.log" ||
		fail "guide: apps/$1 console" "$(grep -m2 "AddressSanitizer\|runtime error\|panic" "$T/$1.log")"
}

if build hello; then
	out=$(timeout 60 "$KILN" run -t unix --sanitize apps/hello -- one two 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [[ "$out" == *"Hello from Kiln!"* ]] && [[ "$out" == *"arg: one"* ]] &&
		[[ "$out" == *"fiber B: 3"* ]] && [[ "$out" == *goodbye* ]] &&
		pass "guide: apps/hello runs its fibers and exits 0" ||
		fail "guide: apps/hello" "rc=$rc: $(echo "$out" | tail -3)"
fi

if build echo; then
	p=$((20000 + RANDOM % 20000))
	serve echo -p "$p:7/tcp" -p "$p:7/udp"
	# The forward accepts before the guest has its address: wait for the
	# guest's own line that it serves.
	if wait_for 30 grep -q "^echo: serving" "$T/echo.log" &&
		timeout 40 python3 - "$p" <<'PY'; then
import socket, sys, time
p = int(sys.argv[1])
c = socket.create_connection(("127.0.0.1", p), 20)
data = bytes(range(256)) * 400
c.sendall(data); got = b""
while len(got) < len(data):
    b = c.recv(65536)
    assert b, "closed"
    got += b
assert got == data, "tcp echo differs"
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(1)
for _ in range(10):
    u.sendto(b"kiln", ("127.0.0.1", p))
    try:
        assert u.recv(100) == b"kiln"; break
    except socket.timeout:
        continue
else:
    raise SystemExit("no udp echo")
PY
		pass "guide: apps/echo echoes 100 KiB over TCP and a datagram over UDP"
	else
		fail "guide: apps/echo" "$(tail -3 "$T/echo.log")"
	fi
	kill $spid 2>/dev/null
	clean echo
fi

if build http-hello; then
	p=$((20000 + RANDOM % 20000))
	serve http-hello -p "$p:80"
	u=http://127.0.0.1:$p
	if wait_for 30 curl -sf -o /dev/null "$u/hello"; then
		[ "$(curl -s "$u/hello")" = hello ] && [ "$(curl -s "$u/items/7?q=x")" = '{"id":"7","q":"x"}' ] &&
			[ "$(curl -s "$u/stream?n=100" | wc -c)" = 100 ] &&
			pass "guide: apps/http-hello answers /hello, /items/{id}, /stream" ||
			fail "guide: apps/http-hello answers" "wrong bodies"
	else
		fail "guide: apps/http-hello up" "$(tail -3 "$T/http-hello.log")"
	fi
	kill $spid 2>/dev/null
	clean http-hello
fi

if build http-notes; then
	p=$((20000 + RANDOM % 20000))
	serve http-notes -p "$p:80" -- --budget=100000 --note-max=65536
	u=http://127.0.0.1:$p
	if wait_for 30 curl -sf -o /dev/null "$u/notes"; then
		head -c 60000 /dev/urandom >"$T/note"
		a=$(curl -s -d 'a first note' "$u/notes")
		b=$(curl -s -H 'Transfer-Encoding: chunked' --data-binary @"$T/note" "$u/notes")
		full=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/note" "$u/notes")
		big=$(head -c 70000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' --data-binary @- "$u/notes")
		same=$(curl -s "$u/notes/2" | cmp -s - "$T/note" && echo same)
		del=$(curl -s -X DELETE "$u/notes/1")
		sum=$(curl -s "$u/notes")
		gone=$(curl -s -o /dev/null -w '%{http_code}' "$u/notes/1")
		metrics=$(curl -s "$u/metrics" | grep -c "^kiln_")
		if [ "$a" = '{"id":1,"bytes":12}' ] && [ "$b" = '{"id":2,"bytes":60000}' ] && [ "$full" = 507 ] &&
			[ "$big" = 413 ] && [ "$same" = same ] && [ "$del" = '{"deleted":1}' ] &&
			[ "$sum" = '{"notes":1,"bytes":60000,"budget":100000}' ] && [ "$gone" = 404 ] && [ "${metrics:-0}" -gt 5 ]; then
			pass "guide: apps/http-notes stores, returns and deletes notes within its budget (507, 413), and /metrics"
		else
			fail "guide: apps/http-notes" "a=$a b=$b full=$full big=$big same=$same del=$del sum=$sum gone=$gone metrics=$metrics lines"
		fi
	else
		fail "guide: apps/http-notes up" "$(tail -3 "$T/http-notes.log")"
	fi
	kill $spid 2>/dev/null
	clean http-notes
fi

if build kv; then
	p=$((20000 + RANDOM % 20000))
	truncate -s 4M "$T/disk"
	serve kv -p "$p:7070/tcp" --block "$T/disk" -- --format
	if wait_for 30 grep -q "kv: serving" "$T/kv.log" && timeout 20 python3 - "$p" <<'PY'; then
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
f = c.makefile("rwb")
for line, want in [(b"PUT guide works", b"OK"), (b"GET guide", b"VALUE works"), (b"GET nope", b"NOTFOUND")]:
    f.write(line + b"\n"); f.flush()
    got = f.readline().strip()
    assert got == want, (line, got)
PY
		pass "guide: apps/kv stores and reads back on a block device"
	else
		fail "guide: apps/kv" "$(tail -3 "$T/kv.log")"
	fi
	kill $spid 2>/dev/null
	clean kv
fi

if [ ! -d apps/decks/node_modules/reveal.js ] && ! build decks 2>/dev/null; then
	skip "guide: apps/decks" "its npm packages are not installed"
elif build decks; then
	p=$((20000 + RANDOM % 20000))
	serve decks -p "$p:80"
	u=http://127.0.0.1:$p
	if wait_for 30 curl -sf -o /dev/null "$u/kiln/" &&
		[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$u/follow/kiln/slide?h=1&v=0&f=-1")" = 403 ]; then
		pass "guide: apps/decks serves a deck and its follow route"
	else
		fail "guide: apps/decks" "$(tail -3 "$T/decks.log")"
	fi
	kill $spid 2>/dev/null
	clean decks
fi
finish
