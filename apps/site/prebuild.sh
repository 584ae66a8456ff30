#!/bin/sh
# Runs in apps/site before every build (kiln's prebuild): installs the
# packages pinned in package-lock.json (markdown-it, highlight.js,
# reveal.js) when node_modules is missing or older than the lockfile, then
# builds the site into public/ (git-ignored; build.js rewrites a file only
# when its content changes, so the build stays incremental). No network is
# needed once node_modules is there.
set -eu
cd "$(dirname "$0")"

if [ ! -d node_modules/markdown-it ] || [ package-lock.json -nt node_modules ]; then
	echo "site: npm ci (from package-lock.json)"
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch node_modules
fi
node build.js public
