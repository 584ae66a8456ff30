#!/usr/bin/env bash
# vchan between kiln-hvt guests (docs/vchan.md): the echo pair streaming
# 64 MiB each way with SHA-256 on both sides; a client leaving or killed
# mid-stream; the server killed; hostile clients beside a good one on
# another link; hostile servers; kiln run --vchan; the monitor confined by
# seccomp with links, its allow-list as docs/hvt.md says.
# timeout: 400
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
source "$ROOT/tests/vchan/common.sh"
have_kvm || { skip "vchan on hvt" "$KVM_WHY"; finish; }
[ -x "$KILN_HVT" ] && [ -x "$KILN_HVT_TEST" ] || { fail "kiln-hvt" "not built (run make)"; finish; }

set_target hvt
build_all || finish
scenario_stream
scenario_peer_ends
scenario_server_dies
scenario_hostile_clients
scenario_hostile_servers

# kiln run --vchan, both guests through the tool; the monitors are
# confined (Seccomp: 2) while they stream.
s="$tmp/run.sock"
"$KILN" run -t hvt apps/vchan-echo --vchan "cli:$s" -- --peers=cli --clients=1 \
	>"$tmp/run-s.log" 2>&1 &
spid=$!
on_exit "kill -9 $spid 2>/dev/null"
if wait_for 30 grep -q "listening on echo" "$tmp/run-s.log"; then
	mon=$(pgrep -P $spid kiln-hvt || echo $spid)
	sc=$(sed -n 's/^Seccomp:[[:space:]]*//p' /proc/$mon/status 2>/dev/null)
	"$KILN" run -t hvt apps/vchan-client --vchan "srv:$s" -- --peer=srv \
		--bytes=$((8 << 20)) >"$tmp/run-c.log" 2>&1
	rc=$?
	wait_exit $spid 20
	if [ $rc -eq 0 ] && [ $RC -eq 0 ] && grep -q "echo matches" "$tmp/run-c.log" &&
		[ "$sc" = 2 ]; then
		pass "hvt: kiln run --vchan PEER:PATH on both sides (8 MiB echoed, the monitor under seccomp: $sc)"
	else
		fail "hvt: kiln run --vchan" "client $rc server $RC seccomp '$sc': $(tail -2 "$tmp/run-c.log") / $(tail -2 "$tmp/run-s.log")"
	fi
else
	fail "hvt: kiln run --vchan starts" "$(tail -3 "$tmp/run-s.log")"
fi
out=$("$KILN" run -t hvt apps/vchan-echo --vchan nocolon -- --peers=x 2>&1)
check "hvt: kiln run --vchan without a path: status 2 ($out)" test $? -eq 2

# A hostile guest calling HVT_CALL_SHM with bad areas, names, counts,
# handles and references: each refused, the monitor intact; its window
# ends where it should and never executes.
source "$ROOT/tests/hvt/guest.sh"
if build_guest tests/vchan/guests/badshm.host "$tmp/badshm"; then
	for m in stop past jump; do
		rm -f "$tmp/b.sock"
		"$HOSTILE" "$tmp/b.sock" cli orders >"$tmp/bh.log" 2>&1 &
		hpid=$!
		wait_for 10 test -S "$tmp/b.sock"
		out=$(timeout 20 "$KILN_HVT" --vchan "peer=srv,path=$tmp/b.sock" \
			"$tmp/badshm" -- $m 2>"$tmp/badshm-$m.err")
		rc=$?
		kill $hpid 2>/dev/null
		wait $hpid 2>/dev/null
		n=$(grep -c '(refused)$' "$tmp/badshm-$m.err")
		case $m in
		stop) want_rc=0 want_err='' ;;
		past) want_rc=255 want_err='page fault writing 0xc0800000 (not present)' ;;
		jump) want_rc=255 want_err='page fault executing 0xc0001000 (protection violation)' ;;
		esac
		if [ "$out" = "survived all checks" ] && [ $rc -eq $want_rc ] && [ "$n" -ge 10 ] &&
			{ [ -z "$want_err" ] || grep -q "guest fault: $want_err" "$tmp/badshm-$m.err"; }; then
			pass "hvt: hostile shm calls ($m): $n refused and reported${want_err:+, then $(grep -o 'page fault [a-z]* 0x[0-9a-f]* ([a-z ]*)' "$tmp/badshm-$m.err")}"
		else
			fail "hvt: hostile shm calls ($m)" "rc $rc out [$out]: $(tail -3 "$tmp/badshm-$m.err")"
		fi
	done
else
	fail "hvt: build the badshm guest"
fi

# The allow-list with a link: docs/hvt.md's table plus its vchan
# paragraph (a creator's: close, accept4 on its socket, sendmsg).
hello="$ROOT/apps/hello/_build/hvt/hello"
"$KILN" build -t hvt apps/hello >/dev/null 2>&1
doc_syscalls() {
	sed -n "/^$1/,/^$2/{/^$2/!p}" docs/hvt.md | grep -o '`[a-z_0-9]*`' | tr -d '`' | sort -u
}
want=$(sort -u <(doc_syscalls 'Always allowed:' 'Added only when') \
	<(doc_syscalls 'With `--vchan` links' 'Keep this table'))
got=$(KILN_HVT_SECCOMP_EXPORT=1 timeout 20 "$KILN_HVT_TEST" --vchan "peer=x,path=$tmp/sc.sock" "$hello" |
	sed -n 's/^ *# filter for syscall "\([a-z_0-9]*\)".*/\1/p' | sort -u)
if [ -n "$got" ] && [ "$got" = "$want" ]; then
	pass "hvt: with a vchan link the filter allows exactly docs/hvt.md's syscalls ($(wc -w <<<"$got"))"
else
	fail "hvt: seccomp with vchan vs docs/hvt.md" "filter only: $(comm -23 <(echo "$got") <(echo "$want") | tr '\n' ' ') doc only: $(comm -13 <(echo "$got") <(echo "$want") | tr '\n' ' ')"
fi
finish
