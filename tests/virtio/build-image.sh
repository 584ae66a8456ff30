#!/usr/bin/env bash
# build-image.sh OUT APP.c...: link the virtio platform with the given
# application sources into a PVH image, using the flags of
# platform/virtio/kiln.target (the way kiln does, for tests that use a
# stand-in application instead of the runtime).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
shift
plat="$root/platform/virtio"
get() { sed -n "s/^$1 *= *//p" "$plat/kiln.target" | sed -e "s|{platform}|$plat|g" -e "s|{root}|$root|g"; }
cc=$(get cc)
cflags=$(get cflags)
asflags=$(get asflags)
ldflags=$(get ldflags)
ldlibs=$(get ldlibs)
obj="$out.obj"
rm -rf "$obj"
mkdir -p "$obj"
inc="-I$root/include -nostdinc -isystem $($cc -print-file-name=include)"
objs=()
for src in "$plat"/*.c "$root"/platform/x86_64/*.c "$root"/platform/x86_64/*.S \
	"$root"/platform/virtio_drivers/*.c "$@"; do
	o="$obj/$(basename "$src").o"
	case "$src" in
	*.S) $cc $asflags $inc -c "$src" -o "$o" ;;
	*) $cc $cflags $inc -c "$src" -o "$o" ;;
	esac
	objs+=("$o")
done
$cc $cflags $ldflags "${objs[@]}" $ldlibs -o "$out"
