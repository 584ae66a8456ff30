#!/usr/bin/env bash
# vchan on a target without shared memory with a peer (virtio today):
# lib/vchan links there (lib/vchan/noshm.c's stand-ins), vchan_listen says
# "not supported" and the echo app ends with status 1 in one line, instead
# of the image failing to link or the app retrying for ever.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
if ! have_kvm; then
	skip "vchan on virtio" "$KVM_WHY"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "vchan on virtio" "qemu-system-x86_64 not installed"
	exit 0
fi
tmp=$(scratch)
if ! "$KILN" build -t virtio apps/vchan-echo >"$tmp/build.log" 2>&1; then
	fail "virtio: vchan-echo builds" "$(tail -3 "$tmp/build.log")"
	finish
fi
pass "virtio: vchan-echo builds (the shared-memory calls are stand-ins)"
timeout --kill-after=5 60 "$KILN" run -t virtio apps/vchan-echo -- --peers=a >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "peer a: cannot listen on echo: not supported" "$tmp/out" &&
	[ "$(grep -c 'cannot listen' "$tmp/out")" -eq 1 ]; then
	pass "virtio: vchan_listen is not supported there: one line, status 1"
else
	fail "virtio: vchan_listen is not supported there: one line, status 1" "status $rc: $(tail -3 "$tmp/out")"
fi
finish
