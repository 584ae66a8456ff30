#!/usr/bin/env bash
# kiln writes a Firecracker VM configuration beside every virtio image (the
# target's postbuild hook); it is valid JSON naming the stripped image.
# Firecracker itself is not in Debian 12, so the VM is not booted here.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
d=$(scratch)
(cd "$d" && "$KILN" new fcapp >/dev/null) || { fail "kiln new"; finish; }
if ! (cd "$d" && "$KILN" build -t virtio fcapp >"$d/build.log" 2>&1); then
	fail "virtio build" "$(tail -5 "$d/build.log")"
	finish
fi
json="$d/fcapp/_build/virtio/fcapp.firecracker.json"
if [ ! -s "$json" ]; then
	fail "config written beside the image" "no $json"
	finish
fi
pass "config written beside the image"
if python3 - "$json" "$d/fcapp/_build/virtio/fcapp.stripped" <<'PY'; then
import json, sys
cfg = json.load(open(sys.argv[1]))
assert cfg["boot-source"]["kernel_image_path"] == sys.argv[2], cfg
assert cfg["machine-config"]["vcpu_count"] == 1
assert cfg["machine-config"]["mem_size_mib"] > 0
PY
	pass "config is JSON naming the stripped image"
else
	fail "config is JSON naming the stripped image" "$(cat "$json")"
fi
out=$(cd "$d" && "$KILN" build -t virtio fcapp 2>&1)
if grep -q 'up to date' <<<"$out"; then
	pass "nothing to do the second time"
else
	fail "nothing to do the second time" "$out"
fi
finish
