#!/usr/bin/env bash
# Reproducible images: two copies of the tree at different paths build
# byte-identical images (apps/hello on unix and hvt, and an app with
# compiled-in assets) when SOURCE_DATE_EPOCH pins the assets' time.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
export SOURCE_DATE_EPOCH=1700000000

# The tracked files as they are in the working tree, at two paths.
for copy in one second-copy; do
	mkdir -p "$T/$copy"
	git ls-files -z | xargs -0 cp --parents -t "$T/$copy" 2>/dev/null
	mkdir -p "$T/$copy/apps/assetapp/site/sub"
	cat >"$T/$copy/apps/assetapp/kiln.app" <<'EOT'
name = assetapp
sources = main.c
libraries = assets
assets = site:/
EOT
	cat >"$T/$copy/apps/assetapp/main.c" <<'EOT'
#include <kiln/assets.h>
#include <kiln/rt.h>
int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	kiln_printf("%u assets\n", (unsigned)kiln_assets.count);
	return 0;
}
EOT
	printf '<!doctype html><title>x</title>%0500d\n' 0 >"$T/$copy/apps/assetapp/site/index.html"
	printf 'body { color: red }\n' >"$T/$copy/apps/assetapp/site/sub/a.css"
	# Different file times in each copy: only SOURCE_DATE_EPOCH counts.
	[ $copy = one ] && touch -d '2001-01-01' "$T/$copy/apps/assetapp/site/index.html"
done
# The host programs are not what is compared: each copy gets the tree's
# (kiln finds its tree from its own location, so each copy's bin/kiln
# builds that copy).
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
for copy in one second-copy; do
	cp -a "$ROOT/bin" "$T/$copy/"
done

same() {
	local name=$1 rel=$2
	if cmp -s "$T/one/$rel" "$T/second-copy/$rel"; then
		pass "reproducible: $name"
	else
		fail "reproducible: $name" "$rel differs: $(cmp "$T/one/$rel" "$T/second-copy/$rel" 2>&1 | head -1)"
	fi
}

for build in "unix apps/hello hello" "hvt apps/hello hello" "unix apps/assetapp assetapp" "hvt apps/assetapp assetapp"; do
	set -- $build
	ok=1
	for copy in one second-copy; do
		(cd "$T/$copy" && bin/kiln build -t "$1" "$2" >"$T/$copy.build.log" 2>&1) ||
			{ fail "$1 $2 builds in $copy" "$(tail -5 "$T/$copy.build.log")"; ok=0; }
	done
	[ $ok = 1 ] || continue
	same "$2 on $1" "$2/_build/$1/$3"
	[ "$1" = hvt ] && same "$2 on $1 (stripped)" "$2/_build/$1/$3.stripped"
done
out=$("$T/one/apps/assetapp/_build/unix/assetapp" 2>&1)
[ "$out" = "3 assets" ] && pass "the assets app runs (3 assets)" || fail "the assets app runs" "$out"
finish
