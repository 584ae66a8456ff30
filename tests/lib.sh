# Helpers for test scripts: source "$(dirname "$0")/../lib.sh".
# Sets $ROOT (the repository) and $KILN (bin/kiln); reports with pass,
# fail and skip; has checks for KVM and tun, and network namespaces that
# clean up after themselves.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KILN="$ROOT/bin/kiln"
KILN_HVT="$ROOT/bin/kiln-hvt"
# The monitor with the tests' switches compiled in (monitor/hvt/kiln-hvt-test.host).
KILN_HVT_TEST="$ROOT/bin/kiln-hvt-test"
TEST_FAILS=0

pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1${2:+: $2}"
	TEST_FAILS=$((TEST_FAILS + 1))
}
skip() { echo "SKIP: $1: $2"; }

# check NAME CMD...: PASS if CMD succeeds, else FAIL.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# case_on NAME: true when the case NAME is to run. A script guards each
# of its independent cases with `if case_on NAME; then ...; fi`, NAME a
# literal word of letters, digits, _ . - (tests/run.sh finds the names in
# the script's text for --list and for selecting scripts). With $KILN_CASE
# set (tests/run.sh SCRIPTS CASES), only names matching one of its comma-
# separated shell patterns run; the other cases run nothing and report
# nothing. Without it every case runs.
case_on() {
	[[ "$1" =~ ^[A-Za-z0-9_.-]+$ ]] || {
		fail "case_on '$1'" "a case name is one literal word of letters, digits, _ . -"
		return 1
	}
	[ -z "${KILN_CASE:-}" ] && return 0
	local p pats
	IFS=, read -ra pats <<<"$KILN_CASE"
	for p in "${pats[@]}"; do
		# shellcheck disable=SC2053
		[[ "$1" == $p ]] && return 0
	done
	return 1
}

# A scratch directory, removed when the script ends. Each one lives under
# one per-script folder made when this file is sourced, so that calling
# scratch in a subshell, as in d=$(scratch), still cleans up.
scratch() {
	mktemp -d "$KILN_TEST_TMP/s.XXXXXX"
}

_kiln_cleanup=()
_kiln_run_cleanup() {
	local i
	for ((i = ${#_kiln_cleanup[@]} - 1; i >= 0; i--)); do
		eval "${_kiln_cleanup[i]}" >/dev/null 2>&1 || true
	done
}
trap _kiln_run_cleanup EXIT
KILN_TEST_TMP=$(mktemp -d /tmp/kiln-test.XXXXXX)
_kiln_cleanup+=("rm -rf '$KILN_TEST_TMP'")
# on_exit CMD: run CMD (a string) when the script ends, last first.
on_exit() { _kiln_cleanup+=("$1"); }

# have_kvm: true when /dev/kvm can be opened, KVM answers and a VM can be
# created; else sets KVM_WHY and returns false.
# Use: have_kvm || { skip NAME "$KVM_WHY"; ...; }
have_kvm() {
	[ -c /dev/kvm ] || { KVM_WHY="no /dev/kvm"; return 1; }
	python3 - <<'PY' 2>/dev/null || { KVM_WHY="/dev/kvm does not answer or cannot create a VM"; return 1; }
import fcntl, os
fd = os.open("/dev/kvm", os.O_RDWR)
KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
assert fcntl.ioctl(fd, KVM_GET_API_VERSION) == 12
os.close(fcntl.ioctl(fd, KVM_CREATE_VM, 0))
PY
}

# have_tun: /dev/net/tun usable and we may create namespaces (root).
have_netns() {
	[ -c /dev/net/tun ] || { NETNS_WHY="no /dev/net/tun"; return 1; }
	[ "$(id -u)" -eq 0 ] || { NETNS_WHY="not root (network namespaces need it)"; return 1; }
	command -v ip >/dev/null || { NETNS_WHY="no ip command (iproute2)"; return 1; }
	local ns="kiln-probe-$$"
	ip netns add "$ns" 2>/dev/null || { NETNS_WHY="ip netns add failed"; return 1; }
	ip netns del "$ns"
}

# make_netns NAME: a fresh namespace with loopback up; removed at exit.
# Tests use addresses from 198.18.0.0/15 and never add a default route.
make_netns() {
	local ns=$1
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	on_exit "ip netns pids '$ns' | xargs -r kill -9; ip netns del '$ns'"
}

# wait_for TIMEOUT_SECS CMD...: retry CMD every 0.1 s until it succeeds.
wait_for() {
	local limit=$1
	shift
	local end=$((SECONDS + limit))
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# finish: exit status for the script (non-zero if any fail was reported).
finish() { [ "$TEST_FAILS" -eq 0 ]; exit $?; }

# host_build MANIFEST: build the host program of MANIFEST (PATH/NAME.host,
# from the tree's root; docs/building.md) with kiln, incrementally, and
# print the program's path (NAME.so for a shared object). On failure prints nothing, returns 1, and
# `host_log MANIFEST` names the file holding kiln's output.
host_log() {
	local rel=${1%.host}
	echo "$ROOT/_build/host/$rel.log"
}
host_build() {
	local rel=${1%.host} log
	log=$(host_log "$1")
	mkdir -p "$(dirname "$log")"
	"$KILN" build "$ROOT/$1" >"$log" 2>&1 || return 1
	local so=
	grep -q '^shared *= *yes' "$ROOT/$1" && so=.so
	echo "$ROOT/_build/host/$rel/$(basename "$rel")$so"
}
