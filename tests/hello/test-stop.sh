#!/usr/bin/env bash
# SIGTERM and SIGINT stop a unikernel cleanly: the runtime runs the exit
# hooks (apps/echo prints its counters) and the exit status is 0, also
# when more SIGTERMs follow during the stop (a stopper signalling both the
# launcher and the guest, as tests/net/netns.sh's echo_stop does). Checked
# on unix (plain and sanitizer builds), on hvt where KVM works, and on
# virtio (QEMU microvm and q35, KVM or TCG) where qemu-system-x86_64 is.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
tmp=$(scratch)

# stop_check NAME SIGNAL CMD...: start CMD, wait until echo serves, send
# SIGNAL (TERM2: more SIGTERMs after it, up to 200, while it runs), expect exit 0 and the
# counters.
stop_check() {
	local name=$1 sig=$2 twice=
	shift 2
	[ "$sig" = TERM2 ] && sig=TERM twice=1
	# Emptied here, not only by the background job's redirection: the
	# wait below must not find the last run's serving line.
	: >"$tmp/out"
	"$@" >"$tmp/out" 2>&1 &
	local pid=$!
	if ! wait_for 30 grep -q '^echo: serving' "$tmp/out"; then
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
		fail "$name: echo starts" "$(tail -3 "$tmp/out" | tr '\n' '|')"
		return
	fi
	kill -"$sig" $pid
	if [ -n "$twice" ]; then
		local i
		for i in $(seq 200); do kill -TERM $pid 2>/dev/null || break; done
	fi
	local rc
	timeout 20 tail --pid=$pid -f /dev/null
	# Still running: a failure, and no wait forever.
	kill -0 $pid 2>/dev/null && kill -KILL $pid
	wait $pid
	rc=$?
	if [ $rc -eq 0 ] && grep -q '^rx_frames [0-9]' "$tmp/out" &&
		grep -q '^echo: ' "$tmp/out"; then
		pass "$name: SIG$sig${twice:+ repeated} stops cleanly, counters printed, status 0"
	else
		kill -KILL $pid 2>/dev/null
		fail "$name: SIG$sig stops cleanly" "status $rc: $(tail -4 "$tmp/out" | tr '\n' '|')"
	fi
}

for san in "" --sanitize; do
	v="unix${san:+-san}"
	if ! timeout 240 "$KILN" build -t unix $san apps/echo >"$tmp/build" 2>&1; then
		fail "$v: echo builds" "$(tail -3 "$tmp/build")"
		continue
	fi
	img=apps/echo/_build/unix${san:+-san}/echo
	stop_check "$v" TERM "$img" --net user --
	stop_check "$v" INT "$img" --net user --
	stop_check "$v" TERM2 "$img" --net user --
done

if have_kvm; then
	if timeout 240 "$KILN" build -t hvt apps/echo >"$tmp/build" 2>&1; then
		stop_check hvt TERM "$KILN_HVT" --net user apps/echo/_build/hvt/echo --
		stop_check hvt INT "$KILN_HVT" --net user apps/echo/_build/hvt/echo --
		stop_check hvt TERM2 "$KILN_HVT" --net user apps/echo/_build/hvt/echo --
	else
		fail "hvt: echo builds" "$(tail -3 "$tmp/build")"
	fi
else
	skip "hvt: stop" "$KVM_WHY"
fi

# virtio: the launcher writes the request to the guest's second UART.
if command -v qemu-system-x86_64 >/dev/null; then
	if timeout 240 "$KILN" build -t virtio apps/echo >"$tmp/build" 2>&1; then
		img=apps/echo/_build/virtio/echo
		stop_check virtio TERM platform/virtio/launch --net user "$img" --
		# A background job of a script starts with SIGINT ignored, which
		# a shell script (the launcher) cannot undo; a terminal's
		# foreground job has it at its default, as env makes it here.
		stop_check virtio INT env --default-signal=INT platform/virtio/launch --net user "$img" --
		stop_check virtio TERM2 platform/virtio/launch --net user "$img" --
		stop_check "virtio q35" TERM platform/virtio/launch --machine q35 --net user "$img" --
	else
		fail "virtio: echo builds" "$(tail -3 "$tmp/build")"
	fi
else
	skip "virtio: stop" "no qemu-system-x86_64"
fi
finish
