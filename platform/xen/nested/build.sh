#!/usr/bin/env bash
# build.sh - build, once, the nested Xen environment the xen target's
# launcher boots under QEMU TCG when there is no Xen host (docs/xen.md).
#
#   build.sh [--force] [--quiet] [DIR]
#
# DIR (default _build/xen-nested in the repository) receives:
#   xen.elf        Xen 4.17 (Debian's xen-hypervisor-4.17-amd64), gunzipped:
#                  QEMU's multiboot loader wants the plain ELF
#   vmlinux        Debian 12's 6.1 kernel (the one linux-image-amd64 depends
#                  on), the ELF taken out of the bzImage's xz stream: Xen
#                  loads it ~2 s faster under TCG than the bzImage
#   vmlinuz        that bzImage, as packaged (a PVH domU kernel for tests)
#   dom0.cpio.gz   dom0's initramfs: busybox, the host's toolstack (xl,
#                  xenstored, xenconsoled, xen-init-dom0, xenstore-*) with
#                  the shared libraries ldd names, the kernel modules dom0
#                  needs and their dependencies, and init (nested/init)
#   dom0/          the tree that initramfs was made from (test helpers
#                  take busybox, the xenstore tools and the domU front-end
#                  modules from it)
#   debs/          the three downloaded packages, kept for a rebuild
#   stamp          what the environment was built from: the versions of
#                  the downloaded packages and of the host packages whose
#                  files were copied, and the hash of every script here
#
# Nothing is installed on the host: the hypervisor, the kernel and
# busybox-static are fetched with apt-get download and unpacked with
# dpkg-deb -x; the toolstack is copied from the host's xen-utils-4.17
# (scripts/packages.txt). The same inputs give the same bytes (sorted
# cpio entries, fixed times and owners, gzip -n).
#
# When the stamp matches (scripts unchanged, the host packages at the
# recorded versions) nothing is done; checking takes a few milliseconds.
# The downloaded packages' versions are not looked up again then (that
# costs apt a second): --force, or removing DIR, builds from the versions
# apt offers now. Messages go to stderr; errors are one line and exit 1.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
force=0
quiet=0
out=
while [ $# -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--quiet) quiet=1 ;;
	-*)
		echo "xen-nested: unknown option $1" >&2
		exit 1
		;;
	*) out=$1 ;;
	esac
	shift
done
out=${out:-$root/_build/xen-nested}
# Absolute: the build changes directory (apt-get download runs in its own).
case "$out" in /*) ;; *) out=$PWD/$out ;; esac

die() {
	echo "xen-nested: $*" >&2
	exit 1
}
say() { [ "$quiet" = 1 ] || echo "xen-nested: $*" >&2; }

# The stamp's fast part: the scripts and the host packages recorded at the
# last build (dpkg-query answers in milliseconds; apt-cache does not).
script_hashes() {
	(cd "$here" && LC_ALL=C sha256sum $(LC_ALL=C ls))
}
host_versions() {
	# $1: file listing host packages, one a line
	[ -s "$1" ] || return 0
	xargs dpkg-query -W -f='${Package} ${Version}\n' <"$1" 2>/dev/null | LC_ALL=C sort
}
fast_stamp() {
	{
		echo "scripts:"
		script_hashes
		echo "host:"
		host_versions "$1"
		echo "downloaded:"
		cat "$2" 2>/dev/null
	}
}

if [ "$force" = 0 ] && [ -f "$out/stamp" ] && [ -f "$out/dom0.cpio.gz" ] &&
	[ -f "$out/xen.elf" ] && [ -f "$out/vmlinux" ] &&
	[ "$(fast_stamp "$out/host-packages" "$out/downloaded")" = "$(cat "$out/stamp")" ]; then
	exit 0
fi

mkdir -p "$(dirname "$out")" || die "cannot create $(dirname "$out")"
# One builder at a time; a second launcher waits, then finds it built.
exec 8>"$out.lock" || die "cannot open $out.lock"
flock -w 600 8 || die "timed out waiting for another build of $out"
if [ "$force" = 0 ] && [ -f "$out/stamp" ] && [ -f "$out/dom0.cpio.gz" ] &&
	[ "$(fast_stamp "$out/host-packages" "$out/downloaded")" = "$(cat "$out/stamp")" ]; then
	exit 0
fi

for t in apt-get apt-cache dpkg-deb dpkg-query cpio gzip xz ldd sha256sum; do
	command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh installs what is missing)"
done
xenbin=/usr/lib/xen-4.17/bin
[ -x "$xenbin/xl" ] || die "$xenbin/xl not found: install xen-utils-4.17 (scripts/deps.sh)"
[ -x /usr/bin/xenstore ] || die "/usr/bin/xenstore not found: install xenstore-utils (comes with xen-utils-4.17)"

say "building the nested Xen environment in $out (once; about a minute)"
t0=$SECONDS
work=$(mktemp -d "$out.build.XXXXXX") || die "cannot make a build directory"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/pkg" "$work/dom0"

# ---------------------------------------------------------------- downloads
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1.*-amd64$/ {print $2; exit}')
[ -n "$kpkg" ] || die "apt knows no linux-image-amd64 depending on a 6.1 kernel (apt-get update?)"
pkgs=(xen-hypervisor-4.17-amd64 "$kpkg" busybox-static)
: >"$work/downloaded"
for p in "${pkgs[@]}"; do
	v=$(apt-cache policy "$p" 2>/dev/null | awk '$1 == "Candidate:" {print $2; exit}')
	[ -n "$v" ] && [ "$v" != "(none)" ] || die "apt has no candidate for $p (apt-get update?)"
	echo "$p $v" >>"$work/downloaded"
	# Reuse a package downloaded by an earlier build.
	f=$(ls "$out/debs/${p}_"*.deb 2>/dev/null | while read -r d; do
		[ "$(dpkg-deb -f "$d" Version)" = "$v" ] && echo "$d" && break
	done)
	if [ -n "$f" ]; then
		cp "$f" "$work/debs/"
	else
		say "downloading $p $v"
		(cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root "$p=$v" >/dev/null 2>"$work/apt.err") ||
			die "apt-get download $p=$v failed: $(tail -1 "$work/apt.err")"
	fi
done
deb() { ls "$work/debs/${1}_"*.deb | head -1; }

for p in "${pkgs[@]}"; do
	dpkg-deb -x "$(deb "$p")" "$work/pkg" || die "dpkg-deb -x $(deb "$p") failed"
done
pkg=$work/pkg

# ---------------------------------------------------------------- Xen, kernel
[ -f "$pkg/boot/xen-4.17-amd64.gz" ] || die "no boot/xen-4.17-amd64.gz in the hypervisor package"
gzip -dc "$pkg/boot/xen-4.17-amd64.gz" >"$work/xen.elf" || die "gunzip xen failed"
kver=${kpkg#linux-image-}
bz=$pkg/boot/vmlinuz-$kver
[ -f "$bz" ] || die "no boot/vmlinuz-$kver in $kpkg"
cp "$bz" "$work/vmlinuz"
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -1 | cut -d: -f1)
[ -n "$off" ] || die "no xz stream in $bz"
tail -c +$((off + 1)) "$bz" | xz -dc --single-stream >"$work/vmlinux" 2>/dev/null
[ "$(head -c 4 "$work/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
	die "the xz stream of $bz is not an ELF kernel"

# ---------------------------------------------------------------- dom0 tree
d0=$work/dom0
mkdir -p "$d0"/{bin,sbin,usr/bin,usr/sbin,lib64,etc/xen/scripts,etc/kiln,proc,sys,dev,run,tmp,root} \
	"$d0"/var/{lib/xen,lib/xenstored,log/xen,run/xen,run/xenstored,lock} \
	"$d0/lib/x86_64-linux-gnu" "$d0$xenbin"
cp "$pkg/bin/busybox" "$d0/bin/busybox"
for a in $("$d0/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$d0/bin/$a"
done
# Everything on PATH lives in /bin; the other directories point there.
for l in sbin usr/bin usr/sbin; do
	rmdir "$d0/$l" && ln -s /bin "$d0/$l"
done

# The toolstack, copied from the host, with the shared libraries ldd finds.
tools=("$xenbin/xl" "$xenbin/xenstored" "$xenbin/xenconsoled" "$xenbin/xenconsole"
	"$xenbin/xen-init-dom0" "$xenbin/libxl-save-helper")
for t in "${tools[@]}"; do
	[ -x "$t" ] || die "$t not found (xen-utils-4.17)"
	cp "$t" "$d0$t"
	ln -sf "$t" "$d0/bin/$(basename "$t")"
done
cp /usr/bin/xenstore "$d0/bin/xenstore"
for x in read write ls list rm exists chmod watch; do
	ln -sf xenstore "$d0/bin/xenstore-$x"
done
libs=$(for t in "${tools[@]}" /usr/bin/xenstore; do ldd "$t"; done |
	awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | LC_ALL=C sort -u)
# xl needs libgcc_s at run time (pthread_cancel); ldd does not list it.
gcc_s=$(ldconfig -p 2>/dev/null | awk '/libgcc_s\.so\.1 .*x86-64/ {print $NF; exit}')
[ -n "$gcc_s" ] || gcc_s=/lib/x86_64-linux-gnu/libgcc_s.so.1
[ -f "$gcc_s" ] || die "libgcc_s.so.1 not found"
libs="$libs $gcc_s"
for l in $libs; do
	r=$(readlink -f "$l")
	case "$l" in
	/lib64/*) dest=$d0/lib64/$(basename "$l") ;;
	*) dest=$d0/lib/x86_64-linux-gnu/$(basename "$l") ;;
	esac
	cp "$r" "$dest" || die "cannot copy $l"
done
# The host packages those files come from: their versions are in the stamp.
{
	for f in "${tools[@]}" /usr/bin/xenstore $libs; do
		dpkg-query -S "$(readlink -f "$f")" 2>/dev/null || dpkg-query -S "$f" 2>/dev/null
	done
} | sed 's/:.*//; s/,.*//' | LC_ALL=C sort -u >"$work/host-packages"

# Kernel modules: these and what modules.dep says they need (the package
# has no modules.dep; busybox's depmod writes one into the unpacked tree).
moddir=lib/modules/$kver
"$d0/bin/busybox" depmod -b "$pkg" "$kver" || die "depmod failed"
dep=$pkg/$moddir/modules.dep
dom0_mods=(xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc xen-netback xen-blkback
	bridge virtio_pci virtio_net virtio_blk virtio_console)
# Loaded by nobody in dom0: a Linux domU's front ends (test helpers).
domu_mods=(xen-netfront xen-blkfront)
declare -A seen=()
order=()
resolve() {
	local path=$1 line d
	[ -n "${seen[$path]:-}" ] && return 0
	seen[$path]=1
	line=$(grep -m1 "^$path:" "$dep") || die "modules.dep has no $path"
	for d in ${line#*:}; do
		resolve "$d"
	done
	order+=("$path")
}
modpath() {
	local p
	p=$(grep -m1 -E "(^|/)$1\.ko:" "$dep" | cut -d: -f1)
	[ -n "$p" ] || die "module $1 not in $kpkg"
	echo "$p"
}
for m in "${dom0_mods[@]}"; do
	resolve "$(modpath "$m")"
done
mkdir -p "$d0/$moddir"
: >"$d0/etc/kiln/modules"
for p in "${order[@]}"; do
	mkdir -p "$d0/$moddir/$(dirname "$p")"
	cp "$pkg/$moddir/$p" "$d0/$moddir/$p"
	echo "/$moddir/$p" >>"$d0/etc/kiln/modules"
done
: >"$d0/etc/kiln/domu-modules"
for m in "${domu_mods[@]}"; do
	p=$(modpath "$m")
	mkdir -p "$d0/$moddir/$(dirname "$p")"
	cp "$pkg/$moddir/$p" "$d0/$moddir/$p"
	echo "/$moddir/$p" >>"$d0/etc/kiln/domu-modules"
done

# init and the hotplug scripts libxl runs (busybox sh stand-ins for
# Debian's bash ones).
install -m 755 "$here/init" "$d0/init"
install -m 755 "$here/vif-bridge" "$d0/etc/xen/scripts/vif-bridge"
install -m 755 "$here/block" "$d0/etc/xen/scripts/block"
echo "root:x:0:0:root:/root:/bin/sh" >"$d0/etc/passwd"
echo "root:x:0:" >"$d0/etc/group"
: >"$d0/etc/xen/xl.conf"
echo "$kver" >"$d0/etc/kiln/kernel-version"

# ---------------------------------------------------------------- the cpio
# mkcpio DIR OUT: a gzip'd newc archive of DIR, the same bytes for the same
# tree (sorted names, mtime 0, owner root, inode numbers renumbered).
mkcpio() {
	find "$1" -exec touch -h -d @0 {} +
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n >"$2"
}
mkcpio "$d0" "$work/dom0.cpio.gz" || die "cpio of the dom0 tree failed"

# ---------------------------------------------------------------- install
fast_stamp "$work/host-packages" "$work/downloaded" >"$work/stamp"
rm -rf "$out.old"
[ -d "$out" ] && mv "$out" "$out.old"
mkdir -p "$out"
mv "$work/debs" "$work/dom0" "$work/xen.elf" "$work/vmlinux" "$work/vmlinuz" \
	"$work/dom0.cpio.gz" "$work/host-packages" "$work/downloaded" "$out/"
# The stamp last: a build cut short leaves none.
mv "$work/stamp" "$out/stamp"
[ -d "$out.old/logs" ] && mv "$out.old/logs" "$out/logs"
rm -rf "$out.old"
say "built in $((SECONDS - t0)) s: $(du -h "$out/dom0.cpio.gz" | cut -f1) dom0 initramfs"
exit 0
