#!/usr/bin/env bash
# Build a program from lib/rt plus the given sources with the host compiler
# (no kiln tool needed), for lib/rt's own unit tests.
#   tests/rt/build.sh OUT [--sanitize] SOURCES... [-- EXTRA CC FLAGS]
# CC picks another compiler (e.g. aarch64-linux-gnu-gcc); lib/rt's arch/
# folder follows the architecture it builds for.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
shift
flags=(-std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror
	-Wno-unused-parameter -I"$root/include")
if [ "${1:-}" = --sanitize ]; then
	flags+=(-fsanitize=address,undefined -fno-sanitize-recover=all
		-fno-omit-frame-pointer)
	shift
fi
srcs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	srcs+=("$1")
	shift
done
[ "${1:-}" = -- ] && shift
mkdir -p "$(dirname "$out")"
cc=${CC:-cc}
arch=$($cc -dumpmachine)
arch=${arch%%-*}
$cc "${flags[@]}" "$@" -o "$out" "${srcs[@]}" "$root"/lib/rt/*.c \
	"$root"/lib/rt/arch/"$arch"/*.c "$root"/lib/rt/arch/"$arch"/*.S
