#!/usr/bin/env bash
# Build an image for the unix target with plain cc commands (what kiln
# does, without the descriptor files): lib/rt + platform/unix + host/.
#   tests/rt/build-unix.sh OUT [--sanitize] SOURCES...
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
shift
flags=(-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror
	-Wno-unused-parameter -I"$root/include")
if [ "${1:-}" = --sanitize ]; then
	flags+=(-O1 -fsanitize=address,undefined -fno-sanitize-recover=all
		-fno-omit-frame-pointer)
	shift
fi
mkdir -p "$(dirname "$out")"
cc "${flags[@]}" -o "$out" "$@" "$root"/lib/rt/*.c \
	"$root"/lib/rt/arch/x86_64/*.S "$root"/platform/unix/*.c \
	"$root"/host/hostopt.c "$root"/host/tap.c "$root"/host/usernet.c \
	"$root"/host/pollset.c -lslirp
