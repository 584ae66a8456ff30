# Shared by the aarch64 targets' tests (test-arm64.sh, test-rpi3.sh):
# source it after tests/lib.sh with $T set to the target and $tmp to a
# scratch folder.

# run NAME WANT_RC LOG KILN-RUN-ARGS...: kiln run -t $T, bounded.
run() {
	local name=$1 want=$2 log=$3 rc
	shift 3
	timeout --kill-after=5 60 "$KILN" run -t "$T" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	if [ $rc -ne "$want" ]; then
		fail "$name" "status $rc, expected $want: $(grep -v '^  ' "$log" | tail -4 | tr '\n' '|')"
		return 1
	fi
}

# hello_checks: apps/hello's output, boot arguments and statuses 0, 3, 2.
hello_checks() {
	if run "hello" 0 "$tmp/hello" apps/hello -- one two; then
		out=$(grep -v "^kiln: $T: QEMU" "$tmp/hello")
		if grep -qx 'Hello from Kiln!' <<<"$out" && grep -qx "target: $T" <<<"$out" &&
			grep -qx 'arg: one' <<<"$out" && grep -qx 'arg: two' <<<"$out" &&
			[ "$(grep -c '^slept [123]: 1[0-4][0-9] ms$' <<<"$out")" -eq 3 ] &&
			[ "$(grep -c '^fiber [AB]: [123]$' <<<"$out")" -eq 6 ] &&
			[ "$(tail -1 <<<"$out")" = goodbye ]; then
			pass "hello on $T: greeting, boot arguments, fibers, 3 x 100 ms sleeps, status 0"
		else
			fail "hello on $T" "$(tr '\n' '|' <<<"$out")"
		fi
		if ! grep -q $'\x1b' "$tmp/hello"; then
			pass "$T: the exit-status mark is taken out of the output"
		else
			fail "$T: exit-status mark" "an escape sequence is left in the output"
		fi
	fi
	run "hello --fail" 3 "$tmp/fail" apps/hello -- --fail &&
		grep -q '^failing as asked' "$tmp/fail" && pass "$T: exit status 3 through kiln run"
	run "hello --bogus" 2 "$tmp/bogus" apps/hello -- --bogus &&
		grep -q 'unknown boot argument: --bogus' "$tmp/bogus" && pass "$T: a bad boot argument: status 2"
}

# fault_checks: each fault of tests/arm64/probe is one report line and
# status 255.
fault_checks() {
	local kind pat log n
	while read -r kind pat; do
		log="$tmp/fault-$kind"
		run "$T fault $kind" 255 "$log" tests/arm64/probe -- --fault="$kind" || continue
		n=$(grep -c '^kiln: fault: ' "$log")
		if [ "$n" -eq 1 ] && grep -qE "^kiln: fault: $pat" "$log" &&
			! grep -q 'not caught' "$log"; then
			pass "$T fault $kind: $(grep '^kiln: fault: ' "$log" | sed 's/ at pc 0x[0-9a-f]*//')"
		else
			fail "$T fault $kind" "$(grep -v '^  ' "$log" | tr '\n' '|')"
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
}

# sleep_check: a 1 s sleep waits in WFI: a few supervisor sleeps, and
# little host CPU for the whole run (kiln, kiln-console, QEMU); a guest
# spinning through the second would take most of a second of it.
sleep_check() {
	local sleeps ms cpu
	if ! { TIMEFORMAT='%U %S'; time timeout 60 "$KILN" run -t "$T" tests/arm64/probe \
		-- --sleep=1000 >"$tmp/sleep" 2>&1 </dev/null; } 2>"$tmp/cpu"; then
		fail "$T sleep" "$(tr '\n' '|' <"$tmp/sleep")"
		return
	fi
	sleeps=$(sed -n 's/^slept \([0-9]*\) ms, \([0-9]*\) supervisor sleeps$/\2/p' "$tmp/sleep")
	ms=$(sed -n 's/^slept \([0-9]*\) ms, .*/\1/p' "$tmp/sleep")
	cpu=$(awk '{printf "%d", ($1 + $2) * 1000}' "$tmp/cpu")
	if [ -n "$sleeps" ] && [ "$sleeps" -ge 1 ] && [ "$sleeps" -le 5 ] &&
		[ "$ms" -ge 1000 ] && [ "$ms" -le 1100 ] && [ "$cpu" -lt 400 ]; then
		pass "$T: a 1 s sleep waits in WFI: $ms ms, $sleeps supervisor sleeps, ${cpu} ms host CPU (boot included)"
	else
		fail "$T sleep in WFI" "$(tr '\n' '|' <"$tmp/sleep") cpu ${cpu} ms"
	fi
}
