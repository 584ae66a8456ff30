# Build helper for the rt-libc tests (sourced after tests/lib.sh).
# libc_test_build NAME: compile tests/rt-libc/NAME_test.c with the libc
# sources that run on the host (all but std_names.c and errno.c, which
# only make sense without a host libc) under ASan and UBSan. Sets
# $LIBC_TEST_BIN to the program, or reports FAIL and returns 1. Each run
# builds in a folder of its own (removed at exit): the suite may run more
# than once at a time.
libc_test_build() {
	local name=$1 out srcs=() f
	mkdir -p "$ROOT/_build/tests/rt-libc"
	out=$(mktemp -d "$ROOT/_build/tests/rt-libc/$name.XXXXXX")
	on_exit "rm -rf '$out'"
	for f in "$ROOT"/lib/rt/libc/*.c; do
		case $(basename "$f") in
		std_names.c | errno.c) ;;
		*) srcs+=("$f") ;;
		esac
	done
	if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Wno-format-truncation \
		-fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer -I"$ROOT/include" \
		-o "$out/$name" "$ROOT/tests/rt-libc/${name}_test.c" \
		"${srcs[@]}" >"$out/$name.log" 2>&1; then
		fail "rt-libc/$name" "does not compile: $(head -c 600 "$out/$name.log")"
		return 1
	fi
	LIBC_TEST_BIN="$out/$name"
}
