# Helpers for the hvt tests (sourced after tests/lib.sh).
#
# build_guest SRC OUT [LDSCRIPT [CFLAGS...]]: compile one of
# tests/hvt/guests/*.c, a bare guest without the runtime, into an hvt
# image with plain gcc (linked with platform/hvt/image.ld by default).
build_guest() {
	local src=$1 out=$2 script=${3:-$ROOT/platform/hvt/image.ld}
	shift $(($# < 3 ? $# : 3))
	gcc -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pic \
		-fno-pie -no-pie -static -nostdlib -fno-stack-protector \
		-fno-asynchronous-unwind-tables -I"$ROOT/platform/hvt" \
		-Wl,-T,"$script" \
		-Wl,-z,max-page-size=4096 -Wl,--build-id=none \
		-Wl,-z,noexecstack "$@" "$src" -o "$out"
}

# build_app DIR: kiln build -t hvt DIR; prints the image's path.
build_app() {
	local log
	log=$("$KILN" build -t hvt "$1" 2>&1) || {
		echo "$log" >&2
		return 1
	}
	local name
	name=$(sed -n 's/^name *= *//p' "$1/kiln.app")
	echo "$1/_build/hvt/$name"
}
