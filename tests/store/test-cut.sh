#!/usr/bin/env bash
# lib/store under power cuts on the real targets: tests/store/crashapp
# commits batches (a flush every G-th commit, G drawn per run from 1, 4,
# 16) to a block file through tests/store/inject.c, an LD_PRELOAD shim
# that journals the writes not yet flushed (in the unix process under
# ASan/UBSan, and in kiln-hvt, whose monitor does the block I/O). The
# writer is killed with SIGKILL at a random moment; tests/store/cut.c
# then keeps, tears (whole sectors, sometimes one cut inside) or drops
# each unflushed write at random, as a disk's volatile cache could. After
# each cut a boot in check mode must find exactly the state after a
# commit from the last acknowledged one to the last attempted, every
# checksum good. Every third cut, a copy of the file gets one bit flipped
# (in the last flush's writes, or anywhere): the check must then find the
# exact state or report the damage, never serve a wrong value. The
# injector must have dropped and torn writes, and flips must have been
# detected, else FAIL. CUTS per target (50; make test-long: 1000).
# timeout: 600
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
CUTS=${CUTS:-50}
make -s bin/kiln bin/kiln-hvt >/dev/null 2>&1
tmp=$(scratch)
if ! inject=$(host_build tests/store/inject.host) || ! cutbin=$(host_build tests/store/cut.host); then
	fail "build injector" "$(tail -5 "$(host_log tests/store/inject.host)" "$(host_log tests/store/cut.host)" 2>/dev/null)"
	finish
fi

# last_ack LOG: the last complete "ack N" line (a kill can cut one short).
last_ack() {
	local f=$1
	if [ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then
		sed '$d' "$f" | grep -a '^ack [0-9]*$' | tail -1 | cut -d' ' -f2
	else
		grep -a '^ack [0-9]*$' "$f" | tail -1 | cut -d' ' -f2
	fi
}

# boot TARGET IMAGE DISK ARGS...: one run of crashapp on DISK.
boot() {
	local t=$1 img=$2 disk=$3
	shift 3
	if [ "$t" = unix ]; then
		"$img" --block "file=$disk" -- "$@"
	else
		"$KILN_HVT" --block "file=$disk" "$img" -- "$@"
	fi
}

cut_loop() {
	local t=$1 img=$2
	local disk="$tmp/$t.img" jn="$tmp/$t.journal"
	local bad=0 maxack=0 i t0=$SECONDS
	local writes=0 kept=0 torn=0 dropped=0 flips=0 detected=0 clean=0
	truncate -s 32M "$disk"
	for ((i = 1; i <= CUTS; i++)); do
		local groups=(1 1 4 16) g
		g=${groups[RANDOM % 4]}
		# (a simple command, so that $! is the process itself)
		local run=("$img" --block "file=$disk")
		[ "$t" = hvt ] && run=("$KILN_HVT" --block "file=$disk" "$img")
		# A writer killed before the shim's constructor ran (or before
		# the shell had opened its log) leaves the previous run's
		# journal and log: cutting that journal again would undo writes
		# the last cut already settled (the state the last check found).
		rm -f "$jn" "$tmp/w.log"
		KILN_INJECT_BLOCK="$disk" KILN_INJECT_JOURNAL="$jn" \
			ASAN_OPTIONS=verify_asan_link_order=0 \
			LD_PRELOAD="$inject" \
			"${run[@]}" -- write --group="$g" >"$tmp/w.log" 2>&1 &
		local pid=$!
		sleep "0.$((RANDOM % 24 + 2))"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		local acked
		acked=$(last_ack "$tmp/w.log")
		# The state is never older than the last one a check found:
		# that one was on the disk after the last cut.
		if [ -z "$acked" ] || [ "$acked" -lt "$maxack" ]; then
			acked=$maxack
		fi
		local seed=$((RANDOM * 32768 + RANDOM))
		if ! "$cutbin" cut "$jn" "$disk" "$seed" >"$tmp/cut.log" 2>&1; then
			bad=$((bad + 1))
			echo "cut $i: injector: $(cat "$tmp/cut.log") | writer: $(tail -3 "$tmp/w.log" | tr '\n' '|')"
			continue
		fi
		local c
		read -r c < <(sed -n 's/^cut: \([0-9]*\) unflushed writes ([0-9]* sectors): \([0-9]*\) kept, \([0-9]*\) torn, \([0-9]*\) dropped$/\1 \2 \3 \4/p' "$tmp/cut.log" | tr ' ' ,)
		IFS=, read -r cw ck ct cd <<<"$c"
		writes=$((writes + cw)) kept=$((kept + ck)) torn=$((torn + ct)) dropped=$((dropped + cd))
		boot "$t" "$img" "$disk" check --acked="$acked" --window="$g" >"$tmp/c.log" 2>&1
		local rc=$? st
		st=$(sed -n 's/^state \([0-9]*\) ok$/\1/p' "$tmp/c.log")
		if [ $rc -ne 0 ] || [ -z "$st" ]; then
			bad=$((bad + 1))
			[ $bad -le 3 ] && echo "cut $i (group $g, acked $acked, $(cat "$tmp/cut.log")): $(tr '\n' '|' <"$tmp/c.log")"
			continue
		fi
		[ "$st" -gt "$maxack" ] && maxack=$st
		if ((i % 3 == 0)); then
			cp --sparse=always "$disk" "$tmp/flip.img"
			"$cutbin" flip "$jn" "$tmp/flip.img" "$seed" >"$tmp/flip.log" 2>&1
			boot "$t" "$img" "$tmp/flip.img" check --damaged --acked="$st" >"$tmp/f.log" 2>&1
			rc=$?
			flips=$((flips + 1))
			if [ $rc -eq 0 ] && grep -q "^state $st ok$" "$tmp/f.log"; then
				clean=$((clean + 1))
			elif [ $rc -eq 0 ] && grep -q '^damage reported' "$tmp/f.log"; then
				detected=$((detected + 1))
			else
				bad=$((bad + 1))
				echo "cut $i: $(cat "$tmp/flip.log"): $(tr '\n' '|' <"$tmp/f.log")"
			fi
		fi
	done
	if [ $bad -ne 0 ]; then
		fail "$t power cuts" "$bad of $CUTS cuts or flips failed"
	elif [ $((torn + dropped)) -eq 0 ] || [ $kept -eq 0 ]; then
		fail "$t power cuts" "the injector kept $kept, tore $torn and dropped $dropped unflushed writes: not a test"
	else
		pass "$t: $CUTS power cuts (SIGKILL, then $writes unflushed writes: $kept kept, $torn torn, $dropped dropped), every acknowledged commit there after each, nothing half-present (last commit $maxack, $((SECONDS - t0)) s)"
	fi
	if [ $bad -eq 0 ] && [ $flips -gt 0 ]; then
		if [ $detected -gt 0 ]; then
			pass "$t: $flips bit flips: $detected detected and reported, $clean in dead space, none served"
		else
			fail "$t bit flips" "none of $flips flips was detected"
		fi
	fi
}

if "$KILN" build -t unix --sanitize tests/store/crashapp >"$tmp/b.log" 2>&1; then
	cut_loop unix tests/store/crashapp/_build/unix-san/crashapp
else
	fail "build unix" "$(tail -5 "$tmp/b.log")"
fi
if ! have_kvm; then
	skip "hvt power cuts" "$KVM_WHY"
elif "$KILN" build -t hvt tests/store/crashapp >"$tmp/b.log" 2>&1; then
	cut_loop hvt tests/store/crashapp/_build/hvt/crashapp
else
	fail "build hvt" "$(tail -5 "$tmp/b.log")"
fi
finish
