#!/usr/bin/env bash
# kiln builds incrementally: nothing is redone when nothing changed; a
# touched header rebuilds exactly the objects that include it; changed
# flags rebuild what they apply to. Also: compiler errors, prebuild,
# assets, strip, --sanitize, clean, and a freestanding target.
# timeout: 240
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/fake-tree.sh"
[ -x "$KILN" ] || { fail "kiln-build" "bin/kiln is missing (run make)"; finish; }

T=$(scratch)
cd "$T"
make_fake_tree "$T/root"
make_fake_app "$T/app" probe
export KILN_ROOT="$T/root"
IMG=app/_build/fake/probe

# build [ARGS...]: run kiln build -t fake app; output in $T/out, status in $rc.
build() {
	timeout 120 "$KILN" build -t fake "$@" app >"$T/out" 2>&1
	rc=$?
}
# compiled: the sources compiled by the last build, sorted, space-separated.
compiled() { sed -n 's/^  [CA][CS] //p' "$T/out" | sort | tr '\n' ' ' | sed 's/ $//'; }
linked() { grep -q "^  LD $IMG\$" "$T/out"; }
mtime() { stat -c %y "$1"; }
# File times advance with the kernel's clock tick: let one pass before a
# change, so that the change is newer than what the last build wrote.
tick() { sleep 0.05; }

build
if [ $rc -eq 0 ] && [ "$(compiled)" = "app/main.c app/other.c root/lib/extra/extra.c root/lib/rt/rt.c root/platform/fake/start.c" ] &&
	linked && grep -q "^kiln: built $IMG ([0-9]* bytes)\$" "$T/out" && [ -x "$IMG" ]; then
	pass "first build compiles everything and links"
else
	fail "first build compiles everything and links" "rc=$rc: $(cat "$T/out")"
fi
[ "$("$IMG")" = "hi 42 1 7" ] && pass "the image runs" || fail "the image runs" "$("$IMG" 2>&1)"
for f in obj/app/main.o obj/app/main.d obj/app/main.cmd obj/lib/extra/extra.o obj/platform/fake/start.o probe.cmd; do
	[ -f "app/_build/fake/$f" ] || fail "objects mirror the sources" "no _build/fake/$f"
done
pass "objects mirror the sources"

before=$(mtime "$IMG")
sleep 0.05
build
if [ $rc -eq 0 ] && [ "$(cat "$T/out")" = "kiln: probe is up to date" ] && [ "$(mtime "$IMG")" = "$before" ]; then
	pass "second build does nothing"
else
	fail "second build does nothing" "rc=$rc: $(cat "$T/out")"
fi

tick
touch app/local.h
build
[ $rc -eq 0 ] && [ "$(compiled)" = "app/main.c" ] && linked &&
	pass "touching an app header rebuilds its one user" ||
	fail "touching an app header rebuilds its one user" "$(cat "$T/out")"

tick
touch root/lib/extra/include/extra.h
build
[ $rc -eq 0 ] && [ "$(compiled)" = "app/main.c root/lib/extra/extra.c" ] && linked &&
	pass "touching a library header rebuilds exactly its users" ||
	fail "touching a library header rebuilds exactly its users" "$(cat "$T/out")"

tick
touch root/include/kiln/platform.h
build
[ $rc -eq 0 ] && [ "$(compiled)" = "app/main.c root/lib/rt/rt.c root/platform/fake/start.c" ] &&
	pass "touching kiln/platform.h rebuilds its includers" ||
	fail "touching kiln/platform.h rebuilds its includers" "$(cat "$T/out")"

tick
sed -i 's/^cflags = .*/cflags = -DGREETING="hey"/' app/kiln.app
build
[ $rc -eq 0 ] && [ "$(compiled)" = "app/main.c app/other.c" ] && linked && [ "$("$IMG")" = "hey 42 1 7" ] &&
	pass "changing the app's cflags rebuilds the app's sources" ||
	fail "changing the app's cflags rebuilds the app's sources" "$(cat "$T/out")"

tick
sed -i 's/^cflags = .*/cflags = -std=c11 -O1 -Wall -Werror/' root/platform/fake/kiln.target
build
[ $rc -eq 0 ] && [ "$(compiled | wc -w)" -eq 5 ] && linked &&
	pass "changing the target's cflags rebuilds everything" ||
	fail "changing the target's cflags rebuilds everything" "$(cat "$T/out")"

tick
sed -i 's/^ldflags =.*/ldflags = -Wl,--as-needed/' root/platform/fake/kiln.target
build
[ $rc -eq 0 ] && [ -z "$(compiled)" ] && linked &&
	pass "changing ldflags relinks only" ||
	fail "changing ldflags relinks only" "$(cat "$T/out")"

build -j 1
[ $rc -eq 0 ] && grep -q "up to date" "$T/out" && pass "-j 1 agrees" || fail "-j 1 agrees" "$(cat "$T/out")"

# A compiler error stops the build with status 1 and the compiler's words.
tick
cp app/other.c app/other.c.good
tick
echo 'int broken(void) { return nope; }' >>app/other.c
build
if [ $rc -eq 1 ] && grep -q "other.c.*nope" "$T/out" && grep -q "^kiln: compiling app/other.c failed" "$T/out" &&
	! linked; then
	pass "a compiler error fails the build"
else
	fail "a compiler error fails the build" "rc=$rc: $(cat "$T/out")"
fi
build
[ $rc -eq 1 ] && [ "$(compiled)" = "app/other.c" ] && pass "a failed object is retried" ||
	fail "a failed object is retried" "rc=$rc: $(cat "$T/out")"
tick
mv app/other.c.good app/other.c
build
[ $rc -eq 0 ] && [ "$(compiled)" = "app/other.c" ] && linked && pass "fixing it builds again" ||
	fail "fixing it builds again" "rc=$rc: $(cat "$T/out")"

# A removed source drops out of the link.
tick
sed -i 's/^sources = .*/sources = *.c/' app/kiln.app
tick
echo 'int unused_extra(void) { return 1; }' >app/third.c
build
[ $rc -eq 0 ] && [ "$(compiled)" = "app/third.c" ] && linked && pass "globs pick up a new file" ||
	fail "globs pick up a new file" "rc=$rc: $(cat "$T/out")"
tick
rm app/third.c
build
[ $rc -eq 0 ] && [ -z "$(compiled)" ] && linked && pass "a removed source relinks" ||
	fail "a removed source relinks" "rc=$rc: $(cat "$T/out")"

# prebuild runs in APPDIR before compiling; its failure fails the build.
tick
echo 'prebuild = echo made $KILN_TARGET $KILN_ROOT $KILN_BUILD > prebuilt.txt' >>app/kiln.app
build
[ $rc -eq 0 ] && [ "$(cat app/prebuilt.txt 2>/dev/null)" = "made fake $T/root $T/app/_build/fake" ] &&
	pass "prebuild runs in APPDIR" ||
	fail "prebuild runs in APPDIR" "rc=$rc: $(cat "$T/out")"
tick
sed -i 's/^prebuild = .*/prebuild = exit 3/' app/kiln.app
build
[ $rc -eq 1 ] && grep -q "^kiln: prebuild 'exit 3' exited with status 3" "$T/out" && pass "a failing prebuild fails the build" ||
	fail "a failing prebuild fails the build" "rc=$rc: $(cat "$T/out")"
tick
sed -i '/^prebuild/d' app/kiln.app

# assets: kiln-assets writes gen/assets.c, compiled with the app.
mkdir -p app/www root/lib/assets root/bin
echo hello >app/www/index.html
echo 'sources = assets.c' >root/lib/assets/kiln.lib
echo 'int assets_count(void); int assets_lib(void) { return assets_count(); }' >root/lib/assets/assets.c
tick
echo 'assets = www:/static' >>app/kiln.app
build
[ $rc -eq 1 ] && grep -q "bin/kiln-assets, is missing\|bin/kiln-assets is missing" "$T/out" && pass "assets without kiln-assets: clear error" ||
	fail "assets without kiln-assets: clear error" "rc=$rc: $(cat "$T/out")"
cat >root/bin/kiln-assets <<'EOT'
#!/bin/sh
# A stand-in: records its arguments, writes the output only when it changes.
[ "$1" = --output ] || exit 9
out=$2
shift 2
echo "$*" >"$(dirname "$out")/args"
new="int assets_count(void) { return $#; }"
[ "$(cat "$out" 2>/dev/null)" = "$new" ] || echo "$new" >"$out"
EOT
chmod +x root/bin/kiln-assets
build
if [ $rc -eq 0 ] && compiled | grep -q "_build/fake/gen/assets.c" && compiled | grep -q "root/lib/assets/assets.c" &&
	[ "$(cat app/_build/fake/gen/args)" = "$T/app/www:/static" ]; then
	pass "assets are generated and compiled"
else
	fail "assets are generated and compiled" "rc=$rc: $(cat "$T/out"; cat app/_build/fake/gen/args)"
fi
build
[ $rc -eq 0 ] && grep -q "up to date" "$T/out" && pass "unchanged assets rebuild nothing" ||
	fail "unchanged assets rebuild nothing" "rc=$rc: $(cat "$T/out")"
tick
sed -i '/^assets/d' app/kiln.app

# strip = yes writes NAME.stripped and reports both sizes.
timeout 120 "$KILN" build -t fake2 app >"$T/out" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ -f app/_build/fake2/probe.stripped ] && grep -q "^kiln: stripped app/_build/fake2/probe.stripped ([0-9]* bytes)" "$T/out"; then
	pass "strip = yes writes NAME.stripped"
else
	fail "strip = yes writes NAME.stripped" "rc=$rc: $(cat "$T/out")"
fi

# --sanitize builds into TARGET-san with the sanitizer flags.
build --sanitize
if [ $rc -eq 0 ] && [ -x app/_build/fake-san/probe ] && grep -q fsanitize=address app/_build/fake-san/obj/app/main.cmd &&
	[ "$(app/_build/fake-san/probe)" = "hey 42 1 7" ]; then
	pass "--sanitize builds into _build/TARGET-san"
else
	fail "--sanitize builds into _build/TARGET-san" "rc=$rc: $(cat "$T/out")"
fi

# A freestanding target: -nostdinc, the compiler's own headers, the
# libraries' freestanding folders, freestanding_sources.
mkdir -p root/platform/bare root/lib/rt/libc/include
cat >root/platform/bare/kiln.target <<'EOT'
description = a freestanding stand-in: a static Linux binary without libc
freestanding = yes
cc = cc
cflags = -std=c11 -O1 -ffreestanding -fno-stack-protector -fno-pie
ldflags = -nostdlib -static -no-pie
sources = start.c
launch = {image} {opts} -- {args}
EOT
cat >root/platform/bare/start.c <<'EOT'
#include <kiln/platform.h>
#include <fakelibc.h>
void _start(void)
{
	struct platform_start_info info = {"", 0, 0, "bare"};
	long status = kiln_start(&info) + FAKELIBC;
	__asm__ volatile("syscall" : : "a"(60L), "D"(status));
	for (;;)
		;
}
EOT
echo '#define FAKELIBC 1' >root/lib/rt/libc/include/fakelibc.h
cat >root/lib/rt/kiln.lib <<'EOT'
hosted_sources = rt.c
freestanding_sources = libc/*.c
freestanding_include = libc/include
EOT
cat >root/lib/rt/libc/rt_bare.c <<'EOT'
#include <kiln/rt.h>
#include <fakelibc.h>
int kiln_start(const struct platform_start_info *info)
{
	char *argv[] = {"app", 0};
	return kiln_main(1, argv) + FAKELIBC;
}
EOT
mkdir -p bareapp
printf 'name = bare\nsources = main.c\n' >bareapp/kiln.app
echo 'int kiln_main(int argc, char **argv) { return KILN_FREESTANDING + KILN_TARGET_BARE + 3; }' >bareapp/main.c
timeout 120 "$KILN" build -t bare bareapp >"$T/out" 2>&1
rc=$?
cmd=$(cat bareapp/_build/bare/obj/app/main.cmd 2>/dev/null)
inc=$(cc -print-file-name=include)
if [ $rc -eq 0 ] && [[ "$cmd" == *"-DKILN_FREESTANDING=1 -nostdinc -isystem $inc -I$T/root/lib/rt/libc/include"* ]] &&
	grep -q "libc/rt_bare.c" "$T/out" && ! grep -q "lib/rt/rt.c" "$T/out"; then
	pass "freestanding flags and sources"
else
	fail "freestanding flags and sources" "rc=$rc: $(cat "$T/out"); $cmd"
fi
timeout 20 "$KILN" run -t bare bareapp >"$T/out" 2>&1
rc=$?
[ $rc -eq 7 ] && pass "the freestanding image runs (status 7)" || fail "the freestanding image runs (status 7)" "rc=$rc: $(cat "$T/out")"

# Two builds of one app at once: the second waits for the first.
rm -rf app/_build
timeout 120 "$KILN" build -t fake app >"$T/out1" 2>&1 &
p1=$!
timeout 120 "$KILN" build -t fake app >"$T/out2" 2>&1
rc2=$?
wait $p1
rc1=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$("$IMG")" = "hey 42 1 7" ] &&
	[ "$(cat "$T/out1" "$T/out2" | grep -c '^  LD ')" -eq 1 ]; then
	pass "concurrent builds take turns"
else
	fail "concurrent builds take turns" "rc=$rc1/$rc2: $(cat "$T/out1" "$T/out2")"
fi

# -j defaults to the CPUs online: a compiler wrapper records how many
# compiles run at once over six sources that take 0.4 s each.
cp -r root/platform/fake root/platform/par
cat >"$T/cc-count" <<EOT
#!/bin/bash
case " \$* " in *" -c "*)
	touch "$T/running/\$\$"
	ls "$T/running" | wc -l >>"$T/counts"
	sleep 0.4
	rm -f "$T/running/\$\$" ;;
esac
exec cc "\$@"
EOT
chmod +x "$T/cc-count"
sed -i "s|^cc = .*|cc = $T/cc-count|" root/platform/par/kiln.target
mkdir -p "$T/running" parapp
printf 'name = parapp\nsources = *.c\n' >parapp/kiln.app
echo 'int kiln_main(int c, char **v) { (void)c; (void)v; return 0; }' >parapp/main.c
for i in 1 2 3 4 5; do echo "int f$i(void) { return $i; }" >parapp/f$i.c; done
maxrun() { sort -n "$T/counts" | tail -1; }
rm -f "$T/counts"
timeout 120 "$KILN" build -t par parapp >"$T/out" 2>&1
rc=$?
cpus=$(nproc)
want=$((cpus < 6 ? cpus : 6))
[ $rc -eq 0 ] && [ "$(maxrun)" = "$want" ] && pass "-j defaults to the CPUs online ($want at once)" ||
	fail "-j defaults to the CPUs online" "rc=$rc, $(maxrun) at once, $cpus CPUs: $(cat "$T/out")"
rm -rf parapp/_build "$T/counts"
timeout 120 "$KILN" build -t par -j 1 parapp >"$T/out" 2>&1
[ "$(maxrun)" = 1 ] && pass "-j 1: one compile at a time" || fail "-j 1: one compile at a time" "$(maxrun) at once"

# The postbuild line names the command with its placeholders expanded.
printf '#!/bin/sh\necho post > "$1.post-out"\n' >root/platform/par/post.sh
chmod +x root/platform/par/post.sh
echo 'postbuild = {platform}/post.sh {image}' >>root/platform/par/kiln.target
timeout 120 "$KILN" build -t par parapp >"$T/out" 2>&1
rc=$?
post=$(grep '^  POST' "$T/out")
[ $rc -eq 0 ] && [ -f parapp/_build/par/parapp.post-out ] && [[ "$post" == *"/par/post.sh" ]] && [[ "$post" != *"{"* ]] &&
	pass "the POST line shows the expanded command ($post)" ||
	fail "the POST line shows the expanded command" "rc=$rc: $(cat "$T/out")"

# clean removes _build.
"$KILN" clean app && [ ! -e app/_build ] && pass "clean removes _build" || fail "clean removes _build"
finish
