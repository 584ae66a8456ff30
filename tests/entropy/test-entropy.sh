#!/usr/bin/env bash
# platform_entropy() on every target that runs here: two boots of
# tests/entropy/app each report 32 bytes from the target's source (the
# host's getrandom on unix and, through the monitor, hvt; RDSEED/RDRAND on
# virtio; RNDR on arm64; the hardware RNG on rpi3), and the two differ.
# On virtio, a CPU without RDRAND and RDSEED ends the boot with a line
# saying there is no entropy source (kiln_random_require).
# A target whose machine is missing here (no KVM, no QEMU) is skipped.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
make -s programs >/dev/null 2>&1 || { fail "make" "the host programs do not build"; finish; }
tmp=$(scratch)

# run TARGET: boot the app twice, compare.
run() {
	local t=$1 a b
	if ! "$KILN" build -t "$t" tests/entropy/app >"$tmp/$t.build" 2>&1; then
		fail "entropy on $t: build" "$(tail -3 "$tmp/$t.build")"
		return
	fi
	for i in 1 2; do
		timeout 60 "$KILN" run -t "$t" tests/entropy/app >"$tmp/$t.$i" 2>&1 </dev/null
		echo "rc=$?" >>"$tmp/$t.$i"
	done
	a=$(sed -n 's/^entropy: ok \([0-9a-f]\{64\}\)$/\1/p' "$tmp/$t.1")
	b=$(sed -n 's/^entropy: ok \([0-9a-f]\{64\}\)$/\1/p' "$tmp/$t.2")
	if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] &&
		grep -qx 'rc=0' "$tmp/$t.1" && grep -qx 'rc=0' "$tmp/$t.2" &&
		grep -qx 'random: strong' "$tmp/$t.1"; then
		pass "entropy on $t: 32 bytes from the platform, different each boot; kiln_random seeded from it"
	else
		fail "entropy on $t" "$(grep -v '^  ' "$tmp/$t.1" | tr '\n' '|')"
	fi
}

run unix
if have_kvm; then run hvt; else skip "entropy on hvt" "$KVM_WHY"; fi
if command -v qemu-system-x86_64 >/dev/null; then
	KILN_ACCEL=tcg run virtio
	# A CPU without RDRAND and RDSEED: the boot ends with a clear line.
	"$KILN" build -t virtio tests/entropy/app >/dev/null 2>&1
	KILN_ACCEL=tcg KILN_QEMU_CPU=max,-rdrand,-rdseed timeout 60 "$KILN" run -t virtio \
		tests/entropy/app >"$tmp/none" 2>&1 </dev/null
	rc=$?
	if [ $rc -eq 1 ] && grep -qx 'entropy: unsupported' "$tmp/none" &&
		grep -qx 'entropy: no entropy source on this virtio (platform_entropy: not supported): refusing to start without one' "$tmp/none"; then
		pass "virtio on a CPU without RDRAND/RDSEED: the boot fails, saying why"
	else
		fail "virtio without a CPU RNG" "rc=$rc: $(tr '\n' '|' <"$tmp/none")"
	fi
else
	skip "entropy on virtio" "no qemu-system-x86_64"
fi
if command -v qemu-system-aarch64 >/dev/null; then
	run arm64
	[ -d platform/rpi3 ] && run rpi3
else
	skip "entropy on arm64 and rpi3" "no qemu-system-aarch64"
fi
finish
