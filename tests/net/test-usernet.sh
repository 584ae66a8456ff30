#!/usr/bin/env bash
# User-mode networking end to end: `kiln run -t TARGET apps/echo -p
# PORT:7 -p PORT:7/udp` takes its address from libslirp's DHCP server
# and answers TCP and UDP echo on 127.0.0.1:PORT; no root, no tap.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
here="$ROOT/tests/net"
tmp=$(scratch)
on_exit "rm -rf '$tmp'" # scratch's own cleanup is lost in $(...)
targets="unix unix-san"
if have_kvm; then targets="$targets hvt"; else skip "hvt user-mode" "$KVM_WHY"; fi
# A port free for both TCP and UDP on 127.0.0.1, from the kernel (a
# fixed range would meet other tests' ports and ephemeral ones).
free_port() {
	python3 - <<'PY'
import socket
while True:
    t = socket.socket()
    t.bind(("127.0.0.1", 0))
    p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break
PY
}

for target in $targets; do
	t=$target san=()
	[ "$target" = unix-san ] && { t=unix; san=(--sanitize); }
	port=$(free_port) udp=$(free_port)
	log="$tmp/$target.log"
	if ! timeout 300 "$KILN" build -t "$t" "${san[@]}" apps/echo >"$log.build" 2>&1; then
		fail "$target: build" "$(tail -5 "$log.build")"
		continue
	fi
	ASAN_OPTIONS=detect_leaks=0 "$KILN" run -t "$t" "${san[@]}" apps/echo \
		-p $port:7 -p $port:7/udp -p $udp:8/udp >"$log" 2>&1 &
	pid=$!
	on_exit "kill -9 $pid 2>/dev/null"
	if ! wait_for 30 grep -q "^echo: serving" "$log"; then
		fail "$target: user-mode echo starts" "$(tail -5 "$log")"
		kill -9 $pid
		continue
	fi
	addr=$(sed -n 's/^echo: serving tcp and udp on \([0-9.]*\) .*/\1/p' "$log")
	check "$target: DHCP from libslirp ($addr)" [ "$addr" = 198.18.0.15 ]
	r=$(timeout 60 "$here/tcp_echo_client.py" 127.0.0.1 $port 100000 3 2>&1 | tail -1)
	check "$target: TCP echo on 127.0.0.1:$port ($r)" [ "$r" = ok ]
	r=$(timeout 30 "$here/udp_echo_client.py" 127.0.0.1 $port 50 1,1000 2>&1 | tail -1)
	check "$target: UDP echo on 127.0.0.1:$port ($r)" [ "$r" = "ok 100" ]
	kill -TERM $pid 2>/dev/null
	wait $pid 2>/dev/null
done
finish
