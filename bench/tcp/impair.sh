#!/usr/bin/env bash
# TCP through the impairment bridge (tests/tcp/impair.c): the time for
# MIB (32) MiB echoed each way under each profile of issue 18, apps/echo
# on unix and hvt next to Linux<->Linux over the same bridge with the
# same seed, in the same run; medians of RUNS (3) runs and each target's
# ratio to Linux. Then the goodput (MiB/s each way) over a clean link of
# 50 ms RTT (25 ms each way) and 1% loss, WAN_MIB (8) MiB each way:
# apps/echo on unix with CUBIC and with NewReno next to Linux<->Linux
# with the host's default controller (`linux`; BBR on some hosts, which
# does not slow down for random loss) and with CUBIC (`linux:cubic`, set
# in the test namespaces only), medians of RUNS.
#
# usage: bench/tcp/impair.sh [TARGETS...]   (default: unix hvt)
#   MIB=N RUNS=N WAN_MIB=N IMPAIR_BOOTARGS="..." (for apps/echo)
#   IMPAIR_LINUX_CC=cubic: Linux's controller for the profiles too
#   PROFILES="loss10 mixed" (default: all four; "" skips them)
# Needs root, /dev/net/tun, and /dev/kvm for hvt.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ROOT=$root
source "$root/tests/lib.sh"
source "$root/tests/net/netns.sh"
source "$root/tests/tcp/impair-lib.sh"
have_netns || { echo "bench: $NETNS_WHY"; exit 1; }
impair_build || exit 1
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(unix hvt)
mib=${MIB:-32}
runs=${RUNS:-3}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
declare -A profile=(
	[loss10]="--loss=0.10"
	[reorder30]="--delay=5 --reorder=0.30"
	[corrupt2]="--corrupt=0.02"
	[mixed]="--loss=0.03 --delay=20 --jitter=10 --reorder=0.10 --dup=0.03 --corrupt=0.01"
)
echo "bench: $mib MiB echoed each way, seconds, medians of $runs runs" \
	"(Linux: ${IMPAIR_LINUX_CC:-$(sysctl -n net.ipv4.tcp_congestion_control)})"
printf '%-10s %8s' profile linux
for t in "${targets[@]}"; do printf ' %8s %6s' "$t" ratio; done
echo
for p in ${PROFILES-loss10 reorder30 corrupt2 mixed}; do
	line=""
	lmed=""
	for t in linux "${targets[@]}"; do
		if [ "$t" = hvt ] && ! have_kvm; then
			line="$line $(printf ' %8s %6s' - -)"
			continue
		fi
		vals=()
		for i in $(seq "$runs"); do
			# shellcheck disable=SC2086
			if impair_echo "$t" "$mib" 900 --seed=$((18 + i)) ${profile[$p]}; then
				vals+=("$IMPAIR_SECS")
			else
				echo "bench: $p $t run $i: $IMPAIR_OUT" >&2
			fi
		done
		med=$(printf '%s\n' "${vals[@]:-}" | grep . | median)
		if [ "$t" = linux ]; then
			lmed=$med
			line=$(printf '%-10s %8s' "$p" "${med:--}")
		else
			r=$(awk -v k="${med:-0}" -v l="${lmed:-0}" \
				'BEGIN { if (k > 0 && l > 0) printf "x%.1f", k / l; else print "-" }')
			line="$line $(printf ' %8s %6s' "${med:--}" "$r")"
		fi
	done
	echo "$line"
done

wan_mib=${WAN_MIB:-8}
echo "bench: goodput at 50 ms RTT, 1% loss, $wan_mib MiB each way, MiB/s each way, medians of $runs runs"
base_args=${IMPAIR_BOOTARGS:-}
base_cc=${IMPAIR_LINUX_CC:-}
for v in linux linux:cubic unix:cubic unix:newreno; do
	t=${v%%:*}
	vals=()
	for i in $(seq "$runs"); do
		if [ "$t" = unix ]; then
			IMPAIR_BOOTARGS="$base_args --tcp-cc=${v#*:}"
		elif [ "$v" = linux:cubic ]; then
			IMPAIR_LINUX_CC=cubic
		fi
		if impair_echo "$t" "$wan_mib" 900 --seed=$((18 + i)) --delay=25 --loss=0.01; then
			vals+=("$(awk -v m="$wan_mib" -v s="$IMPAIR_SECS" 'BEGIN { printf "%.2f", m / s }')")
		else
			echo "bench: wan $v run $i: $IMPAIR_OUT" >&2
		fi
	done
	IMPAIR_BOOTARGS=$base_args
	IMPAIR_LINUX_CC=$base_cc
	printf '%-14s %8s\n' "$v" "$(printf '%s\n' "${vals[@]:-}" | grep . | median)"
done
