#!/usr/bin/env bash
# platform_entropy() on every target that runs here. Two boots of
# tests/entropy/app each name the source (platform_entropy_source) and
# report 32 bytes from it, and the two differ: the host's getrandom on unix
# and, through the monitor, hvt; a virtio-rng device XORed with
# RDSEED/RDRAND on virtio, with RNDR on arm64; the hardware RNG on rpi3.
# Each source alone serves (virtio-rng on q35 with the CPU's generator
# hidden, the CPU's without the device), and a boot with none ends with
# the line saying there is no entropy source and status 1, as a TLS image
# does (kiln_random_require): hvt under the test monitor with
# KILN_HVT_NO_ENTROPY=1 (bin/kiln-hvt-test), virtio on a
# CPU without RDRAND and RDSEED and no virtio-rng, arm64 on a CPU without
# RNDR and no virtio-rng. A virtio-rng device that never answers is given
# up after 1 s (the CPU's generator then serves alone, or the boot ends
# saying the source failed).
# A target whose machine is missing here (no KVM, no QEMU) is skipped.
# timeout: 400
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
make -s programs >/dev/null 2>&1 || { fail "make" "the host programs do not build"; finish; }
tmp=$(scratch)
app=tests/entropy/app

# build TARGET
build() {
	"$KILN" build -t "$1" $app >"$tmp/$1.build" 2>&1 && return 0
	fail "entropy on $1: build" "$(tail -3 "$tmp/$1.build")"
	return 1
}

# run TARGET SOURCE-REGEX [kiln run options]: boot the app twice, compare.
run() {
	local t=$1 want=$2 a b s
	shift 2
	build "$t" || return
	for i in 1 2; do
		timeout 60 "$KILN" run -t "$t" "$@" $app >"$tmp/$t.$i" 2>&1 </dev/null
		echo "rc=$?" >>"$tmp/$t.$i"
	done
	a=$(sed -n 's/^entropy: ok \([0-9a-f]\{64\}\)$/\1/p' "$tmp/$t.1")
	b=$(sed -n 's/^entropy: ok \([0-9a-f]\{64\}\)$/\1/p' "$tmp/$t.2")
	s=$(sed -n 's/^entropy: source //p' "$tmp/$t.1")
	if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] &&
		[[ "$s" =~ ^($want)$ ]] &&
		grep -qx 'rc=0' "$tmp/$t.1" && grep -qx 'rc=0' "$tmp/$t.2" &&
		grep -qx 'random: strong' "$tmp/$t.1"; then
		pass "entropy on $t from $s: 32 bytes, different each boot; kiln_random seeded from it"
	else
		fail "entropy on $t" "$(grep -v '^  ' "$tmp/$t.1" | tr '\n' '|')"
	fi
}

# one NAME SOURCE-REGEX COMMAND...: two boots served by that source
# alone, each with its own bytes.
one() {
	local name=$1 want=$2 s a b rc1 rc2
	shift 2
	timeout 60 "$@" >"$tmp/one.1" 2>&1 </dev/null
	rc1=$?
	timeout 60 "$@" >"$tmp/one.2" 2>&1 </dev/null
	rc2=$?
	s=$(sed -n 's/^entropy: source //p' "$tmp/one.1")
	a=$(sed -n 's/^entropy: ok \([0-9a-f]\{64\}\)$/\1/p' "$tmp/one.1")
	b=$(sed -n 's/^entropy: ok \([0-9a-f]\{64\}\)$/\1/p' "$tmp/one.2")
	if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [[ "$s" =~ ^($want)$ ]] &&
		[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] &&
		grep -qx 'random: strong' "$tmp/one.1"; then
		pass "$name: served by $s, different each boot"
	else
		fail "$name" "rc=$rc1: $(grep -v '^  ' "$tmp/one.1" | tr '\n' '|')"
	fi
}

# none NAME TARGET COMMAND...: a boot without a source fails, saying why.
none() {
	local name=$1 t=$2
	shift 2
	timeout 60 "$@" >"$tmp/none" 2>&1 </dev/null
	local rc=$?
	if [ $rc -eq 1 ] && grep -qx 'entropy: source none' "$tmp/none" &&
		grep -qx 'entropy: unsupported' "$tmp/none" &&
		grep -qx "entropy: no entropy source on this $t (platform_entropy: not supported): refusing to start without one" "$tmp/none"; then
		pass "$name: the boot fails (status 1), saying why"
	else
		fail "$name" "rc=$rc: $(grep -v '^  ' "$tmp/none" | tr '\n' '|')"
	fi
}

# stuck: a virtio-rng whose host side never delivers (QEMU reading a FIFO
# that nobody writes): the driver gives it up after 1 s and the CPU's
# generator serves; on a CPU without one the boot ends saying the source
# failed (QEMU's status 5 is the guest's 1).
stuck() {
	local img=$app/_build/virtio/entropy fifo=$tmp/fifo cmd rc
	mkfifo "$fifo" && exec 7<>"$fifo" || {
		fail "virtio-rng that never answers" "cannot make a FIFO"
		return
	}
	local dev="-object rng-random,id=r0,filename=$fifo -device virtio-rng-device,rng=r0"
	cmd=$(KILN_QEMU_RNG=0 platform/virtio/launch --dry-run "$img")
	eval "timeout -s KILL 60 $cmd $dev" >"$tmp/stuck" 2>&1 </dev/null
	rc=$?
	if [ $rc -eq 3 ] && grep -q 'rng0 at .*: no answer within 1 s, not used again' "$tmp/stuck" &&
		grep -q '^entropy: ok [0-9a-f]\{64\}$' "$tmp/stuck" &&
		grep -qx 'random: strong' "$tmp/stuck"; then
		pass "a virtio-rng that never answers: given up after 1 s, the CPU's generator serves"
	else
		fail "a virtio-rng that never answers" "rc=$rc: $(tr '\n' '|' <"$tmp/stuck")"
	fi
	cmd=$(KILN_QEMU_RNG=0 KILN_QEMU_CPU=max,-rdrand,-rdseed platform/virtio/launch --dry-run "$img")
	eval "timeout -s KILL 60 $cmd $dev" >"$tmp/stuck2" 2>&1 </dev/null
	rc=$?
	exec 7>&-
	if [ $rc -eq 5 ] && grep -q '^entropy: failed' "$tmp/stuck2" &&
		grep -qx 'entropy: no entropy source on this virtio (platform_entropy: the source failed): refusing to start without one' "$tmp/stuck2"; then
		pass "a virtio-rng that never answers, no CPU generator: the boot fails, saying the source failed"
	else
		fail "a virtio-rng that never answers, no CPU generator" "rc=$rc: $(tr '\n' '|' <"$tmp/stuck2")"
	fi
}

run unix getrandom
if have_kvm; then
	run hvt 'kiln-hvt getrandom'
	[ -x "$KILN_HVT_TEST" ] || make -s bin/kiln-hvt-test >/dev/null 2>&1
	KILN_HVT_NO_ENTROPY=1 none "hvt with no entropy from the monitor (KILN_HVT_NO_ENTROPY)" \
		hvt "$KILN_HVT_TEST" $app/_build/hvt/entropy
	KILN_HVT_NO_ENTROPY=1 one "the production kiln-hvt reads no KILN_HVT_NO_ENTROPY" \
		'kiln-hvt getrandom' "$KILN_HVT" $app/_build/hvt/entropy
else
	skip "entropy on hvt" "$KVM_WHY"
fi
if command -v qemu-system-x86_64 >/dev/null; then
	export KILN_ACCEL=tcg
	run virtio 'virtio-rng\+rd(seed|rand)'
	if [ -f $app/_build/virtio/entropy ]; then
		KILN_QEMU_CPU=max,-rdrand,-rdseed one "virtio-rng alone (q35, PCI)" virtio-rng \
			"$KILN" run -t virtio --machine q35 $app
		KILN_QEMU_RNG=0 one "the CPU's generator alone (no virtio-rng)" 'rd(seed|rand)' \
			"$KILN" run -t virtio $app
		KILN_QEMU_RNG=0 KILN_QEMU_CPU=max,-rdrand,-rdseed none \
			"virtio without virtio-rng on a CPU without RDRAND/RDSEED" virtio \
			"$KILN" run -t virtio $app
		stuck
	fi
	unset KILN_ACCEL
else
	skip "entropy on virtio" "no qemu-system-x86_64"
fi
if command -v qemu-system-aarch64 >/dev/null; then
	run arm64 'virtio-rng\+rndr'
	[ -f $app/_build/arm64/entropy ] &&
		KILN_QEMU_RNG=0 KILN_QEMU_CPU=cortex-a72 none \
			"arm64 without virtio-rng on a CPU without RNDR" arm64 \
			"$KILN" run -t arm64 $app
	[ -d platform/rpi3 ] && run rpi3 bcm2835-rng
else
	skip "entropy on arm64 and rpi3" "no qemu-system-aarch64"
fi
finish
