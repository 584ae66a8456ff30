#!/usr/bin/env bash
# kiln run -d, ps, logs, stop, rm: two unikernels at once (apps/http-hello
# on unix and hvt, then apps/http-notes on virtio and unix), each answering
# curl on its forward; ps lists them running with their ports; logs -f
# follows until stop; stop asks for a clean exit on every target (the
# runtime's "stopping: the host asked", http-notes' exit hook line, exit
# 0), and after its bound kills a launcher that does not stop; a virtio
# guest that cannot take the request (its CPU never started) is ended by
# the launcher after KILN_STOP_TIMEOUT with a clear line; stale entries
# (processes killed) are removed; names taken, unknown or bad are one
# line and exit 2. State in a scratch KILN_STATE_HOME. Cases
# (tests/run.sh kiln/test-detach CASE): unix-hvt, virtio, names (with the
# bound and stale entries), fails-at-once.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || { fail "kiln-detach" "bin/kiln is missing (run make)"; finish; }
T=$(scratch)
export KILN_STATE_HOME="$T/state"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Whatever a failed check leaves running is stopped at exit.
on_exit "for d in '$T'/state/run/*/; do n=\$(basename \"\$d\"); '$KILN' stop -t 1 \"\$n\"; done"

field() { # field NAME KEY: a value of NAME's info
	sed -n "s/^$2 //p" "$KILN_STATE_HOME/run/$1/info"
}
# live_none PGID: no process of that group is left but zombies (the
# keeper's and QEMU's children are reaped by whoever adopted them).
live_none() { ! ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; }
ps_line() { "$KILN" ps | awk -v n="$1" '$1 == n'; }

targets=(unix)
if have_kvm; then targets+=(hvt); else skip "detach: hvt" "$KVM_WHY"; fi
command -v qemu-system-x86_64 >/dev/null && targets+=(virtio) ||
	skip "detach: virtio" "no qemu-system-x86_64"

# round APP PATH TARGET...: two at a time: http-hello on unix and hvt,
# then http-notes on virtio and unix again.
round() {
	local app=$1 req=$2 names=() t
	shift 2
	local an=${app##*/}
	for t in "$@"; do
		"$KILN" build -t "$t" "$app" >"$T/build-$t.log" 2>&1 ||
			{ fail "$t: build $an" "$(tail -3 "$T/build-$t.log")"; return; }
	done
	for t in "$@"; do
		local port name=web-$t
		port=$(freeport)
		out=$("$KILN" run -d -t "$t" --name "$name" -p "$port:80/http" "$app" 2>"$T/err-$t")
		rc=$?
		if [ $rc -eq 0 ] && [ "$(head -1 <<<"$out")" = "$name" ] &&
			grep -qx "serving on http://127.0.0.1:$port/" <<<"$out"; then
			pass "$t: kiln run -d returns with the name and the URL once it answers"
		else
			fail "$t: kiln run -d" "rc=$rc out=[$out] err=[$(tail -3 "$T/err-$t")]"
			continue
		fi
		names+=("$name")
		eval "port_$t=$port"
	done
	for t in "$@"; do
		local name=web-$t port_var=port_$t
		local port=${!port_var:-}
		[ -n "$port" ] || continue
		local line body
		line=$(ps_line "$name")
		body=$(curl -s --max-time 3 "http://127.0.0.1:$port$req")
		if [[ "$line" =~ ^$name\ +$t\ +.*/_build/$t/$an\ +127\.0\.0\.1:$port-\>80/tcp\ +[0-9]+s\ +[0-9]+M\ +running$ ]] &&
			[ -n "$body" ]; then
			pass "$t: ps lists it running ($(awk '{print $5, $6}' <<<"$line")); curl $req answered"
		else
			fail "$t: ps and curl" "line=[$line] body=[$body]"
		fi
		# logs -f follows until the stop, then ends by itself.
		wait_for 5 grep -q "GET $req" "$KILN_STATE_HOME/run/$name/log"
		"$KILN" logs -f "$name" >"$T/follow-$t" 2>&1 &
		local fpid=$!
		on_exit "kill $fpid"
		local pid keeper
		pid=$(field "$name" pid)
		keeper=$(field "$name" keeper)
		local t0=$SECONDS
		out=$("$KILN" stop "$name" 2>&1)
		rc=$?
		local st
		st=$(cat "$KILN_STATE_HOME/run/$name/status" 2>/dev/null)
		local lg=$KILN_STATE_HOME/run/$name/log
		# http-notes' exit hook says what it served, after the stop.
		local hook=yes
		[ "$an" = http-notes ] && ! sed -n '/stopping: the host asked/,$p' "$lg" |
			grep -Eq "^http-notes: [0-9]+ requests on [0-9]+ connections" && hook=
		if [ $rc -eq 0 ] && [ "$st" = "exited 0" ] && grep -q 'stopping: the host asked' "$lg" &&
			[ -n "$hook" ] && ! kill -0 "$pid" 2>/dev/null && [ $((SECONDS - t0)) -le 5 ] &&
			wait_for 5 live_none "$keeper"; then
			pass "$t: kiln stop: a clean exit through the runtime's stop ($out$([ "$an" = http-notes ] && echo "; $(grep -Em1 '^http-notes: [0-9]+ requests' "$lg")"))"
		else
			fail "$t: kiln stop" "rc=$rc out=[$out] status=[$st] hook=[$hook] $((SECONDS - t0)) s log=[$(tail -5 "$lg")]"
		fi
		if wait_for 5 bash -c "! kill -0 $fpid" && grep -q "GET $req" "$T/follow-$t"; then
			pass "$t: logs -f showed the request and ended with the unikernel"
		else
			fail "$t: logs -f" "still running or no request: [$(tail -3 "$T/follow-$t")]"
		fi
		line=$(ps_line "$name")
		[[ "$line" =~ (exited|killed)\ [0-9]+$ ]] && pass "$t: ps shows it ${BASH_REMATCH[0]}" ||
			fail "$t: ps after stop" "[$line]"
	done
}
case_on unix-hvt && round apps/http-hello /hello "${targets[@]:0:2}"
if case_on virtio && [[ " ${targets[*]} " == *" virtio "* ]]; then
	round apps/http-notes /notes virtio unix

	# A guest that cannot take the request: QEMU with its CPU never
	# started (-S). The launcher ends QEMU after KILN_STOP_TIMEOUT.
	printf '#!/bin/sh\nexec qemu-system-x86_64 -S "$@"\n' >"$T/qemu-paused"
	chmod +x "$T/qemu-paused"
	KILN_QEMU="$T/qemu-paused" KILN_STOP_TIMEOUT=1 platform/virtio/launch \
		apps/http-notes/_build/virtio/http-notes >"$T/paused.out" 2>"$T/paused.err" &
	lp=$!
	sleep 1
	t0=$(date +%s%N)
	kill -TERM $lp
	wait $lp
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ $rc -eq 255 ] && grep -qx "kiln: virtio: the guest did not stop within 1 s of the request; QEMU ended" "$T/paused.err" &&
		[ $ms -ge 900 ] && [ $ms -lt 4000 ]; then
		pass "virtio: a guest that does not stop is ended after the bound (${ms} ms, status 255, one line)"
	else
		fail "virtio: a guest that does not stop" "rc=$rc ${ms} ms err=[$(cat "$T/paused.err")]"
	fi
fi

# --- names ---------------------------------------------------------------
if case_on names; then
	"$KILN" build -t unix tests/hvt/apps/hello >/dev/null 2>&1
	sleeper() { "$KILN" run -d -t unix "$@" tests/hvt/apps/hello -- --quiet --sleep-ms=30000; }
	a=$(sleeper 2>&1)
	b=$(sleeper 2>&1)
	check "no --name: the app's name, then NAME-2 ($a, $b)" test "$a" = hvthello -a "$b" = hvthello-2
	err=$(sleeper --name hvthello 2>&1)
	rc=$?
	check "a running name is taken: exit 2, one line" test $rc -eq 2 -a "$(wc -l <<<"$err")" -eq 1
	grep -q "name 'hvthello' is taken" <<<"$err" || fail "name taken: the line" "[$err]"
	for cmd in "logs nosuch" "stop nosuch" "rm nosuch"; do
		err=$("$KILN" $cmd 2>&1)
		rc=$?
		[ $rc -eq 2 ] && [ "$err" = "kiln: no unikernel named 'nosuch' (see kiln ps)" ] &&
			pass "kiln $cmd: exit 2, '$err'" || fail "kiln $cmd" "rc=$rc [$err]"
	done
	err=$(sleeper --name Bad/Name 2>&1)
	check "--name Bad/Name: exit 2" test $? -eq 2
	err=$("$KILN" run -t unix --name x tests/hvt/apps/hello 2>&1)
	check "--name without -d: exit 2 ($err)" test $? -eq 2
	err=$("$KILN" rm hvthello 2>&1)
	check "rm of a running one: exit 2 ($err)" test $? -eq 2

	# --- the bound: a launcher that cannot take SIGTERM is killed ------------
	pid=$(field hvthello-2 pid)
	kill -STOP "$pid"
	t0=$(date +%s%N)
	out=$("$KILN" stop -t 1 hvthello-2 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ $rc -eq 0 ] && grep -q 'killed after the bound' <<<"$out" && ! kill -0 "$pid" 2>/dev/null &&
		[ $ms -lt 4000 ]; then
		pass "stop -t 1: a stopped launcher killed after the bound (${ms} ms: $out)"
	else
		fail "stop -t 1" "rc=$rc ${ms} ms out=[$out]"
	fi
	"$KILN" rm hvthello-2
	check "rm: the exited entry is gone" test ! -e "$KILN_STATE_HOME/run/hvthello-2"

	# --- stale: its processes killed behind kiln's back ----------------------
	keeper=$(field hvthello keeper)
	pid=$(field hvthello pid)
	kill -9 "$keeper" "$pid"
	wait_for 5 bash -c "! kill -0 $pid"
	line=$(ps_line hvthello)
	if [ -z "$line" ] && [ ! -e "$KILN_STATE_HOME/run/hvthello" ]; then
		pass "a stale entry (keeper and launcher killed) is removed by ps"
	else
		fail "stale entry" "[$line]"
	fi
	out=$(sleeper --name hvthello 2>&1)
	check "the stale name is free again ($out)" test "$out" = hvthello
	"$KILN" stop hvthello >/dev/null
fi

# --- an image that fails at once says so ---------------------------------
if case_on fails-at-once; then
	"$KILN" build -t unix tests/hvt/apps/hello >/dev/null 2>&1
	err=$("$KILN" run -d -t unix --name bad tests/hvt/apps/hello -- --bogus 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 1 ] && grep -q "^kiln: bad ended at once (exited 2); see kiln logs bad$" <<<"$err" &&
		pass "a run that fails at once: exit 1, '$err'" || fail "a failing detached run" "rc=$rc [$err]"
fi
finish
