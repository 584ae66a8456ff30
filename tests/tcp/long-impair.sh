#!/usr/bin/env bash
# TCP loss recovery against Linux through the impairment bridge
# (tests/tcp/impair.c, seeded, both directions): under each profile of
# issue 18 - loss 10%; reorder 30% (5 ms delay, 30% sent at once);
# corrupt 2%; mixed (loss 3%, delay 20 ms +-10, reorder 10%, dup 3%,
# corrupt 1%) - MIB each way echoed by apps/echo on unix and hvt,
# byte-exact (SHA-256), and each within BOUND times the time of
# Linux<->Linux over the same bridge with the same seed, measured in the
# same run.
#
# IMPAIR_SPECS lists the runs as CC:MIB:BOUND:LINUX_CC - Kiln's
# congestion controller (--tcp-cc), the size, the bound, and Linux's
# controller on both of its ends (TCP_CONGESTION; "host" for the
# host's default). Here (`make test-long`): "bbr:16:3:bbr
# cubic:16:3:cubic", each controller against the same one in Linux
# (tests/tcp/test-impair.sh is the suite's form). A controller Linux
# lacks (and cannot load) is a SKIP.
# timeout: 5400 (Linux's CUBIC takes minutes on the mixed profile)
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/net/netns.sh"
source "$ROOT/tests/tcp/impair-lib.sh"
cd "$ROOT"

if ! have_netns; then
	skip "tcp impair" "$NETNS_WHY"
	exit 0
fi
if [ ! -x "$KILN" ] || [ ! -f apps/echo/kiln.app ]; then
	skip "tcp impair" "bin/kiln or apps/echo missing"
	exit 0
fi
if ! impair_build >/dev/null 2>&1; then
	fail "tcp impair: the bridge does not build" "$(impair_build 2>&1 | head -3)"
	finish
fi
targets="unix"
if have_kvm; then targets="$targets hvt"; else skip "tcp impair hvt" "$KVM_WHY"; fi
declare -A profile=(
	[loss10]="--loss=0.10"
	[reorder30]="--delay=5 --reorder=0.30"
	[corrupt2]="--corrupt=0.02"
	[mixed]="--loss=0.03 --delay=20 --jitter=10 --reorder=0.10 --dup=0.03 --corrupt=0.01"
)
avail=/proc/sys/net/ipv4/tcp_available_congestion_control
# linux_has CC: Linux can run controller CC (loading its module if need be).
linux_has() {
	grep -qw "$1" "$avail" 2>/dev/null && return 0
	modprobe "tcp_$1" 2>/dev/null
	grep -qw "$1" "$avail" 2>/dev/null
}
# impair_profiles: every profile with cc, mib, bound, lname as set.
impair_profiles() {
	for p in loss10 reorder30 corrupt2 mixed; do
		# shellcheck disable=SC2086
		if ! impair_echo linux "$mib" 900 --seed=18 ${profile[$p]}; then
			fail "tcp impair $cc $p: $lname<->Linux" "$IMPAIR_OUT"
			continue
		fi
		lsecs=$IMPAIR_SECS
		for t in $targets; do
			# shellcheck disable=SC2086
			if ! impair_echo "$t" "$mib" 900 --seed=18 ${profile[$p]}; then
				fail "tcp impair $cc $p $t: $mib MiB each way" "$IMPAIR_OUT (Linux: $lsecs s)"
				continue
			fi
			ratio=$(awk -v k="$IMPAIR_SECS" -v l="$lsecs" 'BEGIN { printf "%.1f", k / l }')
			what="tcp impair $cc $p $t: $mib MiB each way byte-exact in $IMPAIR_SECS s, $lname $lsecs s (x$ratio)"
			echo "# $cc $t $p counters: $IMPAIR_STATS"
			if awk -v r="$ratio" -v b="$bound" 'BEGIN { exit !(r <= b) }'; then
				pass "$what"
			else
				fail "$what" "more than ${bound}x $lname"
			fi
		done
	done
}
base_args=${IMPAIR_BOOTARGS:-}
for spec in ${IMPAIR_SPECS:-bbr:16:3:bbr cubic:16:3:cubic}; do
	IFS=: read -r cc mib bound lcc <<<"$spec"
	if [ "$lcc" = host ]; then
		lcc=""
		lname="Linux ($(sysctl -n net.ipv4.tcp_congestion_control))"
	elif ! linux_has "$lcc"; then
		skip "tcp impair $cc" "Linux here has no $lcc congestion controller to compare with"
		continue
	else
		lname="Linux ($lcc)"
	fi
	export IMPAIR_LINUX_CC=$lcc
	IMPAIR_BOOTARGS="$base_args --tcp-cc=$cc"
	impair_profiles
done
finish
