#!/usr/bin/env bash
# apps/kv (lib/store over TCP) on unix with a block file: writes, a
# SIGKILL, a second boot that still has every answered write, and bad
# requests answered with ERR.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
tmp=$(scratch)
make -s bin/kiln >/dev/null 2>&1
if ! "$KILN" build -t unix --sanitize apps/kv >"$tmp/b.log" 2>&1; then
	fail "kv build" "$(tail -5 "$tmp/b.log")"
	finish
fi
img=apps/kv/_build/unix-san/kv
truncate -s 4M "$tmp/disk"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
boot() {
	"$img" --net "user,hostfwd=tcp:127.0.0.1:$port-:7070" --block "file=$tmp/disk" -- "$@" >"$tmp/kv.out" 2>&1 &
	pid=$!
	on_exit "kill -9 $pid"
	wait_for 20 grep -q '^kv: serving' "$tmp/kv.out"
}
ask() { # ask LINES...: the replies, one per line
	python3 - "$port" "$@" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rwb")
for l in sys.argv[2:]:
    f.write(l.encode() + b"\n")
f.flush()
for _ in sys.argv[2:]:
    print(f.readline().decode().rstrip("\n"))
PY
}
boot --format || { fail "kv boot" "$(cat "$tmp/kv.out")"; finish; }
lines=()
for i in $(seq 1 200); do lines+=("PUT key$i value number $i"); done
lines+=("DEL key7" "PUT key8 changed" "GET key8" "BOGUS" "GET")
ask "${lines[@]}" >"$tmp/r1"
[ "$(grep -c '^OK$' "$tmp/r1")" -eq 202 ] && grep -qx 'VALUE changed' "$tmp/r1" &&
	[ "$(grep -c '^ERR bad request$' "$tmp/r1")" -eq 2 ] &&
	pass "kv: 200 puts, a delete, an overwrite answered; bad requests ERR" ||
	fail "kv first boot" "$(sort "$tmp/r1" | uniq -c | tr '\n' '|')"
kill -9 $pid
wait $pid 2>/dev/null
boot || { fail "kv reboot" "$(cat "$tmp/kv.out")"; finish; }
r=$(ask "GET key1" "GET key7" "GET key8" "GET key200" "STATS" | tr '\n' '|')
case "$r" in
"VALUE value number 1|NOTFOUND|VALUE changed|VALUE value number 200|keys 199 "*)
	pass "kv: after SIGKILL and reboot every answered write is there ($(grep '^kv: store' "$tmp/kv.out"))" ;;
*) fail "kv after reboot" "$r" ;;
esac
finish
