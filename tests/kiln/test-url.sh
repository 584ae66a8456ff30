#!/usr/bin/env bash
# kiln run prints "serving on URL" only once the URL answers: with the
# real apps/http-hello on unix and hvt (user-mode networking on
# loopback), a request sent the moment the line appears is answered
# within 1 s, three runs each.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || { fail "kiln-url" "bin/kiln is missing (run make)"; finish; }
T=$(scratch)
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

check_target() {
	local t=$1
	"$KILN" build -t "$t" apps/http-hello >"$T/build-$t.log" 2>&1 ||
		{ fail "$t: build http-hello" "$(tail -5 "$T/build-$t.log")"; return; }
	local ok=0 why=
	for i in 1 2 3; do
		local port
		port=$(freeport)
		"$KILN" run -t "$t" apps/http-hello -p "$port:80/http" >"$T/run-$t-$i.log" 2>&1 &
		local pid=$!
		on_exit "kill $pid 2>/dev/null"
		if ! wait_for 60 grep -qx "serving on http://127.0.0.1:$port/" "$T/run-$t-$i.log"; then
			why="run $i: no URL line: $(tail -3 "$T/run-$t-$i.log")"
		else
			local r
			r=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 1 "http://127.0.0.1:$port/hello")
			if [ "${r% *}" = 200 ]; then
				ok=$((ok + 1))
				echo "$t run $i: 200 in ${r#* } s after the line"
			else
				why="run $i: curl right after the line: '$r'"
			fi
		fi
		kill $pid 2>/dev/null
		wait $pid 2>/dev/null
	done
	[ $ok -eq 3 ] && pass "$t: the URL answers within 1 s of being printed (3 of 3)" ||
		fail "$t: the URL answers within 1 s of being printed" "$ok of 3; $why"
}

check_target unix
if have_kvm; then
	check_target hvt
else
	skip "hvt: the URL answers when printed" "$KVM_WHY"
fi
finish
