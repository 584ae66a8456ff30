#!/usr/bin/env bash
# The arm64 target under QEMU virt (TCG): apps/hello through kiln run
# (output, boot arguments, exit statuses 0, 3 and 2; GICv3; entered at
# EL2), faults reported in one line with status 255 (NULL, stack overflow
# onto a fiber's and the boot stack's guard page, write to text and
# rodata, execute data, read supervisor memory, WFI at EL0), a 1 s sleep
# that waits in WFI (few supervisor sleeps, little host CPU), virtio-blk
# data across boots, and kiln-console's exit statuses.
# timeout: 400
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
command -v qemu-system-aarch64 >/dev/null || {
	skip "arm64" "qemu-system-aarch64 not installed (Debian: qemu-system-arm)"
	exit 0
}
command -v aarch64-linux-gnu-gcc >/dev/null || {
	skip "arm64" "aarch64-linux-gnu-gcc not installed (Debian: gcc-aarch64-linux-gnu)"
	exit 0
}
make -s programs >/dev/null 2>&1 || { fail "make" "the host programs do not build"; finish; }
tmp=$(scratch)

# run NAME WANT_RC LOG KILN-RUN-ARGS...: kiln run -t arm64, bounded.
run() {
	local name=$1 want=$2 log=$3 rc
	shift 3
	timeout --kill-after=5 60 "$KILN" run -t arm64 "$@" >"$log" 2>&1 </dev/null
	rc=$?
	if [ $rc -ne "$want" ]; then
		fail "$name" "status $rc, expected $want: $(grep -v '^  ' "$log" | tail -4 | tr '\n' '|')"
		return 1
	fi
}

for app in apps/hello tests/arm64/probe tests/hello/blk; do
	if ! "$KILN" build -t arm64 "$app" >"$tmp/build" 2>&1; then
		fail "build $app for arm64" "$(tail -5 "$tmp/build" | tr '\n' '|')"
		finish
	fi
done
pass "apps/hello, the probe and blktest build for arm64"

# --- hello --------------------------------------------------------------
if run "hello" 0 "$tmp/hello" apps/hello -- one two; then
	out=$(grep -v '^kiln: arm64: QEMU' "$tmp/hello")
	host_now=$(date +%s)
	wall=$(sed -n 's/^wall: \([0-9]*\)\..*/\1/p' <<<"$out")
	if grep -qx 'Hello from Kiln!' <<<"$out" && grep -qx 'target: arm64' <<<"$out" &&
		grep -qx 'arg: one' <<<"$out" && grep -qx 'arg: two' <<<"$out" &&
		[ "$(grep -c '^slept [123]: 1[0-4][0-9] ms$' <<<"$out")" -eq 3 ] &&
		[ "$(grep -c '^fiber [AB]: [123]$' <<<"$out")" -eq 6 ] &&
		[ "$(tail -1 <<<"$out")" = goodbye ]; then
		pass "hello on arm64: greeting, boot arguments, fibers, 3 x 100 ms sleeps, status 0"
	else
		fail "hello on arm64" "$(tr '\n' '|' <<<"$out")"
	fi
	if [ -n "$wall" ] && [ $((wall - host_now)) -le 5 ] && [ $((host_now - wall)) -le 60 ]; then
		pass "wall clock from the PL031 ($wall, host $host_now)"
	else
		fail "wall clock" "guest says '$wall', host $host_now"
	fi
	if ! grep -q $'\x1b' "$tmp/hello"; then
		pass "the exit-status mark is taken out of the output"
	else
		fail "exit-status mark" "an escape sequence is left in the output"
	fi
fi
run "hello --fail" 3 "$tmp/fail" apps/hello -- --fail &&
	grep -q '^failing as asked' "$tmp/fail" && pass "exit status 3 through kiln run"
run "hello --bogus" 2 "$tmp/bogus" apps/hello -- --bogus &&
	grep -q 'unknown boot argument: --bogus' "$tmp/bogus" && pass "a bad boot argument: status 2"
run "hello on GICv3" 3 "$tmp/gic3" --machine virt-gicv3 apps/hello -- --fail &&
	grep -q '^slept 3: ' "$tmp/gic3" && pass "hello on GICv3: sleeps and status 3"
run "hello entered at EL2" 0 "$tmp/el2" --machine virt-el2 apps/hello &&
	grep -qx goodbye "$tmp/el2" && pass "hello entered at EL2 (virtualization=on): drops to EL1, PSCI by smc"

# --- faults -------------------------------------------------------------
while read -r kind pat; do
	log="$tmp/fault-$kind"
	if run "fault $kind" 255 "$log" tests/arm64/probe -- --fault="$kind"; then
		n=$(grep -c '^kiln: fault: ' "$log")
		if [ "$n" -eq 1 ] && grep -qE "^kiln: fault: $pat" "$log" &&
			! grep -q 'not caught' "$log"; then
			pass "fault $kind: $(grep '^kiln: fault: ' "$log" | sed 's/ at pc 0x[0-9a-f]*//')"
		else
			fail "fault $kind" "$(grep -v '^  ' "$log" | tr '\n' '|')"
		fi
	fi
done <<'EOT'
null data abort in user mode at pc 0x[0-9a-f]+: read from 0x0 \(not mapped\) - page 0: a NULL pointer\?$
stack data abort in user mode at pc 0x[0-9a-f]+: write to 0x[0-9a-f]+ \(not mapped\) - a guard page: stack overflow\?$
ustack data abort in user mode at pc 0x[0-9a-f]+: write to 0x[0-9a-f]+ \(not mapped\) - a guard page: stack overflow\?$
wx data abort in user mode at pc 0x[0-9a-f]+: write to 0x[0-9a-f]+ \(permission\) - read-only$
nx instruction abort in user mode at pc 0x[0-9a-f]+: execute at 0x[0-9a-f]+ \(permission\) - not executable$
ro data abort in user mode at pc 0x[0-9a-f]+: write to 0x[0-9a-f]+ \(permission\) - read-only$
kernel data abort in user mode at pc 0x[0-9a-f]+: read from 0x[0-9a-f]+ \(permission\) - supervisor memory$
wfi WFI/WFE trapped in user mode at pc 0x[0-9a-f]+$
EOT

# --- sleeping in WFI ------------------------------------------------------
# Host CPU of the whole run (kiln, kiln-console, QEMU): a guest spinning
# for the second would take about a second of it.
if { TIMEFORMAT='%U %S'; time timeout 60 "$KILN" run -t arm64 tests/arm64/probe \
	-- --sleep=1000 >"$tmp/sleep" 2>&1 </dev/null; } 2>"$tmp/cpu"; then
	sleeps=$(sed -n 's/^slept \([0-9]*\) ms, \([0-9]*\) supervisor sleeps$/\2/p' "$tmp/sleep")
	ms=$(sed -n 's/^slept \([0-9]*\) ms, .*/\1/p' "$tmp/sleep")
	cpu=$(awk '{printf "%d", ($1 + $2) * 1000}' "$tmp/cpu")
	if [ -n "$sleeps" ] && [ "$sleeps" -ge 1 ] && [ "$sleeps" -le 5 ] &&
		[ "$ms" -ge 1000 ] && [ "$ms" -le 1100 ] && [ "$cpu" -lt 400 ]; then
		pass "a 1 s sleep waits in WFI: $ms ms, $sleeps supervisor sleeps, ${cpu} ms host CPU (boot included)"
	else
		fail "sleep in WFI" "$(tr '\n' '|' <"$tmp/sleep") cpu ${cpu} ms"
	fi
else
	fail "sleep" "$(tr '\n' '|' <"$tmp/sleep")"
fi

# --- virtio-blk across boots ----------------------------------------------
disk="$tmp/disk.img"
truncate -s 4M "$disk"
if run "blk write" 0 "$tmp/blk1" tests/hello/blk --block "$disk" -- --seed=42 &&
	run "blk read back" 0 "$tmp/blk2" tests/hello/blk --block "$disk" -- --verify --seed=42; then
	if grep -q '^blk0: wrote ' "$tmp/blk1" && grep -q '^blk0: verified ' "$tmp/blk2" &&
		grep -q 'virtio-blk at mmio 0x0a003e00, 4194304 bytes' "$tmp/blk1"; then
		pass "virtio-blk: written, flushed, read back in a new boot"
	else
		fail "virtio-blk" "$(tr '\n' '|' <"$tmp/blk2")"
	fi
	run "blk other seed" 1 "$tmp/blk3" tests/hello/blk --block "$disk" -- --verify --seed=43 &&
		pass "virtio-blk: another seed does not verify (the check can fail)"
fi

# --- kiln-console ---------------------------------------------------------
C="$ROOT/bin/kiln-console"
out=$("$C" --name t -- printf 'a\033]kiln-exit;7\007b') rc=$?
[ $rc -eq 7 ] && [ "$out" = ab ] && pass "kiln-console: the mark's status, mark removed" ||
	fail "kiln-console mark" "status $rc, output '$out'"
"$C" --name t -- printf 'no mark' >/dev/null 2>"$tmp/c2"
rc=$?
[ $rc -eq 255 ] && grep -qx 'kiln: t: the guest stopped without an exit status' "$tmp/c2" &&
	pass "kiln-console: no mark is 255 with a message" || fail "kiln-console no mark" "status $rc"
"$C" --name t -- sh -c 'exit 1' 2>"$tmp/c3"
rc=$?
[ $rc -eq 125 ] && grep -q 'QEMU failed (status 1)' "$tmp/c3" &&
	pass "kiln-console: a failing command is 125" || fail "kiln-console failure" "status $rc"
"$C" --name t -- sh -c 'sleep 30' 2>"$tmp/c4" &
cpid=$!
sleep 0.5
kill -TERM $cpid
wait $cpid
rc=$?
[ $rc -eq 255 ] && grep -q 'ended by signal 15' "$tmp/c4" &&
	pass "kiln-console: SIGTERM reaches the guest's QEMU (255)" || fail "kiln-console SIGTERM" "status $rc: $(cat "$tmp/c4")"
finish
