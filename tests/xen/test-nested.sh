#!/usr/bin/env bash
# The xen launcher's host side (platform/xen/launch, platform/xen/nested):
# the nested Xen environment (built once, reused in well under a second,
# the same bytes from a second build), the xl configuration, and real
# runs under Xen 4.17 nested in QEMU TCG with a Linux PVH domU standing in
# for a Kiln guest (tests/xen/nested/domu-init): the console arrives on
# stdout while the guest runs; exit statuses (the guest's xenstore key,
# none -> 255, crash -> 255, reboot -> 255, a bad image -> 125 in one
# line); a disk whose
# writes land in the host's file and are read back by a second run; HTTP
# from the host through kiln-usernet's port forward (and, where network
# namespaces can be made, a tap beside it); a never-ending guest ended by
# its bound with nothing left running. A Linux domU boots in 20-40 s here.
# First, without QEMU, the Xen-host mode against a fake xl
# (tests/xen/nested/fake-xl): IMAGE.xl, the statuses, a failed xl create,
# --net there, a stop signal.
# timeout: 1200
# lane: tcg
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"

# run NAME WANT CMD...: CMD under the bound, stdout to $tmp/NAME.out,
# stderr to $tmp/NAME.err; PASS/FAIL on its exit status.
run() {
	local name=$1 want=$2
	shift 2
	timeout --kill-after=10 "$BOUND" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit status $want" "got $rc; $(tail -6 "$tmp/$name.out" "$tmp/$name.err" | tr '\n' '|')"
		return 1
	fi
	pass "$name: exit status $want"
}
# expect NAME FILE PATTERN
expect() {
	if grep -qE -- "$3" "$2"; then
		pass "$1"
	else
		fail "$1" "no line matching '$3' in $(basename "$2"): $(tail -6 "$2" | tr '\n' '|')"
	fi
}
# nothing_left NAME PATTERN: no process whose command line matches.
nothing_left() {
	local i
	for i in $(seq 30); do
		pgrep -f -- "$2" >/dev/null || break
		sleep 0.2
	done
	if pgrep -f -- "$2" >/dev/null; then
		fail "$1: nothing left running" "$(pgrep -af -- "$2" | cut -c1-120 | head -3 | tr '\n' '|')"
		pgrep -f -- "$2" | xargs -r kill -9
	else
		pass "$1: nothing left running"
	fi
}

# ------------------------------------ the Xen-host mode, with a fake xl
# (no Xen host here: tests/xen/nested/fake-xl plays xl and xenstore-read)
fk=$(scratch)
mkdir -p "$fk/bin" "$fk/state"
cp tests/xen/nested/fake-xl "$fk/bin/xl"
cp tests/xen/nested/fake-xl "$fk/bin/xenstore-read"
echo "control_d" >"$fk/caps"
head -c 4096 /dev/zero >"$fk/img"
# host NAME MODE WANT [OPTIONS...]: run the launcher against the fake.
host() {
	local name=$1 mode=$2 want=$3
	shift 3
	rm -f "$fk/state"/*
	echo "$mode" >"$fk/state/mode"
	PATH="$fk/bin:$PATH" FAKE_XEN=$fk/state KILN_XEN_CAPABILITIES=$fk/caps \
		timeout 30 platform/xen/launch "$@" "$fk/img" -- a b >"$fk/$name.out" 2>"$fk/$name.err" </dev/null
	local rc=$?
	if [ $rc -eq "$want" ]; then pass "xen host ($name): exit status $want"; else
		fail "xen host ($name): exit status $want" "got $rc: $(tr '\n' '|' <"$fk/$name.err")"
	fi
}
host exit exit:3 3
expect "xen host: guest console on stdout" "$fk/exit.out" '^fake guest: a b$'
expect "xen host: IMAGE.xl beside the image" "$fk/img.xl" '^kernel = "/.*/img"$'
expect "xen host: xl create -c" "$fk/state/calls" '^xl create -c .*/img\.xl$'
expect "xen host: the domain destroyed" "$fk/state/destroyed" 'destroyed'
if grep -q 'no Xen host' "$fk/exit.err"; then fail "xen host: not nested"; else pass "xen host: not nested"; fi
host noexit noexit 255
expect "xen host: no status said" "$fk/noexit.err" '^xen: guest stopped without an exit status$'
host crash crash 255
expect "xen host: crash said" "$fk/crash.err" '^xen: guest crashed'
host reboot reboot 255
expect "xen host: reboot said" "$fk/reboot.err" '^xen: guest triple-faulted or rebooted$'
host createfail createfail 125
if [ "$(wc -l <"$fk/createfail.err")" -eq 1 ] && grep -q '^xen: xl create failed: libxl: error: .*Invalid kernel' "$fk/createfail.err"; then
	pass "xen host: xl create failure in one line"
else
	fail "xen host: xl create failure in one line" "$(tr '\n' '|' <"$fk/createfail.err")"
fi
# --net user on a Xen host: the vif on a bridge of the run's own whose
# tap kiln-usernet serves through kiln-tap-relay (the relay's own test is
# tests/usernet/test-tap-relay.sh); bridge and tap gone afterwards. In a
# namespace, since the launcher makes interfaces.
if have_netns; then
	uns="kiln-xhost-$$"
	make_netns "$uns"
	rm -f "$fk/state"/*
	echo exit:0 >"$fk/state/mode"
	PATH="$fk/bin:$PATH" FAKE_XEN=$fk/state KILN_XEN_CAPABILITIES=$fk/caps \
		ip netns exec "$uns" timeout 30 platform/xen/launch --net user,hostfwd=tcp:127.0.0.1:18093-:80 \
		"$fk/img" -- a b >"$fk/user.out" 2>"$fk/user.err" </dev/null
	rc=$?
	if [ $rc -eq 0 ]; then pass "xen host (user): exit status 0"; else
		fail "xen host (user): exit status 0" "got $rc: $(tr '\n' '|' <"$fk/user.err")"
	fi
	expect "xen host: --net user, the vif on the run's own bridge" "$fk/img.xl" "^vif = \[ 'bridge=kxb[0-9]+n0,mac=00:16:3e:4b:00:00' \]$"
	left=$(ip -n "$uns" -o link show | grep -c 'kx[bt][0-9]')
	if [ "$left" -eq 0 ]; then pass "xen host: --net user, bridge and tap removed afterwards"; else
		fail "xen host: --net user, bridge and tap removed afterwards" "$left left"
	fi
else
	skip "xen host: --net user" "$NETNS_WHY"
fi
KILN_XEN_BRIDGE=kilnbr host user-bridge exit:0 0 --mem 32M --net user,hostfwd=tcp:127.0.0.1:8080-:80 --block "file=$fk/img"
expect "xen host: forwards not set up, said" "$fk/user-bridge.err" 'port forwards .* are not set up'
expect "xen host: vif on the named bridge" "$fk/img.xl" "^vif = \[ 'bridge=kilnbr,mac=00:16:3e:4b:00:00' \]$"
expect "xen host: the disk by its path" "$fk/img.xl" "^disk = \[ 'format=raw,vdev=xvda,access=rw,target=/.*/img' \]$"
expect "xen host: memory" "$fk/img.xl" '^memory = 32$'
# A never-ending guest and a stop signal: xl ended, the domain destroyed.
rm -f "$fk/state"/*
echo forever >"$fk/state/mode"
PATH="$fk/bin:$PATH" FAKE_XEN=$fk/state KILN_XEN_CAPABILITIES=$fk/caps \
	platform/xen/launch "$fk/img" >"$fk/forever.out" 2>&1 </dev/null &
lp=$!
wait_for 10 grep -q '^fake guest' "$fk/forever.out"
kill -TERM "$lp"
wait "$lp"
rc=$?
if [ $rc -ne 0 ] && [ -f "$fk/state/destroyed" ]; then pass "xen host: a stop signal destroys the domain (status $rc)"; else
	fail "xen host: a stop signal destroys the domain" "status $rc"
fi
nothing_left "xen host: stop" "$fk/bin/xl"

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "xen nested" "qemu-system-x86_64 not installed (scripts/deps.sh)"
	exit 0
fi
if ! printf 'quit\n' | timeout 30 qemu-system-x86_64 -M q35 -cpu max -accel tcg -nodefaults \
	-display none -S -monitor stdio >/dev/null 2>&1; then
	skip "xen nested" "qemu-system-x86_64 -M q35 -accel tcg cannot run here"
	exit 0
fi

tmp=$(scratch)
LAUNCH=platform/xen/launch
NESTED=_build/xen-nested
BOUND=${KILN_XEN_BOUND:-400}

# ------------------------------------------------- the cached environment
if ! platform/xen/nested/build.sh "$NESTED" 2>"$tmp/build.err"; then
	fail "nested environment builds" "$(tail -3 "$tmp/build.err" | tr '\n' '|')"
	finish
fi
pass "nested environment builds"
t0=$(date +%s%N)
platform/xen/nested/build.sh "$NESTED"
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -lt 500 ]; then pass "second build reuses the cache (${ms} ms)"; else fail "second build reuses the cache" "${ms} ms"; fi
# Only when asked: a second full build (~30 s) must give the same bytes.
if [ "${KILN_XEN_REBUILD:-0}" = 1 ]; then
	if platform/xen/nested/build.sh --quiet "$tmp/again" &&
		cmp -s "$tmp/again/dom0.cpio.gz" "$NESTED/dom0.cpio.gz" &&
		cmp -s "$tmp/again/xen.elf" "$NESTED/xen.elf" &&
		cmp -s "$tmp/again/vmlinux" "$NESTED/vmlinux"; then
		pass "a second build gives the same bytes"
	else
		fail "a second build gives the same bytes"
	fi
	rm -rf "$tmp/again"
fi

# The stand-in guest: Debian's kernel as a PVH domU (gzip'd ELF: xl
# inflates it in a second, the bzImage's xz would take ten), with a tiny
# busybox initramfs; 160M because the kernel alone takes 58.
gzip -1nc "$NESTED/vmlinux" >"$tmp/vmlinux.gz"
tests/xen/nested/mkdomu.sh "$NESTED" tests/xen/nested/domu-init "$tmp/domu.cpio.gz" ||
	{
		fail "domU initramfs" "mkdomu.sh failed"
		finish
	}
KARGS="console=hvc0 rdinit=/init quiet loglevel=2 mitigations=off init_on_alloc=0 cryptomgr.notests pci=off"
DOMU=(--mem 160M --ramdisk "$tmp/domu.cpio.gz" "$tmp/vmlinux.gz")

# ---------------------------------------------------------- the xl config
blk=$tmp/disk.img
truncate -s 4M "$blk"
if "$LAUNCH" --dry-run --mem 96M --net user,hostfwd=tcp:127.0.0.1:1-:80 --block "file=$blk" \
	"$tmp/vmlinux.gz" -- a 'b"c' >"$tmp/dry.out" 2>"$tmp/dry.err"; then
	pass "dry run"
	expect "dry run: PVH" "$tmp/dry.out" '^type = "pvh"$'
	expect "dry run: memory" "$tmp/dry.out" '^memory = 96$'
	expect "dry run: command line quoted" "$tmp/dry.out" '^cmdline = "a b\\"c"$'
	expect "dry run: vif on xenbr0" "$tmp/dry.out" "^vif = \[ 'bridge=xenbr0,mac=00:16:3e:4b:00:00' \]$"
	expect "dry run: disk from the QEMU drive" "$tmp/dry.out" "^disk = \[ 'format=raw,vdev=xvda,access=rw,target=@BLK0@' \]$"
	expect "dry run: crashes preserved" "$tmp/dry.out" '^on_crash = "preserve"$'
	expect "dry run: reboots preserved" "$tmp/dry.out" '^on_reboot = "preserve"$'
	expect "dry run: kiln-usernet, not QEMU's slirp" "$tmp/dry.out" 'kiln-usernet --net user,hostfwd=tcp:127.0.0.1:1-:80 --peer-fd 10 -- .*-netdev stream,id=net0,addr.type=fd'
	expect "dry run: TCG, no SMAP" "$tmp/dry.out" '-cpu max,-smap,-rdtscp -accel tcg'
	if grep -q -- '-netdev user' "$tmp/dry.out"; then fail "dry run: no QEMU slirp"; else pass "dry run: no QEMU slirp"; fi
else
	fail "dry run" "$(cat "$tmp/dry.err")"
fi
"$LAUNCH" --mem 12X "$tmp/vmlinux.gz" >/dev/null 2>"$tmp/badmem.err"
rc=$?
if [ $rc -eq 125 ] && [ "$(wc -l <"$tmp/badmem.err")" -eq 1 ]; then pass "bad --mem: one line, 125"; else fail "bad --mem: one line, 125" "status $rc: $(cat "$tmp/badmem.err")"; fi

# -------------------------------------------------------- a bad image
head -c 65536 /dev/urandom >"$tmp/bad.img"
if run "bad image" 125 "$LAUNCH" --xen-log "$tmp/bad.log" "$tmp/bad.img"; then
	n=$(grep -v '^xen: no Xen host' "$tmp/bad image.err" | grep -c .)
	if [ "$n" -eq 1 ] && grep -q '^xen: xl create failed' "$tmp/bad image.err"; then
		pass "bad image: one line ($(grep '^xen: xl' "$tmp/bad image.err" | cut -c1-90)...)"
	else
		fail "bad image: one line" "$(tr '\n' '|' <"$tmp/bad image.err")"
	fi
fi
expect "nested mode said in one line" "$tmp/bad image.err" '^xen: no Xen host; running nested under QEMU TCG \(slow\)$'
if [ -s "$tmp/bad.log" ] && grep -q 'Xen version 4.17' "$tmp/bad.log" && ! grep -q 'Xen' "$tmp/bad image.out"; then
	pass "Xen's output in --xen-log, not on stdout"
else
	fail "Xen's output in --xen-log, not on stdout"
fi

# The runs below boot a Linux domU (20-40 s each, five of them): they
# check the launcher with a guest that is not Kiln's (a crash, a reboot, no
# exit status, a disk, HTTP through kiln-usernet and a tap). Kiln guests
# cover the same paths in tests/xen/test-xen.sh, so the suite leaves these
# to `make test-long` (KILN_TEST_LONG=1).
if [ "${KILN_TEST_LONG:-0}" != 1 ]; then
	echo "note: the Linux-domU runs are in make test-long (KILN_TEST_LONG=1)"
	finish
fi

# ------------------------------------ block: a write, then a second run
marker=m$$-$RANDOM
if run "block write" 7 "$LAUNCH" --xen-log "$tmp/w.log" --block "file=$blk" "${DOMU[@]}" \
	-- $KARGS kiln.mode=write kiln.marker=$marker kiln.status=7; then
	expect "block write: guest's console on stdout" "$tmp/block write.out" "^domu: wrote $marker"
	if head -c 64 "$blk" | grep -aq "KILN-MARKER $marker"; then pass "block write: in the host's file"; else fail "block write: in the host's file"; fi
fi
if run "block read, no exit status" 255 "$LAUNCH" --xen-log "$tmp/r.log" --block "file=$blk" "${DOMU[@]}" \
	-- $KARGS kiln.mode=read; then
	expect "block read: the first run's marker" "$tmp/block read, no exit status.out" "^domu: read KILN-MARKER $marker"
	expect "no exit status: said" "$tmp/block read, no exit status.err" '^xen: guest stopped without an exit status$'
fi

# ------------------------------------------------------------- a crash
# ... with a dom0 script beside it (DOMID set, files in /run/kiln/files).
printf 'seen from dom0\n' >"$tmp/note.txt"
cat >"$tmp/dom0.sh" <<'SCRIPT'
echo "domain $DOMID is $(xenstore-read /local/domain/$DOMID/name)"
cat files/note.txt
SCRIPT
if run "crash" 255 "$LAUNCH" --xen-log "$tmp/c.log" --dom0-script "$tmp/dom0.sh" --dom0-file "$tmp/note.txt" \
	--dom0-out "$tmp/dom0.out" "${DOMU[@]}" -- $KARGS kiln.mode=crash; then
	expect "crash: said" "$tmp/crash.err" '^xen: guest crashed'
	expect "crash: console before it" "$tmp/crash.out" '^domu: crashing'
	expect "dom0 script: ran beside the guest" "$tmp/dom0.out" '^domain [0-9]+ is kiln-guest$'
	expect "dom0 script: its files" "$tmp/dom0.out" '^seen from dom0$'
fi

# ------------------------------------------- a reboot (a triple fault)
if run "reboot" 255 "$LAUNCH" --xen-log "$tmp/rb.log" "${DOMU[@]}" -- $KARGS kiln.mode=reboot; then
	expect "reboot: said" "$tmp/reboot.err" '^xen: guest triple-faulted or rebooted$'
fi

# ------------------------- HTTP through kiln-usernet (and a tap), bound
port=$((20000 + RANDOM % 20000))
while ss -Htln "sport = :$port" | grep -q .; do port=$((port + 1)); done
ns=
net=(--net "user,hostfwd=tcp:127.0.0.1:$port-:80")
extra=
in_ns=()
if have_netns; then
	ns=kiln-xen-$$
	make_netns "$ns"
	ip -n "$ns" tuntap add dev ktap0 mode tap
	ip -n "$ns" addr add 198.18.1.1/24 dev ktap0
	ip -n "$ns" link set ktap0 up
	net+=(--net tap,ifname=ktap0)
	extra=kiln.ip1=198.18.1.2/24
	in_ns=(ip netns exec "$ns")
else
	skip "http over a tap" "$NETNS_WHY"
fi
xlog=$tmp/http.log
${in_ns[@]+"${in_ns[@]}"} timeout -s TERM "$BOUND" "$LAUNCH" --xen-log "$xlog" "${net[@]}" "${DOMU[@]}" \
	-- $KARGS kiln.mode=http $extra >"$tmp/http.out" 2>"$tmp/http.err" </dev/null &
tpid=$!
got=
for _ in $(seq $((BOUND - 20))); do
	if got=$(${in_ns[@]+"${in_ns[@]}"} curl -s -m 3 "http://127.0.0.1:$port/") && [ -n "$got" ]; then
		break
	fi
	got=
	kill -0 "$tpid" 2>/dev/null || break
	sleep 1
done
if [ "$got" = "served by a Linux PVH domU" ]; then
	pass "http through kiln-usernet's forward 127.0.0.1:$port"
else
	fail "http through kiln-usernet's forward 127.0.0.1:$port" "got '$got'; $(tail -4 "$tmp/http.out" "$tmp/http.err" | tr '\n' '|')"
fi
# The guest is still running: what it printed is already on stdout.
expect "console streamed live" "$tmp/http.out" '^domu: httpd up'
expect "DHCP lease from kiln-usernet" "$tmp/http.out" '^domu: address 198\.18\.0\.15/24'
if [ -n "$ns" ]; then
	if ${in_ns[@]+"${in_ns[@]}"} curl -s -m 5 http://198.18.1.2/ | grep -q 'served by a Linux PVH domU'; then
		pass "http over a tap (198.18.1.2 in a namespace)"
	else
		fail "http over a tap (198.18.1.2 in a namespace)" "$(tail -4 "$tmp/http.out" | tr '\n' '|')"
	fi
fi
# End the never-ending guest the way a bound does.
kill -TERM "$tpid" 2>/dev/null
wait "$tpid"
rc=$?
if [ $rc -ne 0 ]; then pass "bound ends the run (status $rc)"; else fail "bound ends the run" "status 0"; fi
nothing_left "bound" "$xlog"
nothing_left "bound: kiln-usernet" "hostfwd=tcp:127.0.0.1:$port-"

finish
