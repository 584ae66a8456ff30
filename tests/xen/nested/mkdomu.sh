#!/usr/bin/env bash
# mkdomu.sh - a tiny initramfs for a Linux PVH domU, to test the xen
# launcher before (and beside) the Kiln guest: busybox, the xenstore tools
# and their libraries, the netfront/blkfront modules, and INIT as /init.
# Everything comes from the nested environment's dom0 tree.
#
#   mkdomu.sh NESTED_DIR INIT OUT.cpio.gz
#
# The kernel is NESTED_DIR/vmlinuz (Debian's bzImage, which xl loads as a
# PVH guest); its command line should hold "console=hvc0 rdinit=/init".
set -uo pipefail
[ $# -eq 3 ] || {
	echo "usage: mkdomu.sh NESTED_DIR INIT OUT.cpio.gz" >&2
	exit 2
}
src=$1/dom0
init=$2
out=$3
[ -d "$src" ] || {
	echo "mkdomu: no dom0 tree in $1 (platform/xen/nested/build.sh)" >&2
	exit 1
}
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
mkdir -p "$t"/{bin,lib64,lib/x86_64-linux-gnu,proc,sys,dev,tmp,mnt}
cp -a "$src/bin/." "$t/bin/"
# Only what the xenstore tools need (libxenstore, libc, the loader).
rm -f "$t/bin/xl" "$t/bin/xenstored" "$t/bin/xenconsoled" "$t/bin/xenconsole" \
	"$t/bin/xen-init-dom0" "$t/bin/libxl-save-helper"
for l in ld-linux-x86-64.so.2; do cp "$src/lib64/$l" "$t/lib64/"; done
for l in libc.so.6 libxenstore.so.4 libxentoolcore.so.1; do
	cp "$src/lib/x86_64-linux-gnu/$l" "$t/lib/x86_64-linux-gnu/"
done
while read -r m; do
	mkdir -p "$t$(dirname "$m")"
	cp "$src$m" "$t$m"
	echo "$m" >>"$t/modules"
done <"$src/etc/kiln/domu-modules"
install -m 755 "$init" "$t/init"
# udhcpc's hook: the lease's address on the interface, nothing else.
cat >"$t/bin/udhcpc.script" <<'SCRIPT'
#!/bin/sh
case "$1" in
bound | renew) ip addr add "$ip/${mask:-24}" dev "$interface" ;;
deconfig) ip addr flush dev "$interface" ;;
esac
exit 0
SCRIPT
chmod 755 "$t/bin/udhcpc.script"
find "$t" -exec touch -h -d @0 {} +
(cd "$t" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) |
	gzip -n >"$out"
