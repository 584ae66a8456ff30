#!/usr/bin/env bash
# The virtio target under QEMU: boot on microvm and q35 (KVM when usable,
# else TCG), console output and exit status, boot arguments, clock and
# sleep, fault reports, devices the driver must refuse, block data across
# two boots on different machines, and the Firecracker config generator.
# Uses a stand-in application (hello.c) built straight on platform.h, and
# the real apps/hello when kiln is built.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "virtio" "qemu-system-x86_64 not installed"
	exit 0
fi
if [ -n "${KILN_ACCEL:-}" ]; then
	accel=$KILN_ACCEL
elif have_kvm; then
	accel=kvm
else
	accel=tcg
fi
export KILN_ACCEL=$accel
echo "accelerator: $accel"

tmp=$(scratch)
img="$tmp/standin"
if ! standin=$(host_build tests/virtio/hello.host) || ! cp "$standin" "$img"; then
	fail "virtio build" "$(grep -v '^  ' "$(host_log tests/virtio/hello.host)" | head -20)"
	finish
fi
pass "virtio build (stand-in app)"

LAUNCH=platform/virtio/launch

# run NAME EXPECTED_STATUS OUTFILE LAUNCH-ARGS...: run under a time limit.
run() {
	local name=$1 want=$2 out=$3
	shift 3
	timeout --kill-after=5 60 "$LAUNCH" "$@" >"$out" 2>&1 </dev/null
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, expected $want; output: $(tail -5 "$out" | tr '\n' '|')"
		return 1
	fi
	return 0
}

# expect NAME FILE PATTERN: PASS if the file has a line matching PATTERN.
expect() {
	if grep -qE -- "$3" "$2"; then
		pass "$1"
	else
		fail "$1" "no line matching '$3' in: $(tail -5 "$2" | tr '\n' '|')"
	fi
}

for m in microvm q35 pc; do
	if run "hello $m" 0 "$tmp/hello-$m" --machine "$m" "$img" -- one two; then
		expect "hello $m" "$tmp/hello-$m" '^hello from kiln on virtio: args \[one two\]'
	fi
	run "exit status 3 on $m" 3 "$tmp/fail-$m" --machine "$m" "$img" -- --fail &&
		pass "exit status 3 on $m"
done

# Statuses come back through the isa-debug-exit mapping.
if run "clock and sleep" 0 "$tmp/sleep" "$img" -- --sleep=100 --wall; then
	us=$(sed -n 's/^slept \([0-9]*\) us$/\1/p' "$tmp/sleep")
	wall=$(sed -n 's/^\([0-9]*\) s since 1970$/\1/p' "$tmp/sleep")
	now=$(date +%s)
	if [ -n "$us" ] && [ "$us" -ge 100000 ] && [ "$us" -lt 1000000 ]; then
		pass "sleep 100 ms took ${us} us"
	else
		fail "sleep 100 ms" "took '${us}' us"
	fi
	if [ -n "$wall" ] && [ $((wall - now)) -lt 5 ] && [ $((now - wall)) -lt 5 ]; then
		pass "wall clock within 5 s of the host's"
	else
		fail "wall clock" "guest says '$wall', host $now"
	fi
fi

# Sleeping is hlt in the supervisor, not a spin: during a 1 s sleep
# platform_yield asks the supervisor to sleep only a few times (a spin,
# hlt replaced by pause, asks thousands of times), QEMU uses little CPU
# time, and the guest's second is the host's.
if python3 - "$LAUNCH" "$img" >"$tmp/spin" 2>&1 <<'PY'; then
import resource, subprocess, sys, time
t0 = time.time()
r = subprocess.run([sys.argv[1], sys.argv[2], "--", "--sleep=1000"],
                   capture_output=True, text=True, timeout=60)
wall = time.time() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = ru.ru_utime + ru.ru_stime
assert r.returncode == 0, r.stdout + r.stderr
assert "slept 10" in r.stdout, r.stdout
import re
m = re.search(r"^sleep: (\d+) yield returns, (\d+) supervisor sleeps$",
              r.stdout, re.M)
assert m, r.stdout
print(f"{m.group(2)} supervisor sleeps, wall {wall:.2f} s, cpu {cpu:.2f} s")
assert int(m.group(1)) <= 3, "platform_yield returned before its deadline"
assert int(m.group(2)) <= 20, "the supervisor's sleep did not halt"
assert wall >= 1.0, "the guest's second was shorter than the host's"
assert cpu < 0.7, "QEMU was busy while the guest slept"
PY
	pass "1 s sleep in hlt ($(cat "$tmp/spin"))"
else
	fail "1 s sleep in hlt" "$(tail -3 "$tmp/spin" | tr '\n' '|')"
fi

# Without TSC-deadline mode the LAPIC timer runs one-shot, calibrated
# against the TSC at boot (the supervisor's C path).
cmd=$("$LAUNCH" --dry-run "$img" -- --timer --sleep=50)
# (the command is shell-quoted: commas come as "\,")
cmd=${cmd/-arch-capabilities/-arch-capabilities\\,-tsc-deadline}
cmd=${cmd/-cpu max/-cpu max\\,-tsc-deadline}
eval "timeout 60 $cmd" >"$tmp/oneshot" 2>&1
expect "LAPIC timer in one-shot mode without TSC-deadline" "$tmp/oneshot" '^timer: one-shot'
us=$(sed -n 's/^slept \([0-9]*\) us$/\1/p' "$tmp/oneshot")
sleeps=$(sed -n 's/^sleep: [0-9]* yield returns, \([0-9]*\) supervisor sleeps$/\1/p' "$tmp/oneshot")
if [ -n "$us" ] && [ "$us" -ge 50000 ] && [ "$us" -lt 500000 ] &&
	[ -n "$sleeps" ] && [ "$sleeps" -le 20 ]; then
	pass "one-shot LAPIC timer: 50 ms sleep took ${us} us, $sleeps supervisor sleeps (hlt)"
else
	fail "one-shot LAPIC timer" "$(tail -3 "$tmp/oneshot" | tr '\n' '|')"
fi

# Faults: reported with the reason, exit 255.
for f in null:"read of 0x0000000000000000 \(not mapped\) - NULL pointer" \
	stack:"guard page: stack overflow" \
	wx:"page fault.*write to .*\(protection\)" \
	nx:"page fault.*\(instruction fetch\).*\(protection\)" \
	ro:"page fault.*write to .*\(protection\)" \
	kernel:"page fault.*read of .*\(protection\)"; do
	kind=${f%%:*}
	pat=${f#*:}
	run "fault $kind" 255 "$tmp/fault-$kind" "$img" -- --fault="$kind" &&
		expect "fault $kind reported" "$tmp/fault-$kind" "$pat"
done

# Block: write on microvm (virtio-mmio), read back on q35 (virtio-pci).
disk="$tmp/disk.img"
truncate -s 16M "$disk"
if run "block write (microvm)" 0 "$tmp/bw" --block "file=$disk" "$img" -- --blk-write=42; then
	expect "block write (microvm)" "$tmp/bw" '^blk0: wrote 65536 bytes'
fi
if run "block read after reboot (q35)" 0 "$tmp/br" --machine q35 --block "file=$disk" "$img" -- --blk-check=42; then
	expect "block read after reboot (q35)" "$tmp/br" '^blk0: read back 65536 bytes, all match'
fi
if run "block read after reboot (pc)" 0 "$tmp/brp" --machine pc --block "file=$disk" "$img" -- --blk-check=42; then
	expect "block read after reboot (pc)" "$tmp/brp" '^blk0: read back 65536 bytes, all match'
fi
run "block data differs with another seed" 1 "$tmp/bx" --block "file=$disk" "$img" -- --blk-check=43 &&
	expect "block data differs with another seed" "$tmp/bx" '^blk0: mismatch'

# Large transfers in one call (several requests in flight), also through
# a 4-entry queue where one request fits at a time; bad requests refused.
big="$tmp/big.img"
truncate -s 16M "$big"
if run "block 3 MiB (microvm)" 0 "$tmp/big1" --block "file=$big" "$img" -- --blk-big=1; then
	expect "block 3 MiB (microvm)" "$tmp/big1" 'read back in one call each, bad requests refused'
fi
for m in microvm:virtio-blk-device q35:virtio-blk-pci; do
	cmd=$("$LAUNCH" --dry-run --machine "${m%%:*}" --block "file=$big" "$img" -- --blk-big=2)
	eval "timeout 60 $cmd -global ${m#*:}.queue-size=4" >"$tmp/big4" 2>&1
	expect "block 3 MiB through a 4-entry queue (${m%%:*})" "$tmp/big4" 'read back in one call each, bad requests refused'
done
# A read-only disk: writes are refused (PLATFORM_EUNSUPPORTED = 5).
cmd=$("$LAUNCH" --dry-run "$img" -- --blk-write=1)
eval "timeout 60 $cmd -drive id=ro,file=$big,format=raw,if=none,readonly=on -device virtio-blk-device,drive=ro" >"$tmp/ro" 2>&1
expect "read-only disk refuses writes" "$tmp/ro" '^blk0: write failed: result 5'

# Network: the stand-in sends an ARP request to the user-mode gateway
# and waits (in platform_yield, on the device interrupt) for the reply.
for m in microvm q35; do
	if run "net $m" 0 "$tmp/net-$m" --machine "$m" --net user "$img" -- --net-ping; then
		expect "net $m (ARP answered)" "$tmp/net-$m" '^net0: received a frame of [0-9]+ bytes, ethertype 2054'
	fi
done

# The MTU feature: taken when sane, the device refused when not.
cmd=$("$LAUNCH" --dry-run "$img" -- --net-ping)
eval "timeout 60 $cmd -netdev user,id=n9 -device virtio-net-device,netdev=n9,host_mtu=4000" >"$tmp/mtu" 2>&1
expect "device MTU 4000 taken" "$tmp/mtu" '^net0: mtu 4000'
eval "timeout 60 $cmd -netdev user,id=n9 -device virtio-net-device,netdev=n9,host_mtu=60" >"$tmp/badmtu" 2>&1
expect "device MTU 60 refused" "$tmp/badmtu" 'not used: the device reports an MTU outside 68..9000'

# A virtio-pci device without MSI-X is polled, and still works.
cmd=$("$LAUNCH" --dry-run --machine q35 "$img" -- --net-ping)
eval "timeout 60 $cmd -netdev user,id=n9 -device virtio-net-pci,netdev=n9,vectors=0" >"$tmp/polled" 2>&1
expect "net without MSI-X is polled" "$tmp/polled" 'net0: virtio-net at pci .*, polled'
expect "net without MSI-X works" "$tmp/polled" '^net0: received a frame of [0-9]+ bytes, ethertype 2054'

# Devices the driver must refuse: a legacy virtio-mmio transport
# (force-legacy) and a legacy-only virtio-pci device (disable-modern).
cmd=$("$LAUNCH" --dry-run --block "file=$disk" "$img" -- --blk-check=42)
eval "timeout 60 $cmd -global virtio-mmio.force-legacy=true" >"$tmp/legacy-mmio" 2>&1
expect "legacy virtio-mmio refused" "$tmp/legacy-mmio" 'not used: legacy virtio-mmio interface'
expect "boot goes on without it" "$tmp/legacy-mmio" '^blk0: not found'
cmd=$("$LAUNCH" --dry-run --machine q35 "$img" -- --net-ping)
eval "timeout 60 $cmd -netdev user,id=n9 -device virtio-net-pci,netdev=n9,disable-modern=on" >"$tmp/legacy-pci" 2>&1
expect "legacy-only virtio-pci refused" "$tmp/legacy-pci" 'not used: legacy-only virtio device'
expect "boot goes on without it (pci)" "$tmp/legacy-pci" '^net0: not found'

# Two disks are blk0 and blk1 in the order given, on both transports; a
# device of another type is named and ignored. The network device comes
# third, so its interrupt uses a later vector than the tests above.
truncate -s 1M "$tmp/one.img"
truncate -s 2M "$tmp/two.img"
for m in microvm q35; do
	if run "two disks on $m" 0 "$tmp/two-$m" --machine "$m" \
		--block "file=$tmp/one.img" --block "file=$tmp/two.img" \
		--net user "$img" -- --net-ping; then
		expect "two disks on $m: blk0 first" "$tmp/two-$m" 'blk0: virtio-blk at .*, 1048576 bytes'
		expect "two disks on $m: blk1 second" "$tmp/two-$m" 'blk1: virtio-blk at .*, 2097152 bytes'
		expect "third device's interrupt on $m" "$tmp/two-$m" '^net0: received a frame'
	fi
done
cmd=$("$LAUNCH" --dry-run "$img")
eval "timeout 60 $cmd -device virtio-balloon-device" >"$tmp/balloon" 2>&1
expect "other device types ignored" "$tmp/balloon" 'ignoring a virtio device of type 5'

# A device that insists on a feature the driver does not take (an IOMMU).
cmd=$("$LAUNCH" --dry-run "$img" -- --net-ping)
eval "timeout 60 $cmd -netdev user,id=n9 -device virtio-net-device,netdev=n9,iommu_platform=on" >"$tmp/iommu" 2>&1
expect "device wanting VIRTIO_F_ACCESS_PLATFORM refused" "$tmp/iommu" 'not used: the device did not accept the feature set: it wants VIRTIO_F_ACCESS_PLATFORM'

# QEMU's microvm with ACPI on describes its devices only in ACPI tables:
# the first acquire says how to run it.
cmd=$("$LAUNCH" --dry-run --net user "$img" -- --net-ping)
eval "timeout 60 ${cmd/acpi=off/acpi=on}" >"$tmp/acpi" 2>&1
expect "microvm with ACPI: a hint" "$tmp/acpi" 'no devices \(QEMU microvm: run it with acpi=off\)'

# A malformed device description on the command line.
cmd=$("$LAUNCH" --dry-run "$img" -- hi)
eval "timeout 60 $cmd -append 'virtio_mmio.device=zz@0x1:x -- hi'" >"$tmp/badcmd" 2>&1
expect "malformed virtio_mmio.device refused" "$tmp/badcmd" 'bad command line: malformed device description'

# A virtio-mmio window named twice gets one driver, not two fighting
# over the device (the stand-in's ARP must still be answered).
cmd=$("$LAUNCH" --dry-run "$img" -- --net-ping)
cmd=${cmd/-append --\\ --net-ping/-append \'virtio_mmio.device=512@0xfeb00e00:12 -- --net-ping\'}
eval "timeout 60 $cmd -netdev user,id=n9 -device virtio-net-device,netdev=n9" >"$tmp/dup" 2>&1
expect "a repeated virtio_mmio.device= window is named" "$tmp/dup" 'mmio 0xfeb00e00: named twice on the command line, the repeat is ignored'
if grep -q 'net1:' "$tmp/dup"; then
	fail "a repeated window gets one driver" "$(grep 'net1:' "$tmp/dup" | head -1)"
else
	expect "a repeated window gets one driver" "$tmp/dup" '^net0: received a frame of [0-9]+ bytes, ethertype 2054'
fi

# The real runtime's hello app, through kiln run.
if [ -x "$KILN" ] && [ -f apps/hello/kiln.app ]; then
	for m in microvm q35; do
		timeout 120 "$KILN" run -t virtio apps/hello --machine "$m" -- --fail >"$tmp/app-$m" 2>&1
		rc=$?
		if [ $rc -eq 3 ] && grep -q '^Hello from Kiln!' "$tmp/app-$m" &&
			grep -q '^target: virtio' "$tmp/app-$m"; then
			pass "kiln run -t virtio apps/hello on $m (status 3)"
		else
			fail "kiln run -t virtio apps/hello on $m" "status $rc: $(tail -5 "$tmp/app-$m" | tr '\n' '|')"
		fi
	done
else
	skip "kiln run -t virtio apps/hello" "bin/kiln not built"
fi

# The block test app through the real runtime: write on microvm, reboot on
# q35 and read back; another seed must not match.
if [ -x "$KILN" ] && [ -f tests/hello/blk/kiln.app ]; then
	truncate -s 4M "$tmp/rt.img"
	# krun NAME STATUS PATTERN ARGS...: kiln run the block app, check both.
	krun() {
		local name=$1 want=$2 pat=$3
		shift 3
		timeout 120 "$KILN" run -t virtio tests/hello/blk "$@" >"$tmp/krun" 2>&1
		local rc=$?
		if [ $rc -eq "$want" ] && grep -q -- "$pat" "$tmp/krun"; then
			pass "$name"
		else
			fail "$name" "status $rc: $(tail -4 "$tmp/krun" | tr '\n' '|')"
		fi
	}
	krun "runtime block app writes (microvm)" 0 '^blk0: wrote 3 x 4096 bytes' \
		--block "$tmp/rt.img" -- --seed=9
	krun "runtime block app reads back after reboot (q35)" 0 '^blk0: verified 3 x 4096 bytes' \
		--machine q35 --block "$tmp/rt.img" -- --verify --seed=9
	krun "runtime block app sees another seed's data differ" 1 '^read back at 0 differs' \
		--block "$tmp/rt.img" -- --verify --seed=10
else
	skip "runtime block app on virtio" "bin/kiln not built"
fi

# Firecracker configuration (not run: Firecracker is not in Debian 12).
if platform/virtio/firecracker-config --mem 128M --net tap,ifname=tap0 \
	--block "file=$disk" "$img" -- --port=80 >"$tmp/fc.json" 2>"$tmp/fc.err" &&
	python3 - "$tmp/fc.json" "$disk" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
assert c["boot-source"]["boot_args"] == "-- --port=80", c
assert c["drives"][0]["path_on_host"].endswith("disk.img")
assert c["network-interfaces"][0]["host_dev_name"] == "tap0"
assert c["machine-config"]["mem_size_mib"] == 128
PY
then
	pass "firecracker config"
else
	fail "firecracker config" "$(cat "$tmp/fc.err")"
fi
if platform/virtio/firecracker-config --net user "$img" >/dev/null 2>&1; then
	fail "firecracker config refuses --net user" "accepted"
else
	pass "firecracker config refuses --net user"
fi
finish
