#!/usr/bin/env bash
# kiln reports every mistake in a descriptor or on its command line as one
# clear line (FILE:LINE: message for descriptors) and exits with status 2.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/fake-tree.sh"
[ -x "$KILN" ] || { fail "kiln-errors" "bin/kiln is missing (run make)"; finish; }

T=$(scratch)
cd "$T"
make_fake_tree "$T/root"
export KILN_ROOT="$T/root"

# expect NAME STATUS TEXT CMD...: CMD exits with STATUS and prints exactly
# one line, which contains TEXT.
expect() {
	local name=$1 want=$2 text=$3
	shift 3
	local out rc
	out=$(timeout 60 "$@" 2>&1)
	rc=$?
	local lines
	lines=$(printf '%s\n' "$out" | grep -c .)
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, not $want: $out"
	elif [ "$lines" -ne 1 ]; then
		fail "$name" "$lines lines, not one: $out"
	elif [[ "$out" != *"$text"* ]]; then
		fail "$name" "'$out' does not say '$text'"
	else
		pass "$name"
	fi
}

# app TEXT: a fresh app folder "app" whose kiln.app is TEXT.
app() {
	rm -rf app
	mkdir app
	printf '%s\n' "$1" >app/kiln.app
	echo 'int kiln_main(int c, char **v) { return 0; }' >app/main.c
}

# Descriptor mistakes in the app manifest.
app $'name = probe\nsources = main.c\nnmae = x'
expect "unknown key" 2 "app/kiln.app:3: unknown key 'nmae'" "$KILN" build -t fake app
app $'name = probe\nsources = main.c\n\n# comment\nsources = main.c'
expect "duplicate key" 2 "app/kiln.app:5: duplicate key 'sources' (first set on line 2)" "$KILN" build -t fake app
app $'name = probe'
expect "missing required key" 2 "app/kiln.app:1: missing required key 'sources'" "$KILN" build -t fake app
app $'# the name\nname = Probe\nsources = main.c'
expect "bad name" 2 "app/kiln.app:2: bad name 'Probe'" "$KILN" build -t fake app
app $'name = two words\nsources = main.c'
expect "name of two words" 2 "app/kiln.app:1: 'name' takes exactly one word" "$KILN" build -t fake app
app $'name = probe\nsources main.c'
expect "missing =" 2 "app/kiln.app:2: expected '=' after 'sources'" "$KILN" build -t fake app
app $'name = probe\nsources = main.c\n\x01'
expect "control character" 2 "app/kiln.app:3: control character 0x01" "$KILN" build -t fake app
app $'name = probe\nsources = src/*.c'
expect "glob matching nothing" 2 "app/kiln.app:2: 'src/*.c' matches no file" "$KILN" build -t fake app
app $'name = probe\nsources = main.c nope.c'
expect "missing source" 2 "app/kiln.app:2: source 'nope.c' not found" "$KILN" build -t fake app
app $'name = probe\nsources = kiln.app'
expect "not a C file" 2 "app/kiln.app:2: 'kiln.app' is not a C (.c) or assembly (.S) file" "$KILN" build -t fake app
app $'name = probe\nsources = main.c\nlibraries = rt nope'
expect "unknown library" 2 "app/kiln.app:3: unknown library 'nope'" "$KILN" build -t fake app
app $'name = probe\nsources = main.c\ntargets = fake2'
expect "target not supported" 2 "app/kiln.app:3: app 'probe' does not support target 'fake'" "$KILN" build -t fake app
app $'name = probe\nsources = main.c\ntargets = fake mars'
expect "unknown target in targets" 2 "app/kiln.app:3: unknown target 'mars'" "$KILN" build -t fake app
app $'name = probe\nsources = main.c\ndevices = net:net0 disk:d0'
expect "bad device" 2 "app/kiln.app:3: bad device 'disk:d0'" "$KILN" build -t fake app
app $'name = probe\nsources = main.c\nassets = www'
expect "missing asset folder" 2 "app/kiln.app:3: asset folder 'www' not found" "$KILN" build -t fake app
mkdir app/www
printf 'name = probe\nsources = main.c\nassets = www\n' >app/kiln.app
expect "assets without lib/assets" 2 "app/kiln.app:3: unknown library 'assets'" "$KILN" build -t fake app
app $'name = probe\nsources = main.c\ncflags = -I{nowhere}'
expect "unknown placeholder" 2 "app/kiln.app:3: unknown placeholder '{nowhere}'" "$KILN" build -t fake app
app $'name = obj\nsources = main.c'
expect "reserved name" 2 "app/kiln.app:1: the name 'obj' is taken by kiln's build folder" "$KILN" build -t fake app
app $'name = probe\nsources = main.c\nlibraries = extra'
sed -i 's/^include = .*/include = include nowhere/' root/lib/extra/kiln.lib
expect "missing include folder" 2 "root/lib/extra/kiln.lib:2: include folder 'nowhere' not found" "$KILN" build -t fake app
sed -i 's/^include = .*/include = include/' root/lib/extra/kiln.lib
expect "no kiln.app" 2 "not an app folder" "$KILN" build -t fake root

# Mistakes in library and target descriptors.
mkdir -p root/lib/a root/lib/b root/lib/c
echo 'requires = b' >root/lib/a/kiln.lib
printf '# b\nrequires = c\n' >root/lib/b/kiln.lib
echo 'requires = a' >root/lib/c/kiln.lib
app $'name = probe\nsources = main.c\nlibraries = a'
expect "library cycle" 2 "root/lib/c/kiln.lib:1: library cycle: a -> b -> c -> a" "$KILN" build -t fake app
echo 'requires = c c' >root/lib/c/kiln.lib
echo 'source = x.c' >root/lib/c/kiln.lib
expect "unknown key in a library" 2 "root/lib/c/kiln.lib:1: unknown key 'source'" "$KILN" build -t fake app
echo 'sources = nothing/*.c' >root/lib/c/kiln.lib
expect "library glob matching nothing" 2 "root/lib/c/kiln.lib:1: 'nothing/*.c' matches no file" "$KILN" build -t fake app
mkdir -p root/platform/bad
printf 'description = broken\nfreestanding = maybe\ncc = cc\n' >root/platform/bad/kiln.target
app $'name = probe\nsources = main.c'
expect "yes or no" 2 "root/platform/bad/kiln.target:2: 'freestanding' must be yes or no, not 'maybe'" "$KILN" build -t bad app
printf 'description = broken\ncc = cc\n' >root/platform/bad/kiln.target
expect "target missing key" 2 "root/platform/bad/kiln.target:1: missing required key 'freestanding'" "$KILN" build -t bad app
printf 'description = broken\nfreestanding = no\ncc = cc\nlaunch = {image} {nope}\n' >root/platform/bad/kiln.target
expect "bad launch placeholder" 2 "root/platform/bad/kiln.target:4: unknown placeholder '{nope}'" "$KILN" run -t bad app
printf 'description = broken\nfreestanding = no\ncc = cc\nlaunch = {image} --x={args}\n' >root/platform/bad/kiln.target
expect "{args} inside a word" 2 "root/platform/bad/kiln.target:4: '{args}' must be a word of its own, not part of '--x={args}'" "$KILN" run -t bad app
printf 'description = broken\nfreestanding = no\ncc = cc\n' >root/platform/bad/kiln.target
expect "no launch" 2 "target 'bad' cannot run images" "$KILN" run -t bad app
expect "--sanitize without support" 2 "target 'bad' has no sanitize_cflags" "$KILN" build -t bad --sanitize app
rm -rf root/platform/bad
expect "unknown target" 2 "kiln: unknown target 'mars' (targets: fake fake2)" "$KILN" build -t mars app

# Command-line mistakes.
expect "unknown command" 2 "kiln: unknown command 'frob'" "$KILN" frob
expect "unknown option" 2 "kiln: unknown option '--frob'" "$KILN" build --frob app
expect "unknown run option" 2 "kiln: unknown option '--nett'" "$KILN" run --nett user app
expect "flag with a value" 2 "option --sanitize takes no value" "$KILN" build --sanitize=yes app
expect "unknown --name=value" 2 "unknown option '--colour=yes'" "$KILN" build --colour=yes app
expect "two app folders" 2 "one APPDIR only" "$KILN" build app app
expect "option without value" 2 "option -t needs a value" "$KILN" build app -t
expect "bad port" 2 "-p 99999:80: expected HOST:GUEST" "$KILN" run -t fake app -p 99999:80
expect "bad protocol" 2 "the protocol is tcp, udp, http or https" "$KILN" run -t fake app -p 53:53/sctp
expect "bad --net" 2 "--net takes 'user' or 'tap:IFNAME'" "$KILN" run -t fake app --net bridge
expect "bad --mem" 2 "--mem takes a size such as 16M, not 'lots'" "$KILN" run -t fake app --mem lots
expect "--machine without machines" 2 "target 'fake' has no machines" "$KILN" run -t fake app --machine alpha
expect "unknown machine" 2 "target 'fake2' has no machine 'gamma' (machines: alpha beta)" "$KILN" run -t fake2 app --machine gamma
expect "new: bad name" 2 "bad name 'Bad'" "$KILN" new Bad
expect "new: unknown template" 2 "unknown template 'php'" "$KILN" new --template php y
expect "new: existing folder" 2 "app already exists; not overwriting it" "$KILN" new app
[ -f app/main.c ] && grep -q kiln_main app/main.c && pass "new leaves the existing folder alone" ||
	fail "new leaves the existing folder alone"
expect "clean: not an app" 2 "not an app folder" "$KILN" clean root
expect "KILN_ROOT not a tree" 2 "does not look like a Kiln tree" env KILN_ROOT=/ "$KILN" build app
finish
