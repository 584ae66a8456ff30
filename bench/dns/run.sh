#!/usr/bin/env bash
# DNS benchmark: dnsperf (16 clients) against apps/dns on unix and hvt
# (each without its answer cache, --cache-mib=0, and with 64 MiB of it),
# NSD (one server process) and BIND (named -n 1), each serving the same
# generated zone, of 1,000 and of 100,000 records, in one run. Everything
# runs inside a network namespace this script creates and removes: Kiln on
# a tap (198.18.0.2, the host side 198.18.0.1), NSD and BIND on the
# namespace's loopback (which favours them: no tap between). The queries:
# every owner name of the zone with its type, plus a tenth that are
# missing names (NXDOMAIN). Also the image size of apps/dns (stripped)
# beside the MirageOS (184 KB) and IncludeOS (158 KB) DNS appliances as
# published.
#
# Each server runs ROUNDS times, the servers in turn; printed: each run,
# then each server's median and its ratio to NSD's median.
#
# usage: bench/dns/run.sh   (as root; env: DURATION=10 ROUNDS=5
#                            SIZES="1000 100000")
# Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-5}
SIZES=${SIZES:-1000 100000}
[ "$(id -u)" -eq 0 ] || { echo "bench/dns: needs root (network namespaces)"; exit 1; }
for c in dnsperf nsd named ip; do
	command -v $c >/dev/null || { echo "bench/dns: $c missing"; exit 1; }
done
make -s bin/kiln bin/kiln-zone bin/kiln-hvt bin/kiln-assets
tmp=$(mktemp -d /tmp/kiln-bench-dns.XXXXXX)
ns="kiln-bdns-$$"
cleanup() {
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev ktap0 mode tap
ip -n "$ns" addr add 198.18.0.1/24 dev ktap0
ip -n "$ns" link set ktap0 up
inns() { ip netns exec "$ns" "$@"; }
# stop NAME LOG: end the server under test, every process in the
# namespace (the pid of a backgrounded "ip netns exec" is not always the
# server's); says so when it had exited before the end of its run.
stop() {
	local pids
	pids=$(ip netns pids "$ns" 2>/dev/null)
	if [ -z "$pids" ]; then
		echo "  ($1 exited early: $(tail -2 "$2" 2>/dev/null | tr "\n" " "))"
	else
		kill $pids 2>/dev/null || true
		for _ in $(seq 50); do
			[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
			sleep 0.1
		done
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	fi
	wait 2>/dev/null || true
}

# gen_zone N DIR: bench.test with N records (A, AAAA, TXT, MX in turn)
# and the query file (name type lines).
gen_zone() {
	python3 - "$1" "$2" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
z = open(f"{d}/zones/bench.test.zone", "w")
q = open(f"{d}/queries", "w")
z.write("$TTL 3600\n@ SOA ns1 hostmaster 1 7200 1800 1209600 300\n"
        "@ NS ns1\nns1 A 198.18.0.2\n")
for i in range(n - 3):
    t = ("A", "AAAA", "TXT", "MX")[i % 4]
    rd = {"A": f"198.18.{i // 256 % 256}.{i % 256}",
          "AAAA": f"2001:db8::{i % 65536:x}", "TXT": f'"record {i}"',
          "MX": f"10 h{i}"}[t]
    z.write(f"h{i} {t} {rd}\n")
    q.write(f"h{i}.bench.test {t}\n")
    if i % 10 == 0:
        q.write(f"missing{i}.bench.test A\n")
PY
}

# ticks: the CPU time (user and system, in clock ticks) of every process
# in the namespace: the server under test (a KVM guest's time is its
# monitor's), read while dnsperf is not running.
ticks() {
	local p sum=0
	for p in $(ip netns pids "$ns" 2>/dev/null); do
		[ -r "/proc/$p/stat" ] || continue
		# after the command's name, which may hold spaces
		# shellcheck disable=SC2046
		set -- $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null)
		[ $# -ge 13 ] && sum=$((sum + ${12} + ${13}))
	done
	echo "$sum"
}
hz=$(getconf CLK_TCK)

perf() { # perf NAME SERVER PORT QUERIES: one run; its q/s kept in $tmp/qps.NAME
	local out t0 t1
	t0=$(ticks)
	out=$(inns dnsperf -s "$2" -p "$3" -d "$4" -c 16 -l "$DURATION" -q 200 2>&1)
	t1=$(ticks)
	local qps lost lat done cpu
	qps=$(sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' <<<"$out")
	lost=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' <<<"$out")
	lat=$(sed -n 's/.*Average Latency (s): *\([0-9.]*\).*/\1/p' <<<"$out")
	done=$(sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' <<<"$out")
	# the server's CPU time per answered query, in microseconds
	cpu=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v q="${done:-0}" \
		'BEGIN {if (q > 0) printf "%.2f", t * 1e6 / hz / q}')
	printf '  %-16s %10.0f q/s  lost %-6s avg latency %s s  cpu %s us/q' \
		"$1" "${qps:-0}" "${lost:-?}" "${lat:-?}" "${cpu:-?}"
	[ -n "$qps" ] && echo "$qps" >>"$tmp/qps.$1"
	[ -n "$cpu" ] && echo "$cpu" >>"$tmp/cpu.$1"
}

# serve NAME APP: start server NAME on the zone of APP, measure, stop.
serve() {
	local name=$1 app=$2 log="$tmp/$1.log" mib=0
	: >"$log"
	case $name in
	*+cache) mib=64 ;;
	esac
	case $name in
	kiln-unix*)
		inns "$app/_build/unix/dns" --mem 512M --net tap,ifname=ktap0 -- \
			--ipv4=198.18.0.2/24 --cache-mib="$mib" >"$log" 2>&1 &
		;;
	kiln-hvt*)
		inns bin/kiln-hvt --mem 512M --net tap,ifname=ktap0 "$app/_build/hvt/dns" -- \
			--ipv4=198.18.0.2/24 --cache-mib="$mib" >"$log" 2>&1 &
		;;
	nsd) inns nsd -d -c "$tmp/nsd.conf" >"$log" 2>&1 & ;;
	bind) inns named -g -n 1 -u root -c "$tmp/named.conf" >"$log" 2>&1 & ;;
	esac
	local ready='^dns: serving' server=198.18.0.2 port=53
	[ "$name" = nsd ] && ready='nsd started' server=127.0.0.1 port=5301
	[ "$name" = bind ] && ready='running' server=127.0.0.1 port=5302
	for _ in $(seq 100); do
		grep -q "$ready" "$log" && break
		[ "$name" = nsd ] && { sleep 2; break; }
		sleep 0.2
	done
	perf "$name" "$server" "$port" "$app/queries"
	stop "$name" "$log"
	sed -n 's/.*\(cache hits [0-9]* misses [0-9]*\).*/  (\1)/p' "$log" | tr -d '\n'
	echo
}

median() { sort -g "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

servers="kiln-unix kiln-unix+cache"
[ -w /dev/kvm ] && servers="$servers kiln-hvt kiln-hvt+cache" || echo "  hvt: no KVM"
servers="$servers nsd bind"
for n in $SIZES; do
	app="$tmp/app$n"
	mkdir -p "$app/zones"
	cp apps/dns/kiln.app apps/dns/main.c "$app/"
	gen_zone "$n" "$app"
	echo "== zone of $n records ($(wc -l <"$app/queries") queries in the file), $ROUNDS rounds"
	bin/kiln build -t unix "$app" >/dev/null
	bin/kiln build -t hvt "$app" >/dev/null
	# NSD, one server process
	cat >"$tmp/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@5301
  zonesdir: "$tmp"
  database: ""
  pidfile: "$tmp/nsd.pid"
  username: ""
  chroot: ""
  zonelistfile: "$tmp/zone.list"
  xfrdfile: "$tmp/xfrd.state"
  xfrdir: "$tmp"
  logfile: "$tmp/nsd.log"
  server-count: 1
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: "$app/zones/bench.test.zone"
CONF
	# BIND, one worker thread
	cat >"$tmp/named.conf" <<CONF
options { directory "$tmp"; listen-on port 5302 { 127.0.0.1; };
  listen-on-v6 { none; }; recursion no; pid-file "$tmp/named.pid"; };
zone "bench.test" { type primary; file "$app/zones/bench.test.zone"; };
CONF
	rm -f "$tmp"/qps.* "$tmp"/cpu.*
	# the servers in turn, ROUNDS times over, so that the machine's
	# load falls on each alike
	for ((r = 1; r <= ROUNDS; r++)); do
		for s in $servers; do serve "$s" "$app"; done
	done
	nsd_med=$( [ -s "$tmp/qps.nsd" ] && median "$tmp/qps.nsd" || echo 0)
	nsd_cpu=$( [ -s "$tmp/cpu.nsd" ] && median "$tmp/cpu.nsd" || echo 0)
	echo "  -- medians (ratio to NSD's; for CPU per query, NSD's over the server's)"
	for s in $servers; do
		[ -s "$tmp/qps.$s" ] || { printf '  %-16s no result\n' "$s"; continue; }
		m=$(median "$tmp/qps.$s")
		c=$( [ -s "$tmp/cpu.$s" ] && median "$tmp/cpu.$s" || echo 0)
		awk -v n="$s" -v m="$m" -v d="$nsd_med" -v c="$c" -v dc="$nsd_cpu" \
			'BEGIN {printf "  %-16s %10.0f q/s  %5.2f x NSD   cpu %5.2f us/q  %5.2f x NSD\n",
				n, m, d ? m / d : 0, c, c ? dc / c : 0}'
	done
done

echo "== image size of apps/dns"
bin/kiln build -t hvt apps/dns >/dev/null
for f in apps/dns/_build/hvt/dns.stripped apps/dns/_build/hvt/dns; do
	[ -f "$f" ] && awk -v f="$f" -v b="$(stat -c %s "$f")" \
		'BEGIN {printf "  %-40s %7d bytes (%.0f KB)\n", f, b, b / 1000}'
done
echo "  MirageOS DNS appliance (published)          184 KB"
echo "  IncludeOS DNS appliance (published)         158 KB"
