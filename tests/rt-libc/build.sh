# Build helper for the rt-libc tests (sourced after tests/lib.sh).
# libc_test_build NAME: build tests/rt-libc/NAME_test.host (NAME_test.c
# with the libc sources that run on the host, under ASan and UBSan) with
# kiln. Sets $LIBC_TEST_BIN to the program, or reports FAIL and returns 1.
libc_test_build() {
	local name=$1 m="tests/rt-libc/$1_test.host"
	if ! LIBC_TEST_BIN=$(host_build "$m"); then
		fail "rt-libc/$name" "does not compile: $(grep -v '^  ' "$(host_log "$m")" | head -c 600)"
		return 1
	fi
}
