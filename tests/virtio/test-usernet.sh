#!/usr/bin/env bash
# bin/kiln-usernet, user-mode networking for a QEMU network device over
# "-netdev stream": its framing (unit tests under ASan/UBSan and a short
# libFuzzer run), its mistakes (one line, exit 2, the command never run),
# a frame exchange with a stand-in for QEMU, and its end: it exits when
# the other side closes the socket or dies, even when a stray process
# keeps the socket open, and never outlives the guest's process.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/tests/virtio"
mkdir -p "$out"
tmp=$(scratch)
UN="$ROOT/bin/kiln-usernet"

# ------------------------------------------------------------ framing
# Built by kiln from tests/virtio/stream_test.host.
if bin=$(host_build tests/virtio/stream_test.host); then
	timeout 30 "$bin" || fail "stream unit tests" "exit status $?"
else
	fail "stream unit tests build" "$(tail -20 "$(host_log tests/virtio/stream_test.host)")"
fi
# (The stream reader's libFuzzer harness is fuzz/usernet_stream.c, run
# with the others by tests/fuzz.)

[ -x "$UN" ] || make -s bin/kiln-usernet >/dev/null 2>&1
if [ ! -x "$UN" ]; then
	fail "kiln-usernet" "bin/kiln-usernet does not build"
	finish
fi

# ------------------------------------------------------------ mistakes
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# mistake NAME EXPECTED-TEXT ARGS...: exit 2, one line naming the
# problem, and a COMMAND (if any) never ran.
mistake() {
	local name=$1 want=$2
	shift 2
	rm -f "$tmp/ran"
	timeout 10 "$UN" "$@" >"$tmp/m.out" 2>"$tmp/m.err"
	local rc=$?
	if [ $rc -ne 2 ]; then
		fail "mistake: $name" "exit status $rc, expected 2: $(tr '\n' '|' <"$tmp/m.err")"
	elif [ "$(wc -l <"$tmp/m.err")" -ne 1 ] || ! grep -q "^kiln-usernet: .*$want" "$tmp/m.err"; then
		fail "mistake: $name" "expected one line with '$want', got: $(tr '\n' '|' <"$tmp/m.err")"
	elif [ -e "$tmp/ran" ]; then
		fail "mistake: $name" "the command ran"
	else
		pass "mistake: $name ($(cat "$tmp/m.err"))"
	fi
}
mark=(touch "$tmp/ran")
mistake "no socket" "either --fd N or --peer-fd N"
mistake "both" "either --fd N or --peer-fd N" --fd 3 --peer-fd 4 -- "${mark[@]}"
mistake "bad fd number" "expected a descriptor number" --fd x
mistake "fd below 3" "expected a descriptor number" --peer-fd 1 -- "${mark[@]}"
mistake "missing fd" "expected a descriptor number" --fd
mistake "unknown option" "unknown option --mem" --mem 64M --fd 3
mistake "tap" "only user" --net tap,ifname=tap0 --peer-fd 10 -- "${mark[@]}"
mistake "two devices" "one --net per kiln-usernet" --net user --net user --peer-fd 10 -- "${mark[@]}"
mistake "forward off loopback" "127.0.0.1" --net user,hostfwd=tcp:0.0.0.0:8080-:80 --peer-fd 10 -- "${mark[@]}"
mistake "bad forward" "hostfwd" --net user,hostfwd=sctp:127.0.0.1:1-:2 --peer-fd 10 -- "${mark[@]}"
mistake "peer mode without a command" "needs a COMMAND" --peer-fd 10
mistake "empty command" "no COMMAND" --peer-fd 10 --
mistake "fd mode with a command" "no COMMAND" --fd 3 -- "${mark[@]}"
mistake "fd not open" "--fd 57" --fd 57
mistake "fd not a socket" "not a socket" --fd 9 9<"$0"
python3 - "$UN" <<'PY' >"$tmp/dgram.out" 2>&1
import os, socket, subprocess, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
r = subprocess.run([sys.argv[1], "--fd", str(b.fileno())], pass_fds=[b.fileno()],
                   stderr=subprocess.PIPE, timeout=10)
print(r.returncode, r.stderr.decode().strip())
PY
check "mistake: a datagram socket ($(cat "$tmp/dgram.out"))" grep -q "^2 kiln-usernet: --fd .*: not a stream socket$" "$tmp/dgram.out"
# A forward's port in use: said before the command (the guest) starts.
port=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); print("up",flush=True); time.sleep(30)' "$port" >"$tmp/busy" &
busy=$!
on_exit "kill $busy"
wait_for 10 grep -q up "$tmp/busy"
mistake "forward's port in use" "cannot listen on the host port" --net "user,hostfwd=tcp:127.0.0.1:$port-:80" --peer-fd 10 -- "${mark[@]}"
# The same through the virtio launcher: one line from kiln-usernet, exit
# 125, and QEMU never started (the "image" here is this script: QEMU would
# refuse it).
timeout 30 platform/virtio/launch --net "user,hostfwd=tcp:127.0.0.1:$port-:80" "$0" >"$tmp/l.out" 2>&1
rc=$?
if [ $rc -eq 125 ] && grep -q "^kiln-usernet: usernet: hostfwd tcp:127.0.0.1:$port-:80: cannot listen" "$tmp/l.out" &&
	! grep -q "qemu-system" "$tmp/l.out"; then
	pass "launch: a forward's port in use stops the run before QEMU (125)"
else
	fail "launch: a forward's port in use" "status $rc: $(tr '\n' '|' <"$tmp/l.out")"
fi
kill $busy
KILN_USERNET=/nonexistent/kiln-usernet timeout 10 platform/virtio/launch --net user "$0" >"$tmp/l.out" 2>&1
rc=$?
if [ $rc -eq 125 ] && grep -q "^launch: /nonexistent/kiln-usernet not built" "$tmp/l.out"; then
	pass "launch: kiln-usernet missing: 125 and says so"
else
	fail "launch: kiln-usernet missing" "status $rc: $(tr '\n' '|' <"$tmp/l.out")"
fi
d=$(platform/virtio/launch --dry-run --net user,hostfwd=tcp:127.0.0.1:8080-:80 --net user "$0")
if [[ "$d" == *"kiln-usernet --net user\,hostfwd=tcp:127.0.0.1:8080-:80 --peer-fd 10 -- "*"kiln-usernet --net user --peer-fd 11 -- qemu-system"* ]] &&
	[[ "$d" == *"-netdev stream\,id=net0\,addr.type=fd\,addr.str=10 "*"-netdev stream\,id=net1\,addr.type=fd\,addr.str=11 "* ]] &&
	[[ "$d" != *"-netdev user"* ]]; then
	pass "launch: two --net user devices chain two kiln-usernet (fds 10, 11), no QEMU slirp"
else
	fail "launch: two --net user devices" "$d"
fi
mistake "command not found" "no-such-command-kiln: No such file" --peer-fd 10 -- no-such-command-kiln

# ---------------------------------------------- frames with a stand-in
# The stand-in plays QEMU: it asks the gateway's MAC (ARP) and pings it,
# then sends a frame with a corrupt length field or simply closes.
cat >"$tmp/standin.py" <<'PY'
import os, select, socket, struct, sys, time
how, fd = sys.argv[1], int(sys.argv[2])
s = socket.socket(fileno=fd)
mac = bytes.fromhex("525400123456")
me, gw = bytes([198, 18, 0, 15]), bytes([198, 18, 0, 1])
def send(frame):
    s.sendall(struct.pack(">I", len(frame)) + frame)
def frames(deadline):
    buf = b""
    while time.time() < deadline:
        r, _, _ = select.select([s], [], [], 0.2)
        if not r:
            continue
        d = s.recv(65536)
        if not d:
            return
        buf += d
        while len(buf) >= 4 and len(buf) >= 4 + struct.unpack(">I", buf[:4])[0]:
            n = struct.unpack(">I", buf[:4])[0]
            yield buf[4:4 + n]
            buf = buf[4 + n:]
def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
arp = b"\xff" * 6 + mac + b"\x08\x06" + struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) + mac + me + b"\0" * 6 + gw
send(arp)
gwmac = None
for f in frames(time.time() + 5):
    if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02" and f[28:32] == gw:
        gwmac = f[22:28]
        break
print("arp", gwmac.hex() if gwmac else "none", flush=True)
icmp = struct.pack(">BBHHH", 8, 0, 0, 7, 1) + b"kiln"
icmp = icmp[:2] + struct.pack(">H", csum(icmp)) + icmp[4:]
ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0, me, gw)
ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
send((gwmac or b"\xff" * 6) + mac + b"\x08\x00" + ip + icmp)
got = "none"
for f in frames(time.time() + 5):
    if f[12:14] == b"\x08\x00" and f[23] == 1 and f[34] == 0:
        got = "reply"
        break
print("ping", got, flush=True)
# A frame too big to pass on (skipped), then the end.
send(b"\0" * 3000)
if how == "corrupt":
    s.sendall(b"\xff\xff\xff\xff")
    time.sleep(3)
s.close()
print("closed", flush=True)
if how == "linger":
    time.sleep(30)
PY

# Standalone (--fd): a socketpair made by the stand-in's launcher.
cat >"$tmp/pair.py" <<'PY'
import socket, subprocess, sys, time
un, standin, how = sys.argv[1:4]
a, b = socket.socketpair()
p = subprocess.Popen([un, "--fd", str(b.fileno())], pass_fds=[b.fileno()])
b.close()
if how == "term":
    time.sleep(0.5)
    p.send_signal(15)
    t = time.time()
    rc = p.wait(timeout=10)
    print("usernet", rc, "%.2fs" % (time.time() - t), flush=True)
    sys.exit(0)
q = subprocess.Popen([sys.executable, standin, how, str(a.fileno())], pass_fds=[a.fileno()])
a.close()
q.wait(timeout=30)
t = time.time()
try:
    rc = p.wait(timeout=10)
except subprocess.TimeoutExpired:
    p.kill()
    rc = "still running"
print("usernet", rc, "%.2fs" % (time.time() - t), flush=True)
PY
timeout 60 python3 "$tmp/pair.py" "$UN" "$tmp/standin.py" close >"$tmp/fd.out" 2>&1
check "--fd: the gateway answers ARP ($(grep ^arp "$tmp/fd.out"))" grep -q "^arp 5255" "$tmp/fd.out"
check "--fd: and a ping" grep -q "^ping reply" "$tmp/fd.out"
check "--fd: the oversized frame is counted" grep -q "skipped 1 oversized" "$tmp/fd.out"
check "--fd: exits 0 when the other side closes ($(grep ^usernet "$tmp/fd.out"))" grep -q "^usernet 0 " "$tmp/fd.out"
timeout 60 python3 "$tmp/pair.py" "$UN" "$tmp/standin.py" corrupt >"$tmp/corrupt.out" 2>&1
check "--fd: a corrupt length ends it with exit 2 ($(grep -m1 'kiln-usernet:' "$tmp/corrupt.out"))" \
	grep -q "^usernet 2 " "$tmp/corrupt.out"
check "--fd: ... saying so" grep -q "^kiln-usernet: the guest's socket does not carry length-prefixed frames" "$tmp/corrupt.out"

timeout 60 python3 "$tmp/pair.py" "$UN" "$tmp/standin.py" term >"$tmp/term.out" 2>&1
check "--fd: SIGTERM ends it, exit 0 ($(grep ^usernet "$tmp/term.out"))" grep -q "^usernet 0 " "$tmp/term.out"

# Peer mode: kiln-usernet becomes the stand-in (same pid), its server is
# the stand-in's child, confined by seccomp.
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
gone() { ! alive "$1"; }
"$UN" --peer-fd 10 -- python3 "$tmp/standin.py" linger 10 >"$tmp/peer.out" 2>&1 &
peer=$!
on_exit "kill $peer"
wait_for 5 pgrep -P $peer -x kiln-usernet
child=$(pgrep -P $peer -x kiln-usernet)
check "--peer-fd: the server is the guest's process's child (${child:-none})" test -n "$child"
check "--peer-fd: the server is confined by seccomp" grep -q '^Seccomp:[[:space:]]*2' "/proc/${child:-0}/status"
wait_for 10 grep -q "^closed" "$tmp/peer.out"
check "--peer-fd: the gateway answers ARP and a ping" grep -qz "arp 5255.*ping reply" "$tmp/peer.out"
if [ -n "$child" ] && wait_for 5 gone "$child"; then
	pass "--peer-fd: the server ends when its socket closes, the guest's process running on"
else
	fail "--peer-fd: the server ends when its socket closes" "pid ${child:-none} still there"
fi
kill $peer 2>/dev/null
wait $peer 2>/dev/null

# The guest's process killed while a stray process still holds its end of
# the socket: the server ends all the same (parent death signal).
"$UN" --peer-fd 10 -- bash -c 'sleep 40 & echo stray $!; exec sleep 40' >"$tmp/kill.out" 2>&1 &
peer=$!
on_exit "kill $peer"
wait_for 10 grep -q "^stray" "$tmp/kill.out"
stray=$(sed -n 's/^stray //p' "$tmp/kill.out")
on_exit "kill $stray"
wait_for 5 pgrep -P $peer -x kiln-usernet
child=$(pgrep -P $peer -x kiln-usernet)
check "--peer-fd: the stray process holds the guest's end" test -e "/proc/${stray:-0}/fd/10"
kill -9 $peer
if [ -n "$child" ] && wait_for 5 gone "$child"; then
	pass "--peer-fd: the server ends when the guest's process is killed (socket still open elsewhere)"
else
	fail "--peer-fd: the server outlived the guest's process" "pid ${child:-none}"
fi
kill "${stray:-0}" 2>/dev/null
wait $peer 2>/dev/null
finish
