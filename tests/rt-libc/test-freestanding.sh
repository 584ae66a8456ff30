#!/usr/bin/env bash
# lib/rt/libc builds without a host C library:
# - every libc/*.c compiles with -ffreestanding -nostdinc (gcc, and clang
#   when installed) at -O0, -O2, -O3 and -Os with -Wall -Wextra -Werror;
# - together they leave exactly one symbol undefined (kiln_panic_at), and
#   string.o none at all (the compiler did not turn a loop of memcpy or
#   memset into a call to itself);
# - std_names.o defines every standard name promised by the headers;
# - a program using only those headers links with -nostdlib and runs.
# It runs gcc and clang itself (not kiln): the compilers and their
# optimisation levels are what it tests.
# timeout: 240
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
# A folder of this run's own: the suite may run more than once at a time.
mkdir -p "$ROOT/_build/tests/rt-libc"
out=$(mktemp -d "$ROOT/_build/tests/rt-libc/freestanding.XXXXXX")
on_exit "rm -rf '$out'"

compilers=(gcc)
command -v clang >/dev/null && compilers+=(clang)
for cc in "${compilers[@]}"; do
	inc=$($cc -print-file-name=include)
	for opt in -O0 -O2 -O3 -Os; do
		name="freestanding/$cc$opt"
		dir="$out/$cc$opt"
		mkdir -p "$dir"
		flags=(-std=c11 -ffreestanding -nostdinc -isystem "$inc"
			-Ilib/rt/libc/include -Iinclude "$opt" -Wall -Wextra
			-Werror -fno-stack-protector)
		ok=1
		for f in lib/rt/libc/*.c; do
			if ! $cc "${flags[@]}" -c "$f" -o "$dir/$(basename "$f" .c).o" 2>"$dir/log"; then
				fail "$name" "$f: $(head -c 400 "$dir/log")"
				ok=0
				break
			fi
		done
		[ $ok = 1 ] || continue
		ld -r -o "$dir/libc.all" "$dir"/*.o
		undefined=$(nm -u "$dir/libc.all" | awk '{print $2}' | tr '\n' ' ')
		if [ "$undefined" != "kiln_panic_at " ]; then
			fail "$name" "undefined symbols: '$undefined' (want only kiln_panic_at)"
			continue
		fi
		string_undef=$(nm -u "$dir/string.o" | awk '{print $2}' | tr '\n' ' ')
		if [ -n "$string_undef" ]; then
			fail "$name" "string.o calls out: $string_undef"
			continue
		fi
		pass "$name"
	done
done

# Every name the headers declare is defined by std_names.o.
dir="$out/gcc-O2"
names=$(sed -n 's/^[a-z].*[ *]\([a-z_]*\)(.*/\1/p' lib/rt/libc/include/{string,strings,stdlib,stdio,ctype}.h | sort -u)
defined=$(nm --defined-only "$dir/std_names.o" | awk '{print $3}' | sort -u)
missing=$(comm -23 <(echo "$names") <(echo "$defined") | tr '\n' ' ')
if [ -z "$names" ]; then
	fail "freestanding/std-names" "no declarations found in the headers"
elif [ -n "$missing" ]; then
	fail "freestanding/std-names" "declared but not defined: $missing"
else
	pass "freestanding/std-names ($(echo "$names" | wc -w) functions)"
fi

# A whole program on the standard names only, run as a static Linux
# executable with its own _start.
if [ "$(uname -m)" != x86_64 ]; then
	skip "freestanding/program" "needs x86-64 Linux (raw system calls)"
else
	for opt in -O0 -O2; do
		name="freestanding/program$opt"
		inc=$(gcc -print-file-name=include)
		if ! gcc -std=c11 -ffreestanding -nostdinc -isystem "$inc" \
			-Ilib/rt/libc/include -Iinclude "$opt" -Wall -Wextra \
			-Werror -Wformat=2 -fno-stack-protector -fno-pie -no-pie \
			-static -nostdlib -o "$out/program$opt" \
			tests/rt-libc/freestanding_main.c lib/rt/libc/*.c \
			>"$out/program.log" 2>&1; then
			fail "$name" "does not build: $(head -c 600 "$out/program.log")"
			continue
		fi
		if result=$(timeout 20 "$out/program$opt" 2>&1); then
			pass "$name"
		else
			fail "$name" "$(echo $result)"
		fi
	done
fi

# assert: a failing one panics naming the expression; under NDEBUG the
# expression is not even compiled.
if [ "$(uname -m)" = x86_64 ]; then
	inc=$(gcc -print-file-name=include)
	if gcc -std=c11 -ffreestanding -nostdinc -isystem "$inc" \
		-Ilib/rt/libc/include -Iinclude -O2 -Wall -Wextra -Werror \
		-fno-stack-protector -fno-pie -no-pie -static -nostdlib \
		-DFAIL_ASSERT -o "$out/program-assert" \
		tests/rt-libc/freestanding_main.c lib/rt/libc/*.c \
		>"$out/assert.log" 2>&1; then
		result=$(timeout 20 "$out/program-assert" 2>&1)
		rc=$?
		if [ $rc -eq 3 ] && [[ "$result" == *"freestanding_main.c:"*"assertion failed: 1 + 1 == 3"* ]]; then
			pass "freestanding/assert-fails"
		else
			fail "freestanding/assert-fails" "status $rc: $(echo $result)"
		fi
	else
		fail "freestanding/assert-fails" "does not build: $(head -c 400 "$out/assert.log")"
	fi
fi
printf '#define NDEBUG\n#include <assert.h>\nvoid f(void);\nvoid f(void) { assert(no_such_name); }\n' >"$out/ndebug.c"
if gcc -std=c11 -ffreestanding -nostdinc -isystem "$(gcc -print-file-name=include)" \
	-Ilib/rt/libc/include -Iinclude -Wall -Wextra -Werror \
	-c "$out/ndebug.c" -o "$out/ndebug.o" 2>"$out/ndebug.log"; then
	pass "freestanding/assert-ndebug"
else
	fail "freestanding/assert-ndebug" "$(head -c 400 "$out/ndebug.log")"
fi
finish
