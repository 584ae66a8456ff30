#!/usr/bin/env bash
# The xen target in a real Xen: Xen 4.17 with a Linux dom0 nested under
# QEMU TCG (platform/xen/launch; ~10-20 s a boot). Kiln guests: hello
# (output, boot arguments, exit statuses 0 and 3 through kiln run), fault
# reports (NULL, W^X, stack guard), a guest that never exits stopped by the
# bound, netfront (ping from dom0, TCP echo of 16 MiB and UDP echo through
# a forward), the decks through kiln run -t xen -p (every asset
# byte-exact), blkfront (write, flush, a new guest reads it back), and
# missing devices (one clear line, non-zero status).
# timeout: 1500
# lane: tcg
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "xen" "qemu-system-x86_64 not installed"
	exit 0
fi
if [ ! -e /usr/include/xen/xen.h ] || ! command -v xl >/dev/null; then
	skip "xen" "Xen's headers or tools are missing (libxen-dev, xen-utils-4.17: scripts/deps.sh installs them)"
	exit 0
fi

tmp=$(scratch)
LAUNCH=platform/xen/launch
BOUND=${KILN_XEN_BOUND:-240}

# build NAME APPDIR: kiln build -t xen, or FAIL.
build() {
	if "$KILN" build -t xen "$2" >"$tmp/build-$1.log" 2>&1; then
		return 0
	fi
	fail "build $1" "$(tail -n 5 "$tmp/build-$1.log" | tr '\n' '|')"
	return 1
}

# run NAME EXPECTED OUT CMD...: run CMD under the bound, its stdout (the
# guest's console) to OUT and its stderr to OUT.err; PASS/FAIL on its exit
# status (FAIL lines show the output's end).
run() {
	local name=$1 want=$2 out=$3
	shift 3
	timeout --kill-after=10 "$BOUND" "$@" >"$out" 2>"$out.err" </dev/null
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, expected $want; output: $(tail -n 8 "$out" "$out.err" | tr '\n' '|')"
		return 1
	fi
	pass "$name (status $rc)"
	return 0
}

# expect NAME FILE PATTERN: PASS if a line of FILE matches PATTERN.
expect() {
	if grep -qE -- "$3" "$2"; then
		pass "$1"
	else
		fail "$1" "no line matching '$3' in: $(tail -n 8 "$2" | tr '\n' '|')"
	fi
}

# no_qemu_left NAME PATTERN: no process of this run (its command line
# matches PATTERN, e.g. its port forward or its log file) outlives it.
no_qemu_left() {
	sleep 2
	if pgrep -f -- "$2" >/dev/null; then
		fail "$1: nothing left running" "$(pgrep -af -- "$2" | cut -c1-120 | head -3)"
		pkill -f -- "$2"
	else
		pass "$1: nothing left running"
	fi
}

# ---------------------------------------------------------------- hello
if build hello apps/hello; then
	if run "hello on xen" 0 "$tmp/hello" "$KILN" run -t xen apps/hello -- one two; then
		expect "hello: output" "$tmp/hello" '^Hello from Kiln!'
		expect "hello: target" "$tmp/hello" '^target: xen$'
		expect "hello: boot arguments" "$tmp/hello" '^arg: one$'
		expect "hello: timers" "$tmp/hello" '^slept 3: [0-9]+ ms'
		expect "hello: nested, said on stderr" "$tmp/hello.err" '^xen: no Xen host; running nested under QEMU TCG \(slow\)$'
	fi
	run "hello --fail: status 3 through kiln run" 3 "$tmp/fail" "$KILN" run -t xen apps/hello -- --fail
fi

# --------------------------------------------------------------- faults
if build faults tests/hvt/apps/faults; then
	img=tests/hvt/apps/faults/_build/xen/hvtfaults
	# Two kinds in the suite (a NULL read, W^X on the heap); the text
	# write and the stack guard too in make test-long (KILN_TEST_LONG=1):
	# every boot here costs ~25 s, and tests/virtio/test-virtio.sh has all
	# of them on the supervisor xen shares (platform/x86_64).
	kinds=("null-read:read of 0x0+ \(not mapped\) - NULL pointer"
		"exec-heap:\(instruction fetch\).*\(protection\)")
	[ "${KILN_TEST_LONG:-0}" = 1 ] && kinds+=("write-text:write to .*\(protection\)"
		"stack-overflow:a guard page: stack overflow")
	for f in "${kinds[@]}"; do
		kind=${f%%:*} pat=${f#*:}
		if run "fault $kind: non-zero status" 255 "$tmp/fault-$kind" "$LAUNCH" "$img" -- --fault="$kind"; then
			expect "fault $kind: reported" "$tmp/fault-$kind" "^kiln: fault: .*$pat"
			n=$(grep -c '^kiln: fault' "$tmp/fault-$kind")
			if [ "$n" -eq 1 ]; then pass "fault $kind: one line"; else fail "fault $kind: one line" "$n lines"; fi
		fi
	done
fi

# ----------------------------------------------------- echo, netfront
# A free port on 127.0.0.1 for TCP and UDP.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_echo PORT SECONDS: until the echo server on 127.0.0.1:PORT echoes
# (kiln-usernet listens on the forward at once; the guest answers later).
wait_echo() {
	local i
	for ((i = 0; i < $2; i += 3)); do
		python3 - "$1" <<'PY' 2>/dev/null && return 0
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.sendall(b"ping")
assert s.recv(4) == b"ping"
PY
		sleep 2
	done
	return 1
}

# wait_http URL SECONDS: until URL answers 200.
wait_http() {
	local i
	for ((i = 0; i < $2; i += 3)); do
		curl -sf -o /dev/null --max-time 3 "$1" && return 0
		sleep 1
	done
	return 1
}

if build echo apps/echo; then
	port=$(free_port) sport=$(free_port)
	# The echo server waits for clients forever: after the checks the
	# bound's signal ends it.
	timeout --kill-after=10 "$BOUND" "$LAUNCH" --xen-log "$tmp/echo.xenlog" \
		--net "user,hostfwd=tcp:127.0.0.1:$port-:7,hostfwd=udp:127.0.0.1:$port-:7,hostfwd=udp:127.0.0.1:$sport-:8" \
		apps/echo/_build/xen/echo >"$tmp/echo" 2>"$tmp/echo.err" </dev/null &
	echo_pid=$!
	on_exit "kill $echo_pid"
	if wait_echo "$port" 180; then
		timeout 180 python3 - "$port" <<'PY' 2>"$tmp/echo.client" || echo_client_failed=1
import hashlib, os, socket, sys, threading, time
port = int(sys.argv[1])
N = 16 << 20
data = os.urandom(N)
want = hashlib.sha256(data).hexdigest()
t = time.time()
s = socket.create_connection(("127.0.0.1", port), timeout=60)
def send():
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
th = threading.Thread(target=send)
th.start()
h, n = hashlib.sha256(), 0
try:
    while True:
        b = s.recv(1 << 16)
        if not b:
            break
        h.update(b)
        n += len(b)
except OSError as e:
    sys.exit("%s after %d of %d bytes back in %.1f s" % (e, n, N, time.time() - t))
th.join()
dt = time.time() - t
if n == N and h.hexdigest() == want:
    print("PASS: TCP echo of 16 MiB over netfront, sha256 equal (%.1f s, %.2f MB/s each way)" % (dt, N / dt / 1e6))
else:
    print("FAIL: TCP echo of 16 MiB over netfront: %d bytes back, sha256 %s" % (n, "equal" if h.hexdigest() == want else "differs"))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
ok = 0
for i in range(20):
    msg = b"datagram %d " % i + os.urandom(200)
    u.sendto(msg, ("127.0.0.1", port))
    try:
        got, _ = u.recvfrom(4096)
        ok += got == msg
    except socket.timeout:
        pass
print(("PASS" if ok >= 19 else "FAIL") + ": UDP echo over netfront (%d of 20 datagrams back)" % ok)
PY
		if [ -n "${echo_client_failed:-}" ]; then
			# The guest's counters, from its stats port, for the report.
			python3 - "$sport" >"$tmp/echo.stats" 2>&1 <<'PY'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
u.sendto(b"?", ("127.0.0.1", int(sys.argv[1])))
print(" ".join(l for l in u.recvfrom(65536)[0].decode().splitlines() if not l.endswith(" 0")))
PY
		fi
	else
		fail "echo over netfront" "no answer on 127.0.0.1:$port: $(tail -n 5 "$tmp/echo" "$tmp/echo.err" | tr '\n' '|')"
	fi
	expect "echo: netfront up" "$tmp/echo" '^kiln: xen: net0: netfront, mac '
	expect "echo: DHCP over netfront" "$tmp/echo" 'lease of 198\.18\.0\.[0-9]+'
	t0=$(date +%s)
	kill -TERM "$echo_pid"
	wait "$echo_pid"
	t1=$(date +%s)
	# A failed client is reported once the guest has stopped, with the
	# client's error and the guest's own counters.
	if [ -n "${echo_client_failed:-}" ]; then
		fail "echo over netfront" "the client failed: $(tail -n 3 "$tmp/echo.client" | tr '\n' '|') guest counters: $(cut -c1-2000 "$tmp/echo.stats")"
	fi
	if [ $((t1 - t0)) -le 15 ]; then
		pass "a guest that never exits is ended by the bound's signal ($((t1 - t0)) s)"
	else
		fail "a guest that never exits is ended by the bound's signal" "took $((t1 - t0)) s"
	fi
	no_qemu_left "never-ending guest" "$tmp/echo.xenlog|127.0.0.1:$port-:7"

	# Ping from dom0 (a Linux peer on the bridge), then the toolstack's
	# stop request: the guest ends cleanly with status 0.
	cat >"$tmp/ping.sh" <<'SH'
ip addr add 198.18.0.2/24 dev xenbr0
ip link set xenbr0 up
i=0
until ping -c 1 -W 1 198.18.0.15 >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 90 ] || { echo "no answer from 198.18.0.15"; xl shutdown "$DOMID"; exit 1; }
done
ping -c 50 -i 0.1 -s 1000 198.18.0.15
xl shutdown "$DOMID"
SH
	if run "ping from dom0, then xl shutdown: status 0" 0 "$tmp/ping" "$LAUNCH" --net user \
		--dom0-script "$tmp/ping.sh" --dom0-out "$tmp/ping.dom0" apps/echo/_build/xen/echo; then
		expect "ping from dom0: no loss" "$tmp/ping.dom0" '50 packets transmitted, 50 (packets )?received'
		expect "xl shutdown reaches the unikernel" "$tmp/ping" 'stop requested by the toolstack'
		expect "the exit hooks ran (counters printed)" "$tmp/ping" '^echo: tcp_conns '
	fi
fi

# ------------------------------------------------------ decks, netfront
if build decks apps/decks; then
	port=$(free_port)
	# Longer than the other guests' bound: boot, 19 assets and a browser
	# session, nested under TCG on a loaded host, took more than 240 s.
	timeout --kill-after=10 $((BOUND * 2)) "$KILN" run -t xen --url-wait 300 -p "$port:80" apps/decks \
		>"$tmp/decks" 2>"$tmp/decks.err" </dev/null &
	decks_pid=$!
	on_exit "kill $decks_pid"
	base=http://127.0.0.1:$port
	if wait_http "$base/" 180; then
		# kiln prints the URL once it answers: its poller may be a
		# moment behind this script's own.
		wait_for 10 grep -qx "serving on $base/" "$tmp/decks"
		expect "kiln run -t xen prints the URL" "$tmp/decks" "^serving on $base/\$"
		bad=0 n=0
		while IFS= read -r f; do
			rel=${f#apps/decks/site}
			case "$f" in apps/decks/vendor/*) rel=/reveal${f#apps/decks/vendor} ;; esac
			[ "${rel##*/}" = index.html ] && rel=${rel%index.html}
			if ! curl -sf --max-time 30 "$base$rel" | cmp -s - "$f"; then
				echo "differs: $rel"
				bad=$((bad + 1))
			fi
			n=$((n + 1))
		done < <(find apps/decks/site apps/decks/vendor -type f ! -name '.*' | sort)
		if [ "$bad" -eq 0 ] && [ "$n" -ge 10 ]; then
			pass "decks on xen: every asset byte-exact through kiln run -t xen -p ($n files)"
		else
			fail "decks on xen: every asset byte-exact" "$bad of $n differ"
		fi
		if curl -s --compressed --max-time 30 "$base/reveal/reveal.js" | cmp -s - apps/decks/vendor/reveal.js; then
			pass "decks on xen: the gzip variant of reveal.js decompresses to the file"
		else
			fail "decks on xen: gzip variant" "differs"
		fi
		# The browser driver (playwright-core, npm), as tests/decks installs it.
		if [ -x /usr/bin/chromium ] && command -v node >/dev/null &&
			{ [ ! -d tests/decks/node_modules/playwright-core ] ||
				[ tests/decks/package-lock.json -nt tests/decks/node_modules ]; }; then
			(cd tests/decks && npm ci --ignore-scripts --no-audit --no-fund \
				--loglevel=error >"$tmp/npm.log" 2>&1 && touch node_modules)
		fi
		if [ -x /usr/bin/chromium ] && [ -d tests/decks/node_modules/playwright-core ]; then
			if timeout 180 node tests/decks/browse.js "$base" "$tmp/xen-slide2.png" >"$tmp/browse" 2>&1; then
				sed 's/^\(PASS\|FAIL\): /\1: decks on xen, headless Chromium: /' "$tmp/browse" | grep -E '^(PASS|FAIL): '
				pass "decks on xen: headless Chromium follows the talk to slide 2"
			else
				fail "decks on xen: headless Chromium" "$(tail -n 5 "$tmp/browse" | tr '\n' '|')"
			fi
		else
			skip "decks on xen: headless Chromium" "chromium, node or playwright-core (npm ci in tests/decks) missing"
		fi
	else
		fail "decks on xen" "no answer on $base: $(tail -n 5 "$tmp/decks" "$tmp/decks.err" | tr '\n' '|')"
	fi
	kill -TERM "$decks_pid"
	wait "$decks_pid"
	no_qemu_left "decks" "127.0.0.1:$port-:80"
fi

# ------------------------------------------------------------- blkfront
if build blk tests/xen/apps/blk; then
	disk="$tmp/disk.img"
	truncate -s 8M "$disk"
	img=tests/xen/apps/blk/_build/xen/xenblk
	if run "blkfront: write and flush" 0 "$tmp/blk1" "$LAUNCH" --block "file=$disk" "$img" -- --write=4242; then
		expect "blkfront: geometry from xenstore" "$tmp/blk1" '^blk0: 8388608 bytes, 512-byte sectors$'
		expect "blkfront: written" "$tmp/blk1" '^written$'
		if python3 - "$disk" <<'PY'; then
import sys
d = open(sys.argv[1], "rb").read()
sys.exit(0 if any(d[4096:4096 + 65536]) else 1)
PY
			pass "blkfront: the data is in the host's file"
		else
			fail "blkfront: the data is in the host's file" "sectors 8.. are zero"
		fi
		run "blkfront: a new guest on the same disk reads it back" 0 "$tmp/blk2" "$LAUNCH" --block "file=$disk" "$img" -- --check=4242 &&
			expect "blkfront: read back equal" "$tmp/blk2" '^check ok$'
		run "blkfront: another seed differs" 1 "$tmp/blk3" "$LAUNCH" --block "file=$disk" "$img" -- --check=4243 &&
			expect "blkfront: a wrong pattern is seen" "$tmp/blk3" '^read back differs$'
	fi
	# No disk for an app that needs one: one clear line, non-zero.
	run "blkfront: no vbd" 1 "$tmp/noblk" "$LAUNCH" "$img" -- --check=1 &&
		expect "blkfront: no vbd, said" "$tmp/noblk" '^no blk0$'
fi

# No vif for an app that needs one: one clear line, non-zero.
if [ -x apps/echo/_build/xen/echo ]; then
	if run "netfront: no vif" 1 "$tmp/novif" "$LAUNCH" apps/echo/_build/xen/echo; then
		expect "netfront: no vif, said" "$tmp/novif" '^echo: network: '
	fi
fi

finish
