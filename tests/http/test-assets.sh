#!/usr/bin/env bash
# kiln-assets: reproducible output (same inputs give the same bytes, and
# the same image), no rewrite when nothing changed, gzip variants that
# decompress to the originals, odd file names, clear errors.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
make -s bin/kiln-assets bin/kiln || { fail "build" "make failed"; finish; }
T=$(scratch)
A="$ROOT/bin/kiln-assets"

# A folder with odd names: spaces, quotes, a backslash, '?', UTF-8, and
# a file that gzip cannot shrink.
mkdir -p "$T/site/sub dir" "$T/site/q\"uote" "$T/site/back\\slash"
cp -r tests/http/site/. "$T/site/"
printf 'x' >"$T/site/sub dir/one byte.txt"
printf 'quote' >"$T/site/q\"uote/a?b.txt"
printf 'back' >"$T/site/back\\slash/c.txt"
printf 'utf' >"$T/site/"$'caf\xc3\xa9.txt'
head -c 3000 /dev/urandom >"$T/site/random.bin"
# ...and one it shrinks by about 1%: not worth a variant (under 5%).
{ head -c 3000 /dev/urandom; head -c 80 /dev/zero; } >"$T/site/barely.bin"

export SOURCE_DATE_EPOCH=1700000000
"$A" --output "$T/one.c" "$T/site:/" || fail "generate" "kiln-assets failed"
"$A" --output "$T/two.c" "$T/site:/" || fail "generate again" "kiln-assets failed"
check "same inputs: byte-identical output" cmp -s "$T/one.c" "$T/two.c"

# Unchanged content is not rewritten (kiln's incremental build sees an
# old file).
touch -d '2000-01-01' "$T/one.c"
"$A" --output "$T/one.c" "$T/site:/"
[ "$(stat -c %Y "$T/one.c")" = "$(date -d 2000-01-01 +%s)" ] &&
	pass "unchanged output is not rewritten" ||
	fail "unchanged output is not rewritten" "mtime changed"
echo "changed" >>"$T/site/tiny.txt"
"$A" --output "$T/one.c" "$T/site:/"
[ "$(stat -c %Y "$T/one.c")" != "$(date -d 2000-01-01 +%s)" ] &&
	pass "changed input rewrites the output" ||
	fail "changed input rewrites the output" "mtime kept"
SOURCE_DATE_EPOCH=1700000001 "$A" --output "$T/three.c" "$T/site:/"
grep -q '1700000001};' "$T/three.c" && pass "SOURCE_DATE_EPOCH is the build time" ||
	fail "SOURCE_DATE_EPOCH is the build time" "$(tail -1 "$T/three.c")"
unset SOURCE_DATE_EPOCH
find "$T/site" -type f -exec touch -d '@1600000000' {} +
"$A" --output "$T/four.c" "$T/site:/"
grep -q '1600000000};' "$T/four.c" && pass "else the newest mtime" ||
	fail "else the newest mtime" "$(tail -1 "$T/four.c")"

# Every file comes back byte for byte from the compiled table; gzip
# variants decompress to the original; the odd names are found.
cat >"$T/dump.c" <<'C'
#include <kiln/assets.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
int main(int argc, char **argv)
{
	(void)argc;
	/* argv: OUTDIR. Writes each asset to OUTDIR/<n>.data (and .gunzip),
	 * and prints "n<TAB>path<TAB>type" lines. */
	char name[4096];
	static unsigned char buf[1 << 22];
	for (size_t i = 0; i < kiln_assets.count; i++) {
		const struct kiln_asset *a = kiln_asset_at(&kiln_assets, i);
		if (kiln_asset_find(&kiln_assets, a->path, a->path_len) != a)
			return 3;
		snprintf(name, sizeof name, "%s/%zu.data", argv[1], i);
		FILE *f = fopen(name, "wb");
		fwrite(a->data, 1, a->size, f);
		fclose(f);
		if (a->gzip) {
			uLongf n = sizeof buf;
			z_stream z;
			memset(&z, 0, sizeof z);
			inflateInit2(&z, 31);
			z.next_in = (Bytef *)a->gzip;
			z.avail_in = a->gzip_size;
			z.next_out = buf;
			z.avail_out = sizeof buf;
			if (inflate(&z, Z_FINISH) != Z_STREAM_END || a->gzip_size >= a->size)
				return 4;
			n = z.total_out;
			inflateEnd(&z);
			snprintf(name, sizeof name, "%s/%zu.gunzip", argv[1], i);
			f = fopen(name, "wb");
			fwrite(buf, 1, n, f);
			fclose(f);
		}
		printf("%zu\t%s\t%s\n", i, a->path, a->content_type);
	}
	return 0;
}
C
mkdir -p "$T/out"
# Built by kiln from a manifest beside the generated file: lib/assets
# from its kiln.lib, with ASan and UBSan (and -Wall -Wextra -Werror).
printf 'sources = dump.c one.c\nlibraries = assets\nldlibs = -lz\nsanitize = yes\n' >"$T/dump.host"
if "$KILN" build "$T/dump.host" >"$T/cc.log" 2>&1 && cp "$T/_build/host/dump/dump" "$T/dump"; then
	pass "the generated file compiles (-Wall -Wextra -Werror)"
	if "$T/dump" "$T/out" >"$T/list"; then
		bad=0 n=0 gz=0
		while IFS=$'\t' read -r i path type; do
			src="$T/site${path}"
			[[ "$path" == */ ]] && src="${src}index.html"
			cmp -s "$src" "$T/out/$i.data" || { echo "differs: $path"; bad=1; }
			if [ -f "$T/out/$i.gunzip" ]; then
				cmp -s "$src" "$T/out/$i.gunzip" || { echo "gzip differs: $path"; bad=1; }
				gz=$((gz + 1))
			fi
			n=$((n + 1))
		done <"$T/list"
		[ $bad -eq 0 ] && [ $n -ge 12 ] && [ $gz -ge 2 ] &&
			pass "every asset byte for byte, gzip variants decompress ($n entries, $gz gzip)" ||
			fail "every asset byte for byte" "n=$n gz=$gz"
		i=$(awk -F'\t' '$2 == "/barely.bin" {print $1}' "$T/list")
		[ -n "$i" ] && [ -f "$T/out/$i.data" ] && [ ! -f "$T/out/$i.gunzip" ] &&
			pass "no gzip variant for a file it shrinks by under 5%" ||
			fail "no gzip variant for a file it shrinks by under 5%" "entry '$i'"
		grep -q $'\t/sub dir/one byte.txt\t' "$T/list" &&
			grep -q $'\t/back\\\\slash/c.txt\t' "$T/list" &&
			grep -q $'\t/caf\xc3\xa9.txt\t' "$T/list" &&
			grep -q $'\t/q"uote/a?b.txt\t' "$T/list" &&
			pass "names with spaces, quotes, backslashes, ? and UTF-8" ||
			fail "odd names" "$(cat "$T/list")"
		grep -q $'\t/random.bin\tapplication/octet-stream' "$T/list" &&
			grep -q $'\t/img/dot.png\timage/png' "$T/list" &&
			pass "content types from extensions" || fail "content types" "$(cat "$T/list")"
	else
		fail "dump the table" "exit $?"
	fi
else
	fail "the generated file compiles" "$(grep -v '^  ' "$T/cc.log" | head -5)"
fi

# Errors: clear messages, non-zero exit, no output written.
out=$("$A" --output "$T/x.c" "$T/nope" 2>&1)
[ $? -ne 0 ] && [[ "$out" == *nope* ]] && [ ! -e "$T/x.c" ] &&
	pass "missing folder: error" || fail "missing folder: error" "$out"
out=$("$A" --output "$T/x.c" "$T/site:noslash" 2>&1)
[ $? -ne 0 ] && [[ "$out" == *prefix* ]] && pass "bad prefix: error" || fail "bad prefix: error" "$out"
mkdir -p "$T/dup/a"
echo 1 >"$T/dup/a/f"
mkdir -p "$T/dup2"
echo 2 >"$T/dup2/f"
out=$("$A" --output "$T/x.c" "$T/dup:/" "$T/dup2:/a" 2>&1)
[ $? -ne 0 ] && [[ "$out" == *"both served as /a/f"* ]] && pass "two files on one path: error" ||
	fail "two files on one path: error" "$out"
if [ "$(id -u)" -ne 0 ]; then
	mkdir -p "$T/unread"
	echo x >"$T/unread/f"
	chmod 000 "$T/unread/f"
	out=$("$A" --output "$T/x.c" "$T/unread" 2>&1)
	[ $? -ne 0 ] && [[ "$out" == *"cannot open"* ]] && pass "unreadable file: error" ||
		fail "unreadable file: error" "$out"
else
	# root reads anything: a dangling symlink is unreadable for all.
	mkdir -p "$T/unread"
	ln -s /nonexistent/file "$T/unread/f"
	out=$("$A" --output "$T/x.c" "$T/unread" 2>&1)
	[ $? -ne 0 ] && [[ "$out" == *"unread/f"* ]] && pass "unreadable file: error" ||
		fail "unreadable file: error" "$out"
fi

# The same app built twice from scratch gives the same image.
app="$T/app"
mkdir -p "$app"
cp -r tests/http/site "$app/site"
cat >"$app/kiln.app" <<'M'
name = assetsrepro
sources = main.c
libraries = assets
assets = site:/
targets = unix
M
cat >"$app/main.c" <<'C'
#include <kiln/assets.h>
#include <kiln/rt.h>
int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const struct kiln_asset *a = kiln_asset_find(&kiln_assets, "/tiny.txt", 9);
	kiln_printf("assets: %zu, tiny %zu bytes\n", kiln_assets.count, a ? a->size : 0);
	return a ? 0 : 1;
}
C
export SOURCE_DATE_EPOCH=1700000000
if "$KILN" build -t unix "$app" >"$T/b1.log" 2>&1 && cp "$app/_build/unix/assetsrepro" "$T/img1" &&
	"$KILN" clean "$app" >/dev/null && "$KILN" build -t unix "$app" >"$T/b2.log" 2>&1; then
	cmp -s "$T/img1" "$app/_build/unix/assetsrepro" && pass "same inputs: byte-identical image" ||
		fail "same inputs: byte-identical image" "images differ"
	out=$(timeout 10 "$app/_build/unix/assetsrepro" 2>&1)
	[[ "$out" == *"assets: 8, tiny 3 bytes"* ]] && pass "an image finds its assets" ||
		fail "an image finds its assets" "$out"
else
	fail "build an app with assets" "$(tail -5 "$T/b1.log" "$T/b2.log" 2>/dev/null)"
fi
finish
