#!/usr/bin/env bash
# kiln's host programs (NAME.host, docs/building.md) in a throwaway tree:
# the libraries' sources come from their kiln.lib; a second build compiles
# nothing; touching one library file recompiles only that object; a change
# of the program's cflags recompiles its own files, not the libraries';
# _build/compile_commands.json lists every source with its flags; and no
# script under tests/, fuzz/ or bench/ runs a compiler itself.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
T=$(scratch)
r="$T/root"
mkdir -p "$r/include/kiln" "$r/lib/rt" "$r/lib/demo" "$r/prog" "$r/platform"
printf 'sources = *.c\n' >"$r/lib/rt/kiln.lib"
printf 'int rt_one(void) { return 1; }\n' >"$r/lib/rt/one.c"
printf '# a test library\nsources = *.c\n' >"$r/lib/demo/kiln.lib"
printf 'int demo_a(void) { return 2; }\n' >"$r/lib/demo/a.c"
printf 'int demo_b(void) { return 3; }\n' >"$r/lib/demo/b.c"
printf 'int demo_c(void) { return 4; }\n' >"$r/lib/demo/c.c"
cat >"$r/prog/main.c" <<'EOT'
#include <stdio.h>
int demo_a(void);
int demo_b(void);
int main(void)
{
	printf("sum %d\n", demo_a() + demo_b() + SHIFT);
	return 0;
}
EOT
cat >"$r/prog/t.host" <<'EOT'
sources = main.c
libraries = demo
cflags = -DSHIFT=10
sanitize = yes
EOT
build() { KILN_ROOT="$r" "$KILN" build -j 2 "$r/prog/t.host" >"$T/log" 2>&1; }
ccs() { grep -c '^  CC ' "$T/log"; }
bin="$r/_build/host/prog/t/t"

if build && [ "$("$bin")" = "sum 15" ]; then
	pass "host: a program built from its manifest and lib/demo's kiln.lib runs ($(ccs) compiles)"
else
	fail "host: first build" "$(tail -5 "$T/log" | tr '\n' '|')"
	finish
fi
grep -q 'CC .*lib/demo/c.c' "$T/log" && pass "host: every source of the library is compiled (c.c too)" ||
	fail "host: library sources" "no CC of lib/demo/c.c"

build
if [ "$(ccs)" = 0 ] && grep -q '^kiln: t is up to date' "$T/log"; then
	pass "host: a second build compiles nothing"
else
	fail "host: second build" "$(tr '\n' '|' <"$T/log")"
fi

sleep 0.01
touch "$r/lib/demo/b.c"
build
got=$(grep '^  CC ' "$T/log" | sed 's/^  CC //' | tr '\n' ' ')
if [ "$(ccs)" = 1 ] && [[ $got == *lib/demo/b.c* ]] && grep -q '^  LD ' "$T/log"; then
	pass "host: touching lib/demo/b.c recompiles that object only, then relinks"
else
	fail "host: touch lib/demo/b.c" "compiled: $got"
fi

sed -i 's/-DSHIFT=10/-DSHIFT=20/' "$r/prog/t.host"
build
got=$(grep '^  CC ' "$T/log" | sed 's/^  CC //' | tr '\n' ' ')
if [ "$(ccs)" = 1 ] && [[ $got == *prog/main.c* ]] && [ "$("$bin")" = "sum 25" ]; then
	pass "host: new cflags recompile the program's own file, not the libraries"
else
	fail "host: cflags change" "compiled: $got"
fi

db="$r/_build/compile_commands.json"
if python3 - "$db" "$r" <<'PY'; then
import json, os, sys
db, root = sys.argv[1], os.path.realpath(sys.argv[2])
entries = json.load(open(db))
files = {e["file"]: e for e in entries}
want = [root + "/lib/demo/" + f for f in ("a.c", "b.c", "c.c")] + [root + "/lib/rt/one.c", root + "/prog/main.c"]
missing = [w for w in want if w not in files]
assert not missing, "missing: %s" % missing
for w in want:
    e = files[w]
    assert e["arguments"][0] == "cc" and "-fsanitize=address,undefined" in e["arguments"], w
    assert "-c" in e["arguments"] and e["arguments"][e["arguments"].index("-c") + 1] == w, w
    assert os.path.isdir(e["directory"]) and os.path.exists(e["output"]), w
assert "-DSHIFT=20" in files[root + "/prog/main.c"]["arguments"]
assert "-DSHIFT=20" not in files[root + "/lib/demo/a.c"]["arguments"]
PY
	pass "host: _build/compile_commands.json lists each source with its flags"
else
	fail "host: compile_commands.json" "$(head -c 300 "$db")"
fi

# A shared object (shared = yes) with link flags (ldflags), copied into
# the tree's bin/ (bin = yes); an LD_PRELOAD of it runs its constructor.
cat >"$r/prog/shim.c" <<'EOT'
#include <unistd.h>
__attribute__((constructor)) static void shim(void) { (void)!write(1, "shim\n", 5); }
EOT
printf 'sources = shim.c\nshared = yes\nldflags = -Wl,-soname,libshim-x.so\nbin = yes\n' >"$r/prog/shim.host"
so="$r/_build/host/prog/shim/shim.so"
if KILN_ROOT="$r" "$KILN" build "$r/prog/shim.host" >"$T/log" 2>&1 &&
	readelf -h "$so" | grep -q 'DYN' && readelf -d "$so" | grep -q 'SONAME.*libshim-x.so' &&
	cmp -s "$so" "$r/bin/shim.so" &&
	[ "$(LD_PRELOAD="$r/bin/shim.so" /bin/echo hi | tr '\n' ' ')" = "shim hi " ]; then
	pass "host: shared = yes makes NAME.so with the manifest's ldflags, bin = yes copies it to bin/"
else
	fail "host: shared object" "$(tail -5 "$T/log" | tr '\n' '|')"
fi
KILN_ROOT="$r" "$KILN" build -q "$r/prog/shim.host" >"$T/log" 2>&1
[ ! -s "$T/log" ] && pass "host: -q says nothing when there is nothing to do" ||
	fail "host: -q" "$(head -3 "$T/log")"
echo stale >"$r/bin/shim.so"
touch -d '2030-01-01' "$r/bin/shim.so"
KILN_ROOT="$r" "$KILN" build -q "$r/prog/shim.host" >"$T/log" 2>&1
cmp -s "$so" "$r/bin/shim.so" && [ "$(grep -c '^  [CL][CD] ' "$T/log")" = 0 ] &&
	pass "host: a bin/ copy that differs (even newer) is replaced, nothing recompiled" ||
	fail "host: bin/ copy" "$(tr '\n' '|' <"$T/log")"

# --sanitize: the same program with ASan and UBSan, in _build/host-san/,
# never copied to bin/.
printf 'int main(int c, char **v) { (void)v; int a[2] = {0, 0}; return a[c]; }\n' >"$r/prog/oob.c"
printf 'sources = oob.c\nbin = yes\n' >"$r/prog/oob.host"
san="$r/_build/host-san/prog/oob/oob"
if KILN_ROOT="$r" "$KILN" build --sanitize "$r/prog/oob.host" >"$T/log" 2>&1 && [ -x "$san" ] &&
	[ ! -e "$r/bin/oob" ] && "$san" 2>"$T/san.log" &&
	"$san" x y 2>"$T/san.log"; [ $? -ne 0 ] && grep -qE 'AddressSanitizer|runtime error: index 3 out of bounds' "$T/san.log" && nm "$san" | grep -q __asan_init; then
	pass "host: --sanitize builds into _build/host-san/ with ASan and UBSan (an overflow caught), not into bin/"
else
	fail "host: --sanitize" "$(tail -3 "$T/log" | tr '\n' '|') $(head -3 "$T/san.log")"
fi

# exclude: files the sources' globs matched, left out; one that leaves
# out nothing is a mistake.
mkdir -p "$r/ex"
printf 'int main(void) { return 0; }\n' >"$r/ex/main.c"
printf 'this does not compile\n' >"$r/ex/broken.c"
printf 'sources = *.c\nexclude = broken.c\n' >"$r/ex/ex.host"
KILN_ROOT="$r" "$KILN" build "$r/ex/ex.host" >"$T/log" 2>&1 && ! grep -q broken "$T/log" &&
	pass "host: exclude leaves a file the glob matched out" ||
	fail "host: exclude" "$(tail -3 "$T/log" | tr '\n' '|')"
printf 'sources = *.c\nexclude = broken.c nosuch.c\n' >"$r/ex/ex.host"
KILN_ROOT="$r" "$KILN" build "$r/ex/ex.host" >"$T/log" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "ex.host:2: exclude 'nosuch.c' leaves out no source" "$T/log" &&
	pass "host: an exclude that leaves out nothing is FILE:LINE, exit 2" ||
	fail "host: stale exclude" "rc $rc: $(head -2 "$T/log")"

# --cross CC: the same manifest for another architecture, static, UBSan
# trapping in place of the sanitizers, in _build/host-cross/CC/.
if command -v aarch64-linux-gnu-gcc >/dev/null; then
	xbin="$r/_build/host-cross/aarch64-linux-gnu-gcc/prog/t/t"
	if KILN_ROOT="$r" "$KILN" build --cross aarch64-linux-gnu-gcc "$r/prog/t.host" >"$T/log" 2>&1 &&
		file "$xbin" | grep -q 'ARM aarch64.*statically linked' &&
		grep -q -- '-fsanitize-undefined-trap-on-error' "$xbin.cmd" && ! grep -q address "$xbin.cmd"; then
		pass "host: --cross builds the manifest with the cross compiler, static, UBSan trapping"
	else
		fail "host: --cross" "$(tail -3 "$T/log" | tr '\n' '|') $(file "$xbin")"
	fi
	if command -v qemu-aarch64 >/dev/null; then
		check "host: the cross-built program runs under qemu-aarch64" test "$(qemu-aarch64 "$xbin")" = "sum 25"
	fi
else
	skip "host: --cross" "no aarch64-linux-gnu-gcc (Debian: gcc-aarch64-linux-gnu)"
fi
KILN_ROOT="$r" "$KILN" build --cross aarch64-linux-gnu-gcc "$r/prog" >"$T/log" 2>&1
[ $? = 2 ] && grep -q -- "--cross is for host programs" "$T/log" && pass "host: --cross on an app is a usage mistake (exit 2)" || fail "host: --cross on an app" "$(head -2 "$T/log")"

# A mistake in the manifest is FILE:LINE and status 2.
printf 'sources = main.c\nlibraries = nosuch\n' >"$r/prog/bad.host"
KILN_ROOT="$r" "$KILN" build "$r/prog/bad.host" >"$T/log" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q "bad.host:2: unknown library 'nosuch'" "$T/log"; then
	pass "host: an unknown library is FILE:LINE, exit 2"
else
	fail "host: unknown library" "rc $rc: $(head -2 "$T/log")"
fi

# No test, fuzz or bench script runs a compiler itself: host programs,
# test guests and helpers are NAME.host manifests built by kiln. The one
# exception tests the compiler itself: tests/rt-libc/test-freestanding.sh
# compiles lib/rt's C library with gcc and clang at every -O level; it
# must still hold a compiler line. (tests/kiln/test-build.sh puts a
# counting wrapper around cc for kiln to run; it compiles nothing itself.)
compiler_tests=(tests/rt-libc/test-freestanding.sh)
compiler='(^|[;&|(!`]|\bthen|\bdo|\bif|\$\()[[:space:]]*("?\$\{?(CC|cc)\b[^[:space:]]*|cc|gcc|clang|[a-z0-9_-]+-gcc)[[:space:]]+[-"$]'
cd "$ROOT"
bad=()
while IFS= read -r f; do
	[[ " ${compiler_tests[*]} " == *" $f "* ]] || bad+=("$f")
done < <(grep -rlE "$compiler" tests fuzz bench --include='*.sh' | grep -v '^tests/kiln/test-build.sh$' | sort)
if [ ${#bad[@]} -eq 0 ]; then
	pass "no script under tests/, fuzz/ or bench/ runs a compiler (besides ${compiler_tests[*]}, which tests the compiler)"
else
	fail "scripts run a compiler themselves (write a NAME.host)" "${bad[*]}"
fi
stale=()
for f in "${compiler_tests[@]}"; do grep -qE "$compiler" "$f" || stale+=("$f"); done
[ ${#stale[@]} -eq 0 ] && pass "the exception still runs a compiler itself" ||
	fail "no compiler line left, remove from the list in tests/kiln/test-host.sh" "${stale[*]}"
finish
