#!/usr/bin/env bash
# lib/store under SIGKILL: tests/store/crashapp commits batches (one
# flush each) to a block file while it is killed with SIGKILL at a random
# moment (the unix process, or hvt's monitor), then boots again in
# "check" mode, which must find the state of the last acknowledged commit
# (or the one being written), every value's checksum good; and so on,
# KILLS times per target on the same file (40; make test-long: 1000).
# hvt where KVM works. Unflushed writes are not dropped here (the file's
# page cache outlives the process): tests/store/test-sim.sh drops them.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
KILLS=${KILLS:-40}
make -s bin/kiln bin/kiln-hvt >/dev/null 2>&1
tmp=$(scratch)

# last_ack LOG: the last complete "ack N" line (a kill can cut one short).
last_ack() {
	local f=$1
	if [ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then
		sed '$d' "$f" | grep -a '^ack [0-9]*$' | tail -1 | cut -d' ' -f2
	else
		grep -a '^ack [0-9]*$' "$f" | tail -1 | cut -d' ' -f2
	fi
}

crash_loop() {
	local t=$1 img=$2
	local disk="$tmp/$t.img" bad=0 total=0 maxack=0
	truncate -s 32M "$disk"
	local i
	for ((i = 1; i <= KILLS; i++)); do
		# (a writer killed before the shell opened its log would
		# leave the last run's acks to be read again)
		rm -f "$tmp/w.log"
		if [ "$t" = unix ]; then
			"$img" --block "file=$disk" -- write >"$tmp/w.log" 2>&1 &
		else
			"$KILN_HVT" --block "file=$disk" "$img" -- write >"$tmp/w.log" 2>&1 &
		fi
		local pid=$!
		sleep "0.$((RANDOM % 40 + 5))"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		local acked
		acked=$(last_ack "$tmp/w.log")
		if [ -z "$acked" ] || [ "$acked" -lt "$maxack" ]; then
			# killed before its first commit this time: the state is
			# at least what the last check found (or one more)
			acked=$maxack
		fi
		[ "$acked" -gt "$maxack" ] && maxack=$acked
		if [ "$t" = unix ]; then
			"$img" --block "file=$disk" -- check --acked="$acked" >"$tmp/c.log" 2>&1
		else
			"$KILN_HVT" --block "file=$disk" "$img" -- check --acked="$acked" >"$tmp/c.log" 2>&1
		fi
		local rc=$?
		total=$((total + 1))
		if [ $rc -ne 0 ] || ! grep -q '^state [0-9]* ok' "$tmp/c.log"; then
			bad=$((bad + 1))
			[ $bad -le 3 ] && echo "cut $i: $(tr '\n' '|' <"$tmp/c.log")"
		fi
		# the check run's own state may be one past the ack: continue
		# from it
		local st
		st=$(sed -n 's/^state \([0-9]*\) ok/\1/p' "$tmp/c.log")
		[ -n "$st" ] && [ "$st" -gt "$maxack" ] && maxack=$st
	done
	if [ $bad -eq 0 ]; then
		pass "$t: $total SIGKILLs during writes, every acknowledged commit there after each (last commit $maxack)"
	else
		fail "$t crash" "$bad of $total checks failed"
	fi
}

if "$KILN" build -t unix tests/store/crashapp >"$tmp/b.log" 2>&1; then
	crash_loop unix tests/store/crashapp/_build/unix/crashapp
else
	fail "build unix" "$(tail -5 "$tmp/b.log")"
fi
if ! have_kvm; then
	skip "hvt crash" "$KVM_WHY"
elif "$KILN" build -t hvt tests/store/crashapp >"$tmp/b.log" 2>&1; then
	crash_loop hvt tests/store/crashapp/_build/hvt/crashapp
else
	fail "build hvt" "$(tail -5 "$tmp/b.log")"
fi
finish
