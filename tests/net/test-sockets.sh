#!/usr/bin/env bash
# The UDP socket API on the real runtime (tests/net/sockapp): deadlines,
# exclusive and ephemeral ports, errors, a close waking a parked reader
# and a non-parking read of an empty socket (udp_on_readable is tested on
# the fake device in stack_test.c). Runs on the unix target with and
# without sanitizers, on user-mode networking (nothing leaves the
# process).
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
tmp=$(scratch)
on_exit "rm -rf '$tmp'" # scratch's own cleanup is lost in $(...)
for san in "" --sanitize; do
	name="unix${san:+ $san}"
	if ! timeout 240 "$KILN" build -t unix $san tests/net/sockapp >"$tmp/build" 2>&1; then
		fail "$name: sockapp builds" "$(tail -5 "$tmp/build")"
		continue
	fi
	timeout 60 "$KILN" run -t unix $san tests/net/sockapp -- \
		--ipv4=198.18.0.15/24 >"$tmp/out" 2>&1
	rc=$?
	while read -r word rest; do
		case "$word" in
		ok) pass "$name: $rest" ;;
		bad) fail "$name: ${rest%%:*}" "${rest#*: }" ;;
		esac
	done <"$tmp/out"
	[ $rc -eq 0 ] || fail "$name: sockapp exits 0" "status $rc: $(tail -3 "$tmp/out")"
done

# TCP's limits are boot arguments too: a good one is accepted.
out=$(timeout 60 "$KILN" run -t unix tests/net/sockapp -- --ipv4=198.18.0.15/24 --tcp-max-conns=8 --tcp-rcvbuf=65536 2>&1)
rc=$?
[ $rc -eq 0 ] && pass "TCP limits as boot arguments" ||
	fail "TCP limits as boot arguments" "status $rc: $(echo "$out" | tail -2)"

# Bad network boot arguments are refused with a message.
for arg in --ipv4=300.1.1.1/24 --ipv4=127.0.0.1/8 --ipv4=198.18.0.2/33 \
	--ipv4=198.18.0.2 "--ipv4=198.18.0.2/24 --ipv4-gateway=10.0.0.1" \
	--ipv4-gateway=198.18.0.1 --net-buffers=3 --tcp-max-conns=0 \
	--tcp-sndbuf=10 --tcp-msl-ms=x; do
	# shellcheck disable=SC2086
	out=$(timeout 60 "$KILN" run -t unix tests/net/sockapp -- $arg 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && echo "$out" | grep -qE "boot argument|not on the link"; then
		pass "refused: $arg"
	else
		fail "refused: $arg" "status $rc: $(echo "$out" | tail -2)"
	fi
done
finish
