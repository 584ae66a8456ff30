#!/usr/bin/env bash
# kiln-hvt runs images: boot arguments, exit status, fault reports, the
# seccomp confinement and hostile hypercalls.
# timeout: 240
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/guest.sh"
cd "$ROOT"
have_kvm || {
	skip "hvt" "no usable /dev/kvm ($KVM_WHY)"
	exit 0
}
[ -x "$KILN_HVT" ] && [ -x "$KILN_HVT_TEST" ] || make -s bin/kiln-hvt bin/kiln-hvt-test || { fail "build kiln-hvt"; finish; }
tmp=$(scratch)

# --- hello: output, boot arguments, exit status ------------------------
hello=$(build_app tests/hvt/apps/hello) || { fail "build hello"; finish; }
out=$(timeout 20 "$KILN_HVT" "$hello" -- one two 2>"$tmp/err")
rc=$?
if [ $rc -eq 0 ] && grep -q '^hello from ' <<<"$out" &&
	grep -q '^arg 1: one$' <<<"$out" && grep -q '^arg 2: two$' <<<"$out"; then
	pass "hello: output and boot arguments, exit 0"
else
	fail "hello" "rc=$rc out=[$out] err=[$(cat "$tmp/err")]"
fi
timeout 20 "$KILN_HVT" --mem 8M "$hello" -- --quiet --status=3 >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 3 ] && [ ! -s "$tmp/out" ]; then
	pass "hello: exit status 3 propagates"
else
	fail "hello --status=3" "rc=$rc out=[$(cat "$tmp/out")]"
fi
timeout 20 "$KILN_HVT" "$hello" -- --bogus >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q 'unknown boot argument: --bogus' "$tmp/out"; then
	pass "hello: unknown boot argument, exit 2"
else
	fail "hello --bogus" "rc=$rc out=[$(cat "$tmp/out")]"
fi
out=$(timeout 20 "$KILN" run -t hvt tests/hvt/apps/hello -- via-kiln --status=5 2>&1)
rc=$?
if [ $rc -eq 5 ] && grep -q '^arg 1: via-kiln$' <<<"$out"; then
	pass "kiln run -t hvt: output and exit status"
else
	fail "kiln run -t hvt" "rc=$rc out=[$out]"
fi

# --- the guest's clock: a sleep takes as long as it says ---------------
t0=$(date +%s%N)
out=$(timeout 20 "$KILN_HVT" "$hello" -- --quiet --sleep-ms=300 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
slept=$(sed -n 's/^slept \([0-9]*\) ms$/\1/p' <<<"$out")
if [ $rc -eq 0 ] && [ -n "$slept" ] && [ "$slept" -ge 300 ] &&
	[ "$slept" -lt 400 ] && [ $ms -ge 300 ] && [ $ms -lt 1500 ]; then
	pass "clock: 300 ms sleep took ${slept} ms (guest) / ${ms} ms (host)"
else
	fail "clock" "rc=$rc guest=[$out] host=${ms}ms"
fi

# --- seccomp: the filter is on while the guest runs --------------------
"$KILN_HVT" "$hello" -- --quiet --sleep-ms=1500 >"$tmp/sc.out" 2>&1 &
pid=$!
on_exit "kill $pid"
seccomp=""
for _ in $(seq 50); do
	seccomp=$(sed -n 's/^Seccomp:[[:space:]]*//p' /proc/$pid/status 2>/dev/null)
	[ "$seccomp" = 2 ] && break
	sleep 0.02
done
wait $pid
rc=$?
if [ "$seccomp" = 2 ] && [ $rc -eq 0 ] && ! grep -q blocked "$tmp/sc.out"; then
	pass "seccomp: 'Seccomp: 2' while the guest runs; clean exit"
else
	fail "seccomp" "Seccomp=[$seccomp] rc=$rc out=[$(cat "$tmp/sc.out")]"
fi

# The tests' switches are in the test build only: the production monitor
# runs the guest as usual with all three set, and names none of them.
out=$(KILN_HVT_SECCOMP_EXPORT=1 KILN_HVT_SECCOMP_SELFTEST=1 KILN_HVT_BREAK_IST=1 \
	timeout 20 "$KILN_HVT" "$hello" -- one 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q 'one' <<<"$out" && ! grep -q 'filter for syscall' <<<"$out" &&
	! grep -aq 'KILN_HVT_\(SECCOMP\|BREAK\)' "$KILN_HVT" && grep -aq KILN_HVT_BREAK_IST "$KILN_HVT_TEST"; then
	pass "test switches: only in kiln-hvt-test; kiln-hvt ignores them"
else
	fail "test switches in the production monitor" "rc=$rc out=[$(head -c 300 <<<"$out")]"
fi

# The filter bites: with KILN_HVT_SECCOMP_SELFTEST the test monitor calls
# openat (257) right after installing it, which must trap.
err=$(KILN_HVT_SECCOMP_SELFTEST=1 timeout 20 "$KILN_HVT_TEST" "$hello" 2>&1 >/dev/null)
rc=$?
if [ $rc -eq 255 ] && grep -qx 'kiln-hvt: blocked system call 257 (seccomp)' <<<"$err"; then
	pass "seccomp: openat after the filter is blocked, exit 255"
else
	fail "seccomp self-test" "rc=$rc err=[$err]"
fi

# The allow-list is the one docs/hvt.md documents: the filter as
# libseccomp prints it (KILN_HVT_SECCOMP_EXPORT) names exactly the
# syscalls of the doc's table, and with --net user also exactly those of
# the paragraph after it.
doc_syscalls() { # the backquoted lower-case names between two markers
	sed -n "/^$1/,/^$2/{/^$2/!p}" docs/hvt.md | grep -o '`[a-z_0-9]*`' | tr -d '`' | sort -u
}
filter_syscalls() {
	KILN_HVT_SECCOMP_EXPORT=1 timeout 20 "$KILN_HVT_TEST" "$@" "$hello" |
		sed -n 's/^ *# filter for syscall "\([a-z_0-9]*\)".*/\1/p' | sort -u
}
always_doc=$(doc_syscalls 'Always allowed:' 'Added only when')
user_doc=$(sort -u <(echo "$always_doc") <(doc_syscalls 'Added only when' 'Everything else traps'))
always_got=$(filter_syscalls)
user_got=$(filter_syscalls --net user)
if [ -n "$always_got" ] && [ "$always_got" = "$always_doc" ] &&
	[ "$user_got" = "$user_doc" ]; then
	pass "seccomp: the filter allows exactly docs/hvt.md's syscalls ($(wc -w <<<"$always_got") / $(wc -w <<<"$user_got") with --net user)"
else
	fail "seccomp list vs docs/hvt.md" "only in the filter: $(comm -23 <(echo "$user_got") <(echo "$user_doc") | tr '\n' ' ') $(comm -23 <(echo "$always_got") <(echo "$always_doc") | tr '\n' ' ')| only in the doc: $(comm -13 <(echo "$user_got") <(echo "$user_doc") | tr '\n' ' ') $(comm -13 <(echo "$always_got") <(echo "$always_doc") | tr '\n' ' ')"
fi

# --- fault reports -------------------------------------------------------
faults=$(build_app tests/hvt/apps/faults) || { fail "build faults"; finish; }
check_fault() {
	local kind=$1 pattern=$2 err rc
	err=$(timeout 20 "$KILN_HVT" "$faults" -- --fault="$kind" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 255 ] && grep -Eq "^kiln-hvt: guest fault: $pattern at rip 0x[0-9a-f]+ rsp 0x[0-9a-f]+$" <<<"$err"; then
		pass "fault $kind: $(grep 'guest fault' <<<"$err" | head -1)"
	else
		fail "fault $kind" "rc=$rc stderr=[$err]"
	fi
}
check_fault null-read 'page fault reading 0x0 \(not present\)'
check_fault write-text 'page fault writing 0x10[0-9a-f]{4} \(protection violation\)'
check_fault exec-heap 'page fault executing 0x[0-9a-f]+ \(protection violation\)'
check_fault stack-overflow 'page fault writing 0x[0-9a-f]+ \(stack guard page\)'
check_fault stack-overflow-high 'page fault writing 0x([2-9a-f][0-9a-f]{5}|[0-9a-f]{7,}) \(stack guard page\)'
check_fault div-zero 'divide error'
timeout 20 "$KILN_HVT" "$faults" -- --fault=none >/dev/null 2>&1
check "faults: --fault=none exits 0" test $? -eq 0
# With the exception stack on its guard page (KILN_HVT_BREAK_IST, the
# test monitor only) the supervisor cannot take the fault: a triple fault, reported.
err=$(KILN_HVT_BREAK_IST=1 timeout 20 "$KILN_HVT_TEST" "$faults" -- --fault=null-read 2>&1 >/dev/null)
rc=$?
if [ $rc -eq 255 ] && grep -Eqx 'kiln-hvt: guest fault: triple fault \(the supervisor could not handle an exception\) at rip 0x[0-9a-f]+ rsp 0x[0-9a-f]+' <<<"$err"; then
	pass "broken exception stack: $err"
else
	fail "triple fault report" "rc=$rc err=[$err]"
fi

# --- a hostile guest: bad pointers to every hypercall --------------------
build_guest tests/hvt/guests/badptr.host "$tmp/badptr" || { fail "build badptr"; finish; }
head -c 8192 /dev/zero >"$tmp/disk.img"
# --net user: a device to hang frame areas on (loads libslirp's module).
[ -e bin/kiln-hvt-usernet.so ] || make -s bin/kiln-hvt-usernet.so
out=$(timeout 20 "$KILN_HVT" --block file="$tmp/disk.img" --net user \
	"$tmp/badptr" 2>"$tmp/err")
rc=$?
refused=$(grep -c '(refused)$' "$tmp/err")
if [ $rc -eq 255 ] && [ "$out" = "survived all checks" ] &&
	[ "$refused" -ge 80 ] &&
	grep -q '^kiln-hvt: guest aborted: (bad message pointer 0x0)$' "$tmp/err" &&
	! grep -qi 'sanitizer\|segmentation' "$tmp/err"; then
	pass "bad pointers: $refused hypercalls refused and reported, monitor intact"
else
	fail "bad pointers" "rc=$rc out=[$out] refused=$refused err=[$(tail -5 "$tmp/err")]"
fi

# --- a guest that breaks its frame rings: a fault report, never more ------
build_guest tests/hvt/guests/badring.host "$tmp/badring" || { fail "build badring"; finish; }
err=$(timeout 20 "$KILN_HVT" --net user "$tmp/badring" -- ok 2>&1 >/dev/null)
rc=$?
[ $rc -eq 0 ] && ! grep -q "fault\|refused)" <<<"$err" && pass "frame rings used by the rules: frame taken" ||
	fail "frame rings used by the rules" "rc=$rc err=[$err]"
for what in tx-ahead tx-align tx-zero tx-long tx-over tx-wrap rx-ahead rx-align; do
	ring=transmit
	[ "${what%%-*}" = rx ] && ring=receive
	err=$(timeout 20 "$KILN_HVT" --net user "$tmp/badring" -- $what 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 255 ] && grep -q "^kiln-hvt: guest fault: net0: $ring ring: .* at rip 0x" <<<"$err" &&
		! grep -qi 'sanitizer\|segmentation' <<<"$err"; then
		pass "broken frame ring '$what': $err"
	else
		fail "broken frame ring '$what'" "rc=$rc err=[$err]"
	fi
done

# --- a block device through platform.h -------------------------------------
blockapp=$(build_app tests/hvt/apps/block) || { fail "build block app"; finish; }
head -c 65536 /dev/zero >"$tmp/blk.img"
out=$(timeout 20 "$KILN_HVT" --block file="$tmp/blk.img" "$blockapp" 2>&1)
rc=$?
want=$(python3 -c 'import sys; sys.stdout.buffer.write(bytes(((i*7+i//512)&255) for i in range(8192)))' | md5sum)
got=$(tail -c +513 "$tmp/blk.img" | head -c 8192 | md5sum)
if [ $rc -eq 0 ] && [ "$out" = "block ok 65536" ] && [ "$want" = "$got" ]; then
	pass "block: 16 sectors written, flushed, read back; file holds them"
else
	fail "block" "rc=$rc out=[$out]"
fi

# --- privileged instructions and a wait that could never end ------------
build_guest tests/hvt/guests/misbehave.host "$tmp/misbehave" || { fail "build misbehave"; finish; }
while read -r what pattern; do
	err=$(timeout 20 "$KILN_HVT" "$tmp/misbehave" -- "$what" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 255 ] && grep -q "^kiln-hvt: $pattern" <<<"$err"; then
		pass "misbehaving guest '$what': $err"
	else
		fail "misbehaving guest '$what'" "rc=$rc err=[$err]"
	fi
done <<'LIST'
wait guest waits forever
wait-long guest waits forever
hlt guest fault: general protection at rip
cr3 guest fault: general protection at rip
LIST
# outb $0x80 from CPL 3: on KVMs that run guest user mode in host ring 3
# (PVM) IOPL 3 does not survive entry and the TSS bitmap closes the port:
# a general-protection fault. On hardware KVM, IOPL 3 lets the access
# exit to the monitor, which refuses it; the guest then exits 0.
err=$(timeout 20 "$KILN_HVT" "$tmp/misbehave" -- port 2>&1 >/dev/null)
rc=$?
if { [ $rc -eq 255 ] && grep -qx 'kiln-hvt: guest fault: general protection at rip 0x[0-9a-f]* rsp 0x[0-9a-f]*' <<<"$err"; } ||
	{ [ $rc -eq 0 ] && [ "$err" = "kiln-hvt: guest error: unknown port access 0x80 (size 1, out) (refused)" ]; }; then
	pass "misbehaving guest 'port': rc $rc, $err"
else
	fail "misbehaving guest 'port'" "rc=$rc err=[$err]"
fi
# A plain ud2 on a page's last two bytes, the next page unmapped: an
# invalid opcode, not a supervisor fault reading past the page.
build_guest tests/hvt/guests/edge.host "$tmp/edge" ||
	{ fail "build misbehave (edge)"; finish; }
err=$(timeout 20 "$KILN_HVT" "$tmp/edge" -- ud2-edge 2>&1 >/dev/null)
rc=$?
if [ $rc -eq 255 ] && grep -qx 'kiln-hvt: guest fault: invalid opcode at rip 0x[0-9a-f]*ffe rsp 0x[0-9a-f]*' <<<"$err"; then
	pass "ud2 at a page's end before an unmapped page: $err"
else
	fail "ud2 at a page's end" "rc=$rc err=[$err]"
fi

# --- the default target: hvt only where a VM can be created -------------
# In a private mount namespace /dev/null stands over /dev/kvm: it opens,
# but no VM can be made, so kiln builds for unix and have_kvm says no.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
	rm -rf tests/hvt/apps/hello/_build/unix
	on_exit "rm -rf '$ROOT/tests/hvt/apps/hello/_build/unix'"
	"$KILN" build tests/hvt/apps/hello >"$tmp/def.out" 2>&1
	rc_kvm=$?
	unshare -m bash -c 'mount --bind /dev/null /dev/kvm &&
		source tests/lib.sh && { have_kvm && echo "have_kvm: yes" || echo "have_kvm: no"; } &&
		"$KILN" build tests/hvt/apps/hello' >"$tmp/nokvm.out" 2>&1
	rc_nokvm=$?
	if [ $rc_kvm -eq 0 ] && ! grep -q '_build/unix/' "$tmp/def.out" &&
		[ $rc_nokvm -eq 0 ] && grep -qx 'have_kvm: no' "$tmp/nokvm.out" &&
		grep -q '^kiln: built tests/hvt/apps/hello/_build/unix/hvthello ' "$tmp/nokvm.out"; then
		pass "default target: hvt with KVM; unix (and have_kvm false) when /dev/kvm opens but makes no VM"
	else
		fail "default target" "with KVM: [$(tail -2 "$tmp/def.out")] without: [$(grep -v '^  ' "$tmp/nokvm.out")]"
	fi
else
	skip "default target fallback" "needs root and unshare for a private mount namespace"
fi

# --- monitor errors: one line, exit 2 ------------------------------------
check_usage() {
	local name=$1 pattern=$2 err rc
	shift 2
	err=$(timeout 10 "$KILN_HVT" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q -- "$pattern" <<<"$err"; then
		pass "usage: $name"
	else
		fail "usage: $name" "rc=$rc err=[$err]"
	fi
}
check_usage "no image" 'no IMAGE given'
check_usage "unknown option" 'unknown option --frob' --frob "$hello"
check_usage "bad --mem" '--mem' --mem 12Q "$hello"
check_usage "missing image" 'No such file' "$tmp/nope"
check_usage "bad --block" 'expected file=PATH' --block disk.img "$hello"
"$KILN_HVT" --help | grep -q '^usage: kiln-hvt'
check "usage: --help" test $? -eq 0
finish
