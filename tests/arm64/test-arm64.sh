#!/usr/bin/env bash
# The arm64 target under QEMU virt (TCG): apps/hello through kiln run
# (output, boot arguments, exit statuses 0, 3 and 2; GICv3; entered at
# EL2), faults reported in one line with status 255 (NULL, stack overflow
# onto a fiber's and the boot stack's guard page, write to text and
# rodata, execute data, read supervisor memory, WFI at EL0), a 1 s sleep
# that waits in WFI (few supervisor sleeps, little host CPU), virtio-blk
# data across boots, and kiln-console's exit statuses.
# timeout: 400
# lane: tcg
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

T=arm64
source "$(dirname "$0")/common.sh"

for app in apps/hello tests/arm64/probe tests/hello/blk; do
	if ! "$KILN" build -t arm64 "$app" >"$tmp/build" 2>&1; then
		fail "build $app for arm64" "$(tail -5 "$tmp/build" | tr '\n' '|')"
		finish
	fi
done
pass "apps/hello, the probe and blktest build for arm64"

# --- hello --------------------------------------------------------------
hello_checks
host_now=$(date +%s)
wall=$(sed -n 's/^wall: \([0-9]*\)\..*/\1/p' "$tmp/hello")
if [ -n "$wall" ] && [ $((wall - host_now)) -le 5 ] && [ $((host_now - wall)) -le 60 ]; then
	pass "wall clock from the PL031 ($wall, host $host_now)"
else
	fail "wall clock" "guest says '$wall', host $host_now"
fi
run "hello on GICv3" 3 "$tmp/gic3" --machine virt-gicv3 apps/hello -- --fail &&
	grep -q '^slept 3: ' "$tmp/gic3" && pass "hello on GICv3: sleeps and status 3"
run "hello entered at EL2" 0 "$tmp/el2" --machine virt-el2 apps/hello &&
	grep -qx goodbye "$tmp/el2" && pass "hello entered at EL2 (virtualization=on): drops to EL1, PSCI by smc"

fault_checks
sleep_check

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

# --- the launcher's command line -------------------------------------------
d=$(platform/arm64/launch --dry-run --net user,hostfwd=tcp:127.0.0.1:8080-:80 \
	--net tap,ifname=atap9 --block "file=$disk" --mem 128M apps/hello/_build/arm64/hello -- a b |
	tr -d '\\')
if grep -q 'kiln-console --name arm64 -- .*kiln-usernet --net user,hostfwd=tcp:127.0.0.1:8080-:80 --peer-fd 10 -- qemu-system-aarch64 ' <<<"$d" &&
	grep -q -- '-netdev stream,id=net0,addr.type=fd,addr.str=10 -device virtio-net-device,netdev=net0' <<<"$d" &&
	grep -q -- '-netdev tap,id=net1,ifname=atap9,script=no,downscript=no -device virtio-net-device,netdev=net1' <<<"$d" &&
	grep -q -- "-device virtio-blk-device,drive=blk0" <<<"$d" && grep -q -- '-m 128M' <<<"$d" &&
	grep -q -- 'force-legacy=false' <<<"$d" && grep -q -- "-append -- a b" <<<"$d"; then
	pass "launcher: user-mode net through kiln-usernet, tap, block, memory, boot arguments"
else
	fail "launcher --dry-run" "$d"
fi
platform/arm64/launch --machine vexpress apps/hello/_build/arm64/hello >"$tmp/l" 2>&1
[ $? -eq 125 ] && grep -q 'expected virt' "$tmp/l" && pass "launcher: an unknown machine is one line, 125" ||
	fail "launcher --machine" "$(cat "$tmp/l")"

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
