#!/usr/bin/env bash
# apps/hello on the unix target (normal and --sanitize builds) and on hvt
# under kiln-hvt (skipped without KVM): greeting, boot arguments,
# interleaved fibers, timers, exit statuses; and the block device path
# with tests/hello/blk.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || make -s bin/kiln >/dev/null 2>&1
if [ ! -x "$KILN" ]; then
	fail "kiln" "bin/kiln cannot be built"
	finish
fi
tmp=$(scratch)
export ASAN_OPTIONS=detect_leaks=1

for variant in plain sanitize hvt; do
	flags=()
	dir=unix
	target=unix
	if [ $variant = sanitize ]; then
		flags=(--sanitize)
		dir=unix-san
	elif [ $variant = hvt ]; then
		if ! have_kvm; then
			skip "hello on hvt" "$KVM_WHY"
			continue
		fi
		[ -x "$KILN_HVT" ] || make -s bin/kiln-hvt >/dev/null 2>&1
		dir=hvt
		target=hvt
	fi
	if ! "$KILN" build -t $target "${flags[@]}" apps/hello >"$tmp/build.log" 2>&1; then
		fail "hello build ($variant)" "$(tail -5 "$tmp/build.log")"
		continue
	fi
	img=apps/hello/_build/$dir/hello
	pass "hello build ($variant)"
	# How the image runs: a unix image is a program; an hvt image runs
	# under kiln-hvt. Boot arguments follow -- in both.
	run=("$img")
	[ $target = hvt ] && run=("$KILN_HVT" "$img")

	t0=$(date +%s%N)
	timeout 20 "${run[@]}" -- one two >"$tmp/out" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	expected="Hello from Kiln!
target: $target
arg: one
arg: two
fiber A: 1
fiber B: 1
fiber A: 2
fiber B: 2
fiber A: 3
fiber B: 3
goodbye"
	got=$(grep -v -e '^monotonic: ' -e '^wall: ' -e '^slept ' "$tmp/out")
	if [ $rc -eq 0 ] && [ "$got" = "$expected" ]; then
		pass "hello output and exit 0 ($variant)"
	else
		fail "hello output ($variant)" "status $rc: $(tr '\n' '|' <"$tmp/out")"
	fi
	# The fibers print 70 ms apart while main sleeps 3 x 100 ms: their
	# third round comes after main's first sleep ended (40 ms margin).
	n_slept=$(grep -n '^slept 1:' "$tmp/out" | cut -d: -f1)
	n_third=$(grep -n '^fiber A: 3$' "$tmp/out" | cut -d: -f1)
	if [ -n "$n_slept" ] && [ -n "$n_third" ] && [ "$n_slept" -lt "$n_third" ]; then
		pass "hello fibers interleave with the sleeps ($variant)"
	else
		fail "hello fibers interleave with the sleeps ($variant)" "slept 1 at line '$n_slept', fiber A: 3 at line '$n_third'"
	fi
	# Three 100 ms sleeps: each reported at least 100 ms, the whole run
	# at least 300 ms and not absurdly long.
	slept=$(sed -n 's/^slept [0-9]: \([0-9]*\) ms$/\1/p' "$tmp/out" | tr '\n' ' ')
	ok=1
	for s in $slept; do [ "$s" -ge 100 ] && [ "$s" -lt 200 ] || ok=0; done
	if [ $ok = 1 ] && [ "$(echo $slept | wc -w)" -eq 3 ] && [ $ms -ge 300 ]; then
		pass "hello sleeps 3 x 100 ms ($variant: $slept; run ${ms} ms)"
	else
		fail "hello sleeps ($variant)" "slept '$slept', run ${ms} ms"
	fi
	# The wall clock is today's, give or take a minute.
	wall=$(sed -n 's/^wall: \([0-9]*\)\..*/\1/p' "$tmp/out")
	now=$(date +%s)
	if [ -n "$wall" ] && [ $((wall - now)) -lt 60 ] && [ $((now - wall)) -lt 60 ]; then
		pass "hello wall clock ($variant)"
	else
		fail "hello wall clock ($variant)" "wall '$wall', host $now"
	fi
	grep -q '^monotonic: 0\.' "$tmp/out" && pass "hello monotonic starts near 0 ($variant)" ||
		fail "hello monotonic ($variant)" "$(grep monotonic "$tmp/out")"

	timeout 20 "${run[@]}" -- --fail >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 3 ] && grep -q 'failing as asked' "$tmp/out" &&
		pass "hello --fail exits 3 ($variant)" ||
		fail "hello --fail ($variant)" "status $rc"

	timeout 20 "${run[@]}" -- --bogus >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -qx 'unknown boot argument: --bogus' "$tmp/out" &&
		! grep -q 'Hello' "$tmp/out"; then
		pass "hello --bogus exits 2 with a clear line ($variant)"
	else
		fail "hello --bogus ($variant)" "status $rc: $(cat "$tmp/out")"
	fi
done

# hello uses only rt, so it builds for every target there is.
for target in $("$KILN" targets | awk '{print $1}'); do
	[ "$target" = unix ] && continue
	if "$KILN" build -t "$target" apps/hello >"$tmp/build-$target.log" 2>&1; then
		pass "hello builds for $target"
	else
		fail "hello build for $target" "$(tail -3 "$tmp/build-$target.log")"
	fi
done

# Host option mistakes: one clear line, status 2.
img=apps/hello/_build/unix/hello
check_host_error() {
	local want=$1
	shift
	timeout 10 "$img" "$@" >"$tmp/out" 2>&1
	local rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
		grep -q "^kiln: .*$want" "$tmp/out"; then
		pass "host option error: $*"
	else
		fail "host option error: $*" "status $rc: $(cat "$tmp/out")"
	fi
}
check_host_error "bad size" --mem 12Q
check_host_error "outside" --mem 1K
check_host_error "needs a value" --mem
check_host_error "unknown kind" --net bridge
check_host_error "ifname=NAME is required" --net tap
check_host_error "127.0.0.1 only" --net user,hostfwd=tcp:0.0.0.0:8080-:80
check_host_error "bad hostfwd" --net user,hostfwd=tcp:127.0.0.1:99999-:80
check_host_error "expected file=PATH" --block disk.img
check_host_error "unknown host option" --bogus
check_host_error "unknown host option" stray-word
timeout 10 "$img" --mem=16M --mem 32M -- >/dev/null 2>&1 &&
	pass "--mem accepted in both forms" || fail "--mem forms"

# The block device: a fresh 1 MiB file plus 100 bytes (rounded down).
if "$KILN" build -t unix --sanitize tests/hello/blk >"$tmp/build.log" 2>&1; then
	blk=tests/hello/blk/_build/unix-san/blktest
	head -c $((1024 * 1024 + 100)) /dev/zero >"$tmp/disk.img"
	timeout 20 "$blk" --block file="$tmp/disk.img" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -qx 'blk0: 1048576 bytes, 512-byte sectors' "$tmp/out" &&
		grep -qx 'blk0: bad requests refused' "$tmp/out"; then
		pass "block write, flush, read back"
	else
		fail "block" "status $rc: $(tr '\n' '|' <"$tmp/out")"
	fi
	# The data is in the file (check one byte of the last sector from
	# outside) and a second boot reads it back.
	off=$((1048576 - 4096 + 5))
	want=$(((off * 31 + 7 + off / 512) % 256))
	got=$(od -An -tu1 -j $off -N1 "$tmp/disk.img" | tr -d ' ')
	[ "$got" = "$want" ] && pass "block data reached the file" ||
		fail "block data in the file" "byte at $off is '$got', want $want"
	timeout 20 "$blk" --block file="$tmp/disk.img" -- --verify >"$tmp/out" 2>&1 &&
		grep -q 'blk0: verified' "$tmp/out" && pass "block data survives a reboot" ||
		fail "block verify" "$(cat "$tmp/out")"
	timeout 20 "$blk" --block file="$tmp/disk.img" -- --verify --seed=8 >"$tmp/out" 2>&1
	[ $? -eq 1 ] && grep -q 'differs' "$tmp/out" && pass "block verify detects other data" ||
		fail "block verify (negative)" "$(cat "$tmp/out")"
	timeout 10 "$blk" >"$tmp/out" 2>&1
	[ $? -eq 1 ] && grep -q 'acquire failed' "$tmp/out" &&
		pass "no --block: blk0 does not exist" || fail "no block" "$(cat "$tmp/out")"
	: >"$tmp/empty.img"
	timeout 10 "$blk" --block file="$tmp/empty.img" >"$tmp/out" 2>&1
	[ $? -eq 1 ] && grep -q 'smaller than one 512-byte sector' "$tmp/out" &&
		pass "empty block file refused" || fail "empty block file" "$(cat "$tmp/out")"
else
	fail "blktest build" "$(tail -5 "$tmp/build.log")"
fi
finish
