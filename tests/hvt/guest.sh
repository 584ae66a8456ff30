# Helpers for the hvt tests (sourced after tests/lib.sh).
#
# build_guest MANIFEST OUT: build a bare guest without the runtime, a
# NAME.host with `target = hvt` (tests/hvt/guests/*.host: compiled and
# linked by kiln with the hvt target's flags and platform/hvt/image.ld, or
# the manifest's ldscript), and copy it to OUT.
build_guest() {
	local img
	img=$(host_build "$1") || {
		cat "$(host_log "$1")" >&2
		return 1
	}
	cp "$img" "$2"
}

# build_app DIR: kiln build -t hvt DIR; prints the image's path.
build_app() {
	local log
	log=$("$KILN" build -t hvt "$1" 2>&1) || {
		echo "$log" >&2
		return 1
	}
	local name
	name=$(sed -n 's/^name *= *//p' "$1/kiln.app")
	echo "$1/_build/hvt/$name"
}
