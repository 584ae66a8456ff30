#!/usr/bin/env bash
# kiln run -d, ps, logs, stop, rm: two unikernels at once (apps/http-hello
# on unix and hvt, then on virtio), each answering curl on its forward;
# ps lists them running with their ports; logs -f follows until stop;
# stop asks for a clean exit (the runtime's "stopping: the host asked"
# and exit 0 on unix and hvt), and after its bound kills a launcher that
# does not stop; stale entries (processes killed) are removed; names
# taken, unknown or bad are one line and exit 2. State in a scratch
# KILN_STATE_HOME.
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

# Two at a time: unix with hvt, then virtio with unix again.
round() {
	local names=() t
	for t in "$@"; do
		"$KILN" build -t "$t" apps/http-hello >"$T/build-$t.log" 2>&1 ||
			{ fail "$t: build http-hello" "$(tail -3 "$T/build-$t.log")"; return; }
	done
	for t in "$@"; do
		local port name=web-$t
		port=$(freeport)
		out=$("$KILN" run -d -t "$t" --name "$name" -p "$port:80/http" apps/http-hello 2>"$T/err-$t")
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
		body=$(curl -s --max-time 3 "http://127.0.0.1:$port/hello")
		if [[ "$line" =~ ^$name\ +$t\ +.*/_build/$t/http-hello\ +127\.0\.0\.1:$port-\>80/tcp\ +[0-9]+s\ +[0-9]+M\ +running$ ]] &&
			[ -n "$body" ]; then
			pass "$t: ps lists it running ($(awk '{print $5, $6}' <<<"$line")); curl /hello answered"
		else
			fail "$t: ps and curl" "line=[$line] body=[$body]"
		fi
		# logs -f follows until the stop, then ends by itself.
		wait_for 5 grep -q "GET /hello" "$KILN_STATE_HOME/run/$name/log"
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
		if [ "$t" = virtio ]; then
			# QEMU ends on SIGTERM; the guest has no say (docs/building.md).
			if [ $rc -eq 0 ] && [ -n "$st" ] && ! kill -0 "$pid" 2>/dev/null &&
				wait_for 5 live_none "$keeper"; then
				pass "$t: kiln stop ends QEMU ($out)"
			else
				fail "$t: kiln stop" "rc=$rc out=[$out] status=[$st]"
			fi
		elif [ $rc -eq 0 ] && [ "$st" = "exited 0" ] &&
			grep -q 'stopping: the host asked' "$KILN_STATE_HOME/run/$name/log" &&
			! kill -0 "$pid" 2>/dev/null && [ $((SECONDS - t0)) -le 5 ]; then
			pass "$t: kiln stop: a clean exit through the runtime's stop ($out)"
		else
			fail "$t: kiln stop" "rc=$rc out=[$out] status=[$st] log=[$(tail -3 "$KILN_STATE_HOME/run/$name/log")]"
		fi
		if wait_for 5 bash -c "! kill -0 $fpid" && grep -q "GET /hello" "$T/follow-$t"; then
			pass "$t: logs -f showed the request and ended with the unikernel"
		else
			fail "$t: logs -f" "still running or no request: [$(tail -3 "$T/follow-$t")]"
		fi
		line=$(ps_line "$name")
		[[ "$line" =~ (exited|killed)\ [0-9]+$ ]] && pass "$t: ps shows it ${BASH_REMATCH[0]}" ||
			fail "$t: ps after stop" "[$line]"
	done
}
round "${targets[@]:0:2}"
[ ${#targets[@]} -gt 2 ] && round virtio

# --- names ---------------------------------------------------------------
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

# --- an image that fails at once says so ---------------------------------
err=$("$KILN" run -d -t unix --name bad tests/hvt/apps/hello -- --bogus 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] && grep -q "^kiln: bad ended at once (exited 2); see kiln logs bad$" <<<"$err" &&
	pass "a run that fails at once: exit 1, '$err'" || fail "a failing detached run" "rc=$rc [$err]"
finish
