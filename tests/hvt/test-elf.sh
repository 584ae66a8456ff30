#!/usr/bin/env bash
# kiln-hvt refuses bad images with one clear line and exit 2, and never
# crashes on one: named defects, then 1000 random mutations of a good
# image, all against a kiln-hvt built with ASan and UBSan. Images that
# pass validation run (when KVM is there): a clean run or a guest fault
# report is fine, a sanitizer report or a signal is not.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/guest.sh"
cd "$ROOT"
tmp=$(scratch)
# kiln-hvt's own manifest, built with --sanitize (into _build/host-san/).
asan="$ROOT/_build/host-san/monitor/hvt/kiln-hvt/kiln-hvt"
if ! "$KILN" build --sanitize monitor/hvt/kiln-hvt.host >"$tmp/cc.log" 2>&1; then
	fail "build kiln-hvt with ASan" "$(tail -5 "$tmp/cc.log")"
	finish
fi
# Leak checking needs ptrace, which the seccomp filter forbids.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1

build_guest tests/hvt/guests/probe.host "$tmp/good" || { fail "build probe"; finish; }
mkdir -p "$tmp/named" "$tmp/random"
python3 tests/hvt/mutate.py "$tmp/good" "$tmp" 1000 || { fail "mutate.py"; finish; }

# name REASON-PATTERN
while read -r name pattern; do
	img="$tmp/named/$name"
	err=$(timeout 10 "$asan" --mem 64M "$img" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] &&
		grep -Eq "^kiln-hvt: $img: .*($pattern)" <<<"$err"; then
		pass "bad image $name: ${err#*: *: }"
	else
		fail "bad image $name" "rc=$rc err=[$err]"
	fi
done <<'LIST'
empty too short
truncated-ident too short
truncated-header truncated ELF header
truncated-phdrs program headers beyond end of file
truncated-data beyond end of file
bad-magic bad magic
class32 not a 64-bit
big-endian not a little-endian
machine-i386 not an x86_64
type-dyn position-independent
type-rel not an executable
phentsize program header size
phnum-huge program headers \(at most
phoff-wraps program headers beyond end of file
segment-beyond-memory outside guest memory
segment-size-wraps outside guest memory
segment-below-1m outside guest memory
filesz-over-memsz exceeds memory size
offset-beyond-file beyond end of file
write-and-exec writable and executable
misaligned alignment
overlapping overlap
entry-outside outside every segment
entry-not-exec non-executable segment
interp dynamically linked
LIST

# The same image fits in 64M but not in 2M.
err=$(timeout 10 "$asan" --mem 2M "$tmp/named/big-bss" 2>&1 >/dev/null)
rc=$?
if [ $rc -eq 2 ] && grep -q 'outside guest memory' <<<"$err"; then
	pass "image larger than --mem 2M: ${err#*: *: }"
else
	fail "image larger than --mem 2M" "rc=$rc err=[$err]"
fi
if have_kvm; then
	out=$(timeout 10 "$asan" --mem 64M "$tmp/named/big-bss" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "hello from CPL 3" ]; then
		pass "the same image runs in 64M"
	else
		fail "big-bss in 64M" "rc=$rc out=[$out]"
	fi
fi

# Random mutations: refusal (2), clean run (0), guest fault (255) or a
# guest that loops until the timeout (124); never a crash.
refused=0 ran=0 faulted=0 looped=0 crashed=0 first=""
for img in "$tmp"/random/*; do
	timeout 2 "$asan" --mem 64M "$img" >/dev/null 2>"$tmp/err"
	rc=$?
	case $rc in
	2) refused=$((refused + 1)) ;;
	0) ran=$((ran + 1)) ;;
	255) faulted=$((faulted + 1)) ;;
	124) looped=$((looped + 1)) ;;
	*) crashed=$((crashed + 1)) ;;
	esac
	if grep -q 'Sanitizer\|runtime error\|blocked system call' "$tmp/err"; then
		crashed=$((crashed + 1))
	fi
	if [ $crashed -gt 0 ] && [ -z "$first" ]; then
		first="$img (rc=$rc): $(head -3 "$tmp/err")"
		cp "$img" "$ROOT/_build/hvt-asan/crash-image"
	fi
done
summary="$refused refused, $ran ran, $faulted faulted, $looped looped"
if [ $crashed -eq 0 ]; then
	pass "1000 mutated images: $summary, 0 crashes"
else
	fail "mutated images" "$crashed crashes ($summary); first: $first"
fi
finish
