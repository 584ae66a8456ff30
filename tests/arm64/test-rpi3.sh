#!/usr/bin/env bash
# The rpi3 target under QEMU raspi3b (TCG): kernel8.img entered at EL2,
# apps/hello through kiln run (output, boot arguments from the ATAGs,
# exit statuses 0, 3 and 2), the faults of tests/arm64/probe reported in
# one line with status 255, a 1 s sleep in WFI (the BCM2836 local timer
# interrupt wakes it), the SD card: written, then read back in a new boot
# (standard and high capacity), and the launcher's refusals (no network
# device; an SD image must be a power of two).
# timeout: 400
# lane: tcg
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
command -v qemu-system-aarch64 >/dev/null || {
	skip "rpi3" "qemu-system-aarch64 not installed (Debian: qemu-system-arm)"
	exit 0
}
command -v aarch64-linux-gnu-gcc >/dev/null || {
	skip "rpi3" "aarch64-linux-gnu-gcc not installed (Debian: gcc-aarch64-linux-gnu)"
	exit 0
}
make -s programs >/dev/null 2>&1 || { fail "make" "the host programs do not build"; finish; }
tmp=$(scratch)

T=rpi3
source "$(dirname "$0")/common.sh"

for app in apps/hello tests/arm64/probe tests/hello/blk; do
	if ! "$KILN" build -t rpi3 "$app" >"$tmp/build" 2>&1; then
		fail "build $app for rpi3" "$(tail -5 "$tmp/build" | tr '\n' '|')"
		finish
	fi
done
img=apps/hello/_build/rpi3/kernel8.img
if [ -f "$img" ] && ! head -c 4 "$img" | grep -q ELF &&
	[ "$(stat -c %s "$img")" -lt "$(stat -c %s apps/hello/_build/rpi3/hello)" ]; then
	pass "rpi3 builds a raw kernel8.img ($(stat -c %s "$img") bytes) beside the ELF"
else
	fail "kernel8.img" "missing or not a raw image"
fi

hello_checks
fault_checks
sleep_check

# --- the SD card across boots -------------------------------------------------
for size in 4M 4G; do
	sd="$tmp/sd-$size.img"
	truncate -s "$size" "$sd"
	kind=standard
	[ $size = 4G ] && kind=high
	if run "SD $size write" 0 "$tmp/sd1" tests/hello/blk --block "$sd" -- --seed=42 &&
		run "SD $size read back" 0 "$tmp/sd2" tests/hello/blk --block "$sd" -- --verify --seed=42; then
		if grep -q '^blk0: wrote ' "$tmp/sd1" && grep -q '^blk0: verified ' "$tmp/sd2" &&
			grep -q "blk0: SD card (.* bytes, $kind capacity)" "$tmp/sd1"; then
			pass "SD card ($size, $kind capacity): written, flushed, read back in a new boot"
		else
			fail "SD card $size" "$(grep -v '^  ' "$tmp/sd2" | tr '\n' '|')"
		fi
		run "SD $size other seed" 1 "$tmp/sd3" tests/hello/blk --block "$sd" -- --verify --seed=43 &&
			pass "SD card ($size): another seed does not verify (the check can fail)"
	fi
	rm -f "$sd"
done
run "no SD card" 1 "$tmp/nosd" tests/hello/blk &&
	grep -q 'kiln: rpi3: no SD card' "$tmp/nosd" && pass "without an SD card: blk0 is not there, said in one line"

# --- what the launcher refuses ----------------------------------------------
platform/rpi3/launch --net user apps/hello/_build/rpi3/hello >"$tmp/l1" 2>&1
rc=$?
[ $rc -eq 125 ] && grep -q 'no network device' "$tmp/l1" &&
	pass "rpi3 launcher: --net refused (no network device)" || fail "launcher --net" "status $rc"
truncate -s 3000000 "$tmp/odd.img"
platform/rpi3/launch --block "file=$tmp/odd.img" apps/hello/_build/rpi3/hello >"$tmp/l2" 2>&1
rc=$?
[ $rc -eq 125 ] && grep -q 'power of two' "$tmp/l2" &&
	pass "rpi3 launcher: an SD image that is not a power of two is refused" || fail "launcher odd SD" "status $rc"
"$KILN" targets >"$tmp/targets"
grep -q '^ *rpi3 .*no network' "$tmp/targets" && grep -q '^ *arm64 ' "$tmp/targets" &&
	pass "kiln targets lists arm64, and rpi3 with no network" || fail "kiln targets" "$(cat "$tmp/targets")"
finish
