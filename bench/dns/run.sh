#!/usr/bin/env bash
# DNS benchmark: dnsperf (16 clients) against apps/dns on unix and hvt,
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
# usage: bench/dns/run.sh   (as root; env: DURATION=10 SIZES="1000 100000")
# Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DURATION=${DURATION:-10}
SIZES=${SIZES:-1000 100000}
[ "$(id -u)" -eq 0 ] || { echo "bench/dns: needs root (network namespaces)"; exit 1; }
for c in dnsperf nsd named ip; do
	command -v $c >/dev/null || { echo "bench/dns: $c missing"; exit 1; }
done
make -s bin/kiln bin/kiln-zone bin/kiln-hvt
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

perf() { # perf NAME SERVER PORT QUERIES
	local out
	out=$(inns dnsperf -s "$2" -p "$3" -d "$4" -c 16 -l "$DURATION" -q 200 2>&1)
	local qps lost lat
	qps=$(sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' <<<"$out")
	lost=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' <<<"$out")
	lat=$(sed -n 's/.*Average Latency (s): *\([0-9.]*\).*/\1/p' <<<"$out")
	printf '  %-10s %10s q/s  lost %-8s avg latency %s s\n' "$1" "${qps:-?}" "${lost:-?}" "${lat:-?}"
}

for n in $SIZES; do
	app="$tmp/app$n"
	mkdir -p "$app/zones"
	cp apps/dns/kiln.app apps/dns/main.c "$app/"
	gen_zone "$n" "$app"
	echo "== zone of $n records ($(wc -l <"$app/queries") queries in the file)"
	bin/kiln build -t unix "$app" >/dev/null
	bin/kiln build -t hvt "$app" >/dev/null
	for t in unix hvt; do
		if [ $t = unix ]; then
			inns "$app/_build/unix/dns" --mem 512M --net tap,ifname=ktap0 -- \
				--ipv4=198.18.0.2/24 >"$tmp/$t.log" 2>&1 &
		else
			[ -w /dev/kvm ] || { echo "  hvt: no KVM"; continue; }
			inns bin/kiln-hvt --mem 512M --net tap,ifname=ktap0 "$app/_build/hvt/dns" -- \
				--ipv4=198.18.0.2/24 >"$tmp/$t.log" 2>&1 &
		fi
		pid=$!
		for _ in $(seq 100); do
			grep -q '^dns: serving' "$tmp/$t.log" && break
			sleep 0.2
		done
		perf "kiln-$t" 198.18.0.2 53 "$app/queries"
		kill $pid 2>/dev/null || echo "  (exited early: $(tail -2 "$tmp"/*.log 2>/dev/null | tr "\n" " "))"; wait $pid 2>/dev/null || true
	done
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
	inns nsd -d -c "$tmp/nsd.conf" >/dev/null 2>&1 &
	pid=$!
	sleep 2
	perf nsd 127.0.0.1 5301 "$app/queries"
	kill $pid 2>/dev/null || echo "  (exited early: $(tail -2 "$tmp"/*.log 2>/dev/null | tr "\n" " "))"; wait $pid 2>/dev/null || true
	# BIND, one worker thread
	cat >"$tmp/named.conf" <<CONF
options { directory "$tmp"; listen-on port 5302 { 127.0.0.1; };
  listen-on-v6 { none; }; recursion no; pid-file "$tmp/named.pid"; };
zone "bench.test" { type primary; file "$app/zones/bench.test.zone"; };
CONF
	inns named -g -n 1 -u root -c "$tmp/named.conf" >"$tmp/named.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q 'running' "$tmp/named.log" && break
		sleep 0.2
	done
	perf bind 127.0.0.1 5302 "$app/queries"
	kill $pid 2>/dev/null || echo "  (exited early: $(tail -2 "$tmp"/*.log 2>/dev/null | tr "\n" " "))"; wait $pid 2>/dev/null || true
done

echo "== image size of apps/dns"
bin/kiln build -t hvt apps/dns >/dev/null
for f in apps/dns/_build/hvt/dns.stripped apps/dns/_build/hvt/dns; do
	[ -f "$f" ] && printf '  %-40s %7d bytes\n' "$f" "$(stat -c %s "$f")"
done
echo "  MirageOS DNS appliance (published)          184 KB"
echo "  IncludeOS DNS appliance (published)         158 KB"
