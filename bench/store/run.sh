#!/usr/bin/env bash
# lib/store benchmark (bench/store/app) on unix and hvt, each on a block
# file in /tmp (on its file system: flush is fdatasync there):
# - commits/s: one put per commit flushed, 64 puts per commit flushed,
#   unflushed commits with one flush at the end;
# - recovery: 1 GiB of 16 KiB values (MB to change), the writer then
#   rewriting them is killed with SIGKILL, and the next boot's open is
#   timed (the whole log replayed and every record's checksum checked):
#   first with the file's page cache dropped (as after a power cut),
#   then again with it cached.
# usage: bench/store/run.sh   (env: N=2000 MB=1024 TARGETS="unix hvt")
# Not part of the test suite.
set -uo pipefail
cd "$(dirname "$0")/../.."
N=${N:-2000}
MB=${MB:-1024}
TARGETS=${TARGETS:-unix hvt}
make -s bin/kiln bin/kiln-hvt
tmp=$(mktemp -d /tmp/kiln-bench-store.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for t in $TARGETS; do
	if [ "$t" = hvt ] && [ ! -w /dev/kvm ]; then
		echo "== hvt: no KVM"
		continue
	fi
	bin/kiln build -t "$t" bench/store/app >/dev/null || exit 1
	img=bench/store/app/_build/$t/storebench
	run() {
		# (the unix target's console is its stderr)
		if [ "$t" = unix ]; then "$img" --mem 512M --block "file=$1" -- "${@:2}" 2>&1
		else bin/kiln-hvt --mem 512M --block "file=$1" "$img" -- "${@:2}" 2>&1; fi
	}
	echo "== $t: commits ($N each)"
	rm -f "$tmp/c.img"
	truncate -s 256M "$tmp/c.img"
	run "$tmp/c.img" commits --n="$N" | grep -v '^open'
	echo "== $t: recovery after a cut at $MB MiB"
	rm -f "$tmp/f.img"
	truncate -s $((MB * 2 + 256))M "$tmp/f.img"
	# exec, so that $! is the writer itself (or hvt's monitor) and the
	# SIGKILL is the cut
	(
		if [ "$t" = unix ]; then
			exec "$img" --mem 512M --block "file=$tmp/f.img" -- fill --mb="$MB"
		else
			exec bin/kiln-hvt --mem 512M --block "file=$tmp/f.img" "$img" -- fill --mb="$MB"
		fi
	) >"$tmp/fill.log" 2>&1 &
	pid=$!
	while ! grep -q '^filled' "$tmp/fill.log"; do
		sleep 0.5
		kill -0 $pid 2>/dev/null || break
	done
	sleep 2
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	grep '^filled' "$tmp/fill.log" | sed 's/^/  /'
	# A power cut leaves no page cache: drop the file's (its pages are
	# clean, every commit was flushed, but for the one in flight), then
	# once more with the file cached.
	dd if="$tmp/f.img" iflag=nocache count=0 status=none
	run "$tmp/f.img" open | sed 's/^/  cold: /'
	run "$tmp/f.img" open | sed 's/^/  warm: /'
done
