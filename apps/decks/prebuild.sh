#!/bin/sh
# Runs in apps/decks before every build (kiln's prebuild): installs the
# front-end packages pinned in package-lock.json when node_modules is
# missing or older than the lockfile, then copies the reveal.js files the
# decks use into vendor/ (served as /reveal/). A copy is only made when
# the content differs, and takes the lockfile's timestamp (which names
# the content), so that the build stays incremental and the asset table
# (its Last-Modified is the newest input mtime) the same for the same
# inputs.
set -eu
cd "$(dirname "$0")"

if [ ! -d node_modules/reveal.js ] || [ package-lock.json -nt node_modules ]; then
	echo "decks: npm ci (reveal.js from package-lock.json)"
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch node_modules
fi

src=node_modules/reveal.js/dist
[ -f "$src/reveal.js" ] || { echo "decks: $src/reveal.js missing" >&2; exit 1; }

# The files the decks load: the script, its styles, the white theme and
# the theme's font (plus the licences that come with them); the highlight
# plugin below.
files="reveal.js reveal.css reset.css theme/white.css
theme/fonts/source-sans-pro/source-sans-pro.css
theme/fonts/source-sans-pro/LICENSE"
for f in $src/theme/fonts/source-sans-pro/*.woff; do
	files="$files ${f#$src/}"
done

for f in $files; do
	mkdir -p "vendor/$(dirname "$f")"
	if ! cmp -s "$src/$f" "vendor/$f"; then
		cp "$src/$f" "vendor/$f"
		touch -r package-lock.json "vendor/$f"
	fi
done
# The highlight plugin (with highlight.js in it) for the code slides.
f=plugin/highlight/highlight.js
mkdir -p "vendor/$(dirname "$f")"
if ! cmp -s "node_modules/reveal.js/$f" "vendor/$f"; then
	cp "node_modules/reveal.js/$f" "vendor/$f"
	touch -r package-lock.json "vendor/$f"
fi
if ! cmp -s node_modules/reveal.js/LICENSE vendor/LICENSE; then
	cp node_modules/reveal.js/LICENSE vendor/LICENSE
	touch -r package-lock.json vendor/LICENSE
fi

# The benchmark plots (served as /bench/), drawn from the figures in
# bench/data/ by the site's plot.js (no packages needed); a plot whose data
# file went is removed.
node ../site/plot.js plots ../../bench/data/*.tsv
for f in plots/*.svg; do
	[ -f "../../bench/data/$(basename "$f" .svg).tsv" ] || rm -f "$f"
done
