#!/usr/bin/env bash
# vchan between unix processes (docs/vchan.md): the echo pair streaming
# 64 MiB each way with SHA-256 on both sides, under ASan and UBSan and
# without; a client leaving or killed mid-stream; the server killed;
# hostile clients (garbage indices, live bytes, junk) beside a good
# client on another link; hostile servers; TCP on the same loop; mistakes
# in --vchan.
# timeout: 400
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
source "$ROOT/tests/vchan/common.sh"

# The control page's offsets are Xen's (<xen/io/libxenvchan.h>).
if [ -e /usr/include/xen/io/libxenvchan.h ]; then
	if lc=$(host_build tests/vchan/layout_check.host) && "$lc"; then
		pass "the control page's layout is libxenvchan's"
	else
		fail "the control page's layout is libxenvchan's" "$(tail -5 "$(host_log tests/vchan/layout_check.host)")"
	fi
else
	skip "the control page's layout" "no <xen/io/libxenvchan.h> (libxen-dev)"
fi

set_target unix-san
build_all || finish
scenario_stream
scenario_peer_ends
scenario_server_dies
scenario_hostile_clients
scenario_hostile_servers

set_target unix
build_all || finish
scenario_stream

# TCP beside vchan on one loop: while a client streams over vchan, TCP
# echo through a user-mode port forward answers too.
set_target unix-san
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
s="$tmp/tcp.sock"
guest "$ECHO_IMG" "$tmp/tcp-s.log" --vchan "peer=cli,path=$s" \
	--net "user,hostfwd=tcp:127.0.0.1:$port-:7" -- --peers=cli --tcp-port=7
spid=$GUEST_PID
if wait_for 30 grep -q "echoing tcp on port 7" "$tmp/tcp-s.log"; then
	guest "$CLIENT_IMG" "$tmp/tcp-c.log" --vchan "peer=srv,path=$s" -- \
		--peer=srv --bytes=$((48 << 20))
	cpid=$GUEST_PID
	r=$(timeout 60 "$ROOT/tests/net/tcp_echo_client.py" 127.0.0.1 $port 2000000 3 2>&1 | tail -1)
	running=no
	kill -0 $cpid 2>/dev/null && running=yes
	wait_exit $cpid 120
	if [ "$r" = ok ] && [ $RC -eq 0 ] && grep -q "echo matches" "$tmp/tcp-c.log"; then
		pass "unix-san: TCP echo (3 x 2 MB) and a 48 MiB vchan stream on one loop (vchan still streaming after TCP: $running)"
	else
		fail "unix-san: TCP beside vchan" "tcp: $r; vchan $RC: $(tail -2 "$tmp/tcp-c.log")"
	fi
else
	fail "unix-san: echo with TCP starts" "$(tail -3 "$tmp/tcp-s.log")"
fi
kill -9 $spid 2>/dev/null

# Mistakes: one line, status 2 (options) or 1 (the rendezvous).
out=$("$ECHO_IMG" --vchan peer=a -- --peers=a 2>&1)
check "unix: --vchan without a path: one line, status 2 ($out)" \
	test $? -eq 2 -a "$(echo "$out" | wc -l)" -eq 1
out=$("$ECHO_IMG" --vchan "peer=a,path=$tmp/w.sock,window=3M" -- --peers=a 2>&1)
check "unix: a window that is no multiple of 2M: status 2 ($out)" test $? -eq 2
"$ECHO_IMG" --vchan "peer=a,path=$tmp/w.sock,window=8M" -- --peers=a >"$tmp/w.log" 2>&1 &
wpid=$!
on_exit "kill -9 $wpid 2>/dev/null"
wait_for 10 test -S "$tmp/w.sock"
out=$("$CLIENT_IMG" --vchan "peer=a,path=$tmp/w.sock,window=16M" -- --peer=a 2>&1)
rc=$?
check "unix: windows of different sizes: one line, status 1 ($out)" \
	test $rc -eq 1 -a "$(echo "$out" | wc -l)" -eq 1
kill -9 $wpid
out=$("$CLIENT_IMG" --vchan "peer=a,path=$tmp/none.sock" -- --peer=b --wait-ms=100 2>&1)
check "unix: a peer with no link: status 1 ($out)" test $? -eq 1
finish
