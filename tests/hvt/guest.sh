# Helpers for the hvt tests (sourced after tests/lib.sh).
#
# build_guest SRC OUT: compile one of tests/hvt/guests/*.c, a bare guest
# without the runtime, into an hvt image with plain gcc.
build_guest() {
	gcc -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pic \
		-fno-pie -no-pie -static -nostdlib -fno-stack-protector \
		-fno-asynchronous-unwind-tables -I"$ROOT/platform/hvt" \
		-Wl,-T,"$ROOT/platform/hvt/image.ld" \
		-Wl,-z,max-page-size=4096 -Wl,--build-id=none \
		-Wl,-z,noexecstack "$1" -o "$2"
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
