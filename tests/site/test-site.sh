#!/usr/bin/env bash
# The site unikernel (apps/site) in headless Chromium: tests/site/check.js
# crawls it from / (every internal link resolves), lays out every page at
# 1280x800, 1920x1080 and phone width and every slide of every deck at the
# first two (nothing outside the viewport or the slide), no failed request,
# no console error; screenshots in _build/tests-site/. On the unix target
# (ASan+UBSan build), and, in make test-long, on hvt too where /dev/kvm
# is usable. Then the
# plots: the SVGs in the image are the ones the data files make now, and a
# changed figure changes its plot.
# timeout: 400
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
T=$(scratch)
out="$ROOT/_build/tests-site"
mkdir -p "$out"
[ -x /usr/bin/chromium ] || { skip "site" "no /usr/bin/chromium (apt-get install chromium)"; exit 0; }
command -v node >/dev/null || { skip "site" "no node"; exit 0; }
if [ ! -d tests/decks/node_modules/playwright-core ] ||
	[ tests/decks/package-lock.json -nt tests/decks/node_modules ]; then
	if ! (cd tests/decks && npm ci --ignore-scripts --no-audit --no-fund \
		--loglevel=error >"$T/npm.log" 2>&1 && touch node_modules); then
		skip "site" "npm ci failed (no package registry?): $(tail -1 "$T/npm.log")"
		exit 0
	fi
fi
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
if ! "$KILN" build -t unix --sanitize apps/site >"$T/build.log" 2>&1; then
	if [ ! -d apps/site/node_modules/markdown-it ]; then
		skip "site" "npm ci failed: $(tail -1 "$T/build.log")"
		exit 0
	fi
	fail "build site" "$(tail -5 "$T/build.log")"
	finish
fi
git ls-files --error-unmatch apps/site/public/index.html >/dev/null 2>&1 &&
	fail "built pages not committed" "apps/site/public/index.html is tracked" ||
	pass "built pages are not committed"

# check.js against a server on 127.0.0.1:PORT; $1 names the run.
crawl() {
	local name=$1 port=$2 log=$3
	if ! wait_for 60 curl -sf -o /dev/null "http://127.0.0.1:$port/"; then
		fail "$name up" "$(tail -5 "$log")"
		return
	fi
	mkdir -p "$out/$name"
	rm -f "$out/$name"/*.png
	timeout 300 node tests/site/check.js "http://127.0.0.1:$port" "$out/$name" |
		sed "s/^\(PASS\|FAIL\): site: /\1: site $name: /"
	[ "${PIPESTATUS[0]}" -eq 0 ] || TEST_FAILS=$((TEST_FAILS + 1))
	ls "$out/$name"/*.png >/dev/null 2>&1 && pass "site $name: screenshots in _build/tests-site/$name/" ||
		fail "site $name: screenshots" "none written"
}

port=$((20000 + RANDOM % 20000))
apps/site/_build/unix-san/site --net "user,hostfwd=tcp:127.0.0.1:$port-:80" >"$T/unix.log" 2>&1 &
pid=$!
on_exit "kill $pid 2>/dev/null"
crawl unix "$port" "$T/unix.log"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
grep -q "site: .* assets, listening on" "$T/unix.log" && pass "site unix: says it listens" ||
	fail "site unix: listening line" "$(head -3 "$T/unix.log")"

# The same crawl of the hvt image is in make test-long (KILN_TEST_LONG=1):
# it lays out the same pages from the same lib/http, and the decks' own
# tests load them in Chromium from hvt in the suite.
if [ "${KILN_TEST_LONG:-0}" != 1 ]; then
	echo "note: the hvt crawl is in make test-long (KILN_TEST_LONG=1)"
elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	if "$KILN" build -t hvt apps/site >"$T/hvt-build.log" 2>&1; then
		port=$((20000 + RANDOM % 20000))
		"$KILN" run -t hvt apps/site -p "$port:80" >"$T/hvt.log" 2>&1 &
		hpid=$!
		on_exit "kill $hpid 2>/dev/null"
		crawl hvt "$port" "$T/hvt.log"
		kill "$hpid" 2>/dev/null
	else
		fail "build site hvt" "$(tail -5 "$T/hvt-build.log")"
	fi
else
	skip "site hvt" "no usable /dev/kvm"
fi

# The plots: what the image serves is what plot.js makes of the data now,
# and a changed figure changes the plot.
bad=0
for f in bench/data/*.tsv; do
	n=$(basename "$f" .tsv)
	node -e 'const p=require("./apps/site/plot.js"),fs=require("fs");
		process.stdout.write(p.svg(p.parse(fs.readFileSync(process.argv[1],"utf8"),process.argv[1])))' \
		"$f" >"$T/$n.svg"
	cmp -s "$T/$n.svg" "apps/site/public/bench/$n.svg" || { echo "differs: $n"; bad=1; }
done
[ $bad -eq 0 ] && pass "plots in the build are the data files' plots" || fail "plots" "see above"
awk -F'\t' 'BEGIN{OFS="\t"} !/^#/ && NR>1 && !done && $2 ~ /^[0-9]+$/ {$2=$2*2; done=1} {print}' \
	bench/data/http-throughput.tsv >"$T/changed.tsv"
node -e 'const p=require("./apps/site/plot.js"),fs=require("fs");
	process.stdout.write(p.svg(p.parse(fs.readFileSync(process.argv[1],"utf8"),process.argv[1])))' \
	"$T/changed.tsv" >"$T/changed.svg"
v=$(awk -F'\t' '!/^#/ && NR>1 && $2 ~ /^[0-9]+$/ {print $2; exit}' "$T/changed.tsv")
v=$(node -p "($v).toLocaleString('en')")
! cmp -s "$T/changed.svg" apps/site/public/bench/http-throughput.svg &&
	grep -q ">$v<" "$T/changed.svg" &&
	pass "a changed figure changes its plot" ||
	fail "a changed figure changes its plot" "same SVG, or the new figure ($v) not in it"
sed 's/^# unit:.*//' bench/data/dns-qps.tsv >"$T/nounit.tsv"
node -e 'const p=require("./apps/site/plot.js"),fs=require("fs");p.parse(fs.readFileSync(process.argv[1],"utf8"),"x")' \
	"$T/nounit.tsv" 2>/dev/null && fail "a data file without its unit is refused" "accepted" ||
	pass "a data file without its unit is refused"
finish
