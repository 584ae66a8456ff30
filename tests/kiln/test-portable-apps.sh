#!/usr/bin/env bash
# Code that builds for one target builds for the others: every app in
# apps/ and both `kiln new` templates are built for unix and hvt (in
# make test-long, KILN_TEST_LONG=1, also for virtio, xen, arm64 and rpi3:
# every target times every app, about 8 minutes of compiling here).
# A target that lacks a device an app declares may refuse it, with one
# line naming the device, before compiling anything; any other failure,
# a warning among them (-Werror), fails the case.
# timeout: 1200
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || { fail "portable apps" "bin/kiln is missing (run make)"; finish; }
T=$(scratch)

targets=(unix hvt)
[ "${KILN_TEST_LONG:-0}" = 1 ] && targets+=(virtio xen arm64 rpi3)

# The templates, in a scratch folder of their own.
apps=()
for a in apps/*/kiln.app; do apps+=("$(dirname "$a")"); done
for tpl in hello http; do
	if "$KILN" new --template "$tpl" "$T/new-$tpl" >"$T/new-$tpl.log" 2>&1; then
		apps+=("$T/new-$tpl")
	else
		fail "kiln new --template $tpl" "$(tail -3 "$T/new-$tpl.log" | tr '\n' '|')"
	fi
done

for t in "${targets[@]}"; do
	if [ ! -f "platform/$t/kiln.target" ]; then
		fail "target $t" "platform/$t/kiln.target is missing"
		continue
	fi
	built=0 refused=()
	for app in "${apps[@]}"; do
		name=${app##*/}
		log="$T/$t-$name.log"
		if "$KILN" build -q -t "$t" "$app" >"$log" 2>&1; then
			built=$((built + 1))
			continue
		fi
		# A refusal: one line that names a device the target lacks.
		if [ "$(grep -c . "$log")" -eq 1 ] && grep -qiE 'device|no (net|block|vchan)' "$log" &&
			! grep -qE '^ *(CC|AS|LD) ' "$log"; then
			refused+=("$name ($(cut -c1-80 "$log"))")
			continue
		fi
		fail "$name builds for $t" "$(grep -E 'error|warning|kiln:' "$log" | head -3 | tr '\n' '|')"
	done
	msg="$built of ${#apps[@]} apps build for $t"
	[ ${#refused[@]} -gt 0 ] && msg="$msg; refused for a missing device: ${refused[*]}"
	pass "$msg"
done
finish
