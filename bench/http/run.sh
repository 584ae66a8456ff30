#!/usr/bin/env bash
# HTTP benchmark: wrk against the decks unikernel (unix and hvt targets,
# each on a tap) and against nginx (Debian's nginx-light, one worker)
# serving the same files over a veth, all inside network namespaces this
# script creates and removes. Figures: requests/s and p99 latency for a
# small page (/index.html, ~670 bytes) and reveal.js's largest file
# (/reveal/reveal.js, ~110 KB), medians of RUNS runs with the spread, and
# the ratio to nginx measured in the same run; for hvt, VM exits per
# request (KILN_HVT_STATS).
#
# usage: bench/http/run.sh   (as root; env: DURATION=10 CONNS=32 RUNS=3)
# Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
RUNS=${RUNS:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench/http: needs root (network namespaces)"; exit 1; }
for c in wrk nginx ip; do
	command -v $c >/dev/null || { echo "bench/http: $c missing"; exit 1; }
done

T=$(mktemp -d /tmp/kiln-bench-http.XXXXXX)
chmod 755 "$T" # nginx workers run as www-data
NC=kiln-bench-c-$$ # the client; decks on tap0
NN=kiln-bench-n-$$ # nginx, behind a veth
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	ip netns pids "$NC" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	ip netns pids "$NN" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	ip netns del "$NC" 2>/dev/null || true
	ip netns del "$NN" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

echo "== building"
make -s -j2 programs
bin/kiln build -t unix apps/decks | tail -1
HVT=no
if [ -c /dev/kvm ] && [ -f platform/hvt/kiln.target ]; then
	bin/kiln build -t hvt apps/decks | tail -1 && HVT=yes
fi

ip netns add "$NC"
ip netns add "$NN"
ip -n "$NC" link set lo up
ip -n "$NN" link set lo up
ip netns exec "$NC" ip tuntap add dev tap0 mode tap
ip -n "$NC" addr add 198.18.0.1/24 dev tap0
ip -n "$NC" link set tap0 up
ip link add kbc$$ netns "$NC" type veth peer name kbn$$ netns "$NN"
ip -n "$NC" addr add 198.18.1.1/24 dev kbc$$
ip -n "$NN" addr add 198.18.1.2/24 dev kbn$$
ip -n "$NC" link set kbc$$ up
ip -n "$NN" link set kbn$$ up

# nginx: the same files at the same paths, one worker (the unikernel is
# single core), no access log.
mkdir -p "$T/www"
cp -r apps/decks/site/. "$T/www/"
cp -r apps/decks/vendor "$T/www/reveal"
cat >"$T/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx.err;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_requests 10000000;
	keepalive_timeout 65;
	types { text/html html; text/css css; text/javascript js; image/svg+xml svg; font/woff woff; }
	server { listen 198.18.1.2:80; root $T/www; }
}
CONF
ip netns exec "$NN" nginx -c "$T/nginx.conf" -p "$T" &
PIDS+=($!)

up() { # URL
	for _ in $(seq 1 100); do
		ip netns exec "$NC" curl -sf -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench/http: $1 does not answer"
	tail -5 "$T"/*.err "$T"/*.log 2>/dev/null
	return 1
}

# measure NAME URL: RUNS wrk runs; sets RPS, P99 (medians) and SPREAD,
# and adds the requests made to REQS.
REQS=0
measure() {
	local name=$1 url=$2 rps=() p99=() out
	ip netns exec "$NC" wrk -t1 -c"$CONNS" -d2s "$url" >/dev/null # warm up
	for _ in $(seq 1 "$RUNS"); do
		out=$(ip netns exec "$NC" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$url")
		if echo "$out" | grep -q "Non-2xx\|Socket errors"; then
			echo "   ($name: $(echo "$out" | grep "Non-2xx\|Socket errors" | tr -s ' '))"
		fi
		rps+=("$(echo "$out" | awk '/^Requests\/sec/ {print $2}')")
		p99+=("$(echo "$out" | awk '$1 == "99%" {print $2}')")
		REQS=$((REQS + $(echo "$out" | awk '/requests in/ {print $1}')))
	done
	RPS=$(printf '%s\n' "${rps[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	SPREAD=$(printf '%s\n' "${rps[@]}" | sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.0f-%.0f", lo, hi}')
	P99=$(printf '%s\n' "${p99[@]}" | awk '{v=$1; if (v ~ /us$/) v=v/1000; else if (v ~ /ms$/) v=v+0; else if (v ~ /s$/) v=v*1000; print v}' |
		sort -n | awk '{a[NR]=$1} END {printf "%.2fms", a[int((NR+1)/2)]}')
}

declare -A R P S
FILES=(/index.html /reveal/reveal.js)
up http://198.18.1.2/index.html
for f in "${FILES[@]}"; do
	measure nginx "http://198.18.1.2$f"
	R[nginx$f]=$RPS P[nginx$f]=$P99 S[nginx$f]=$SPREAD
done

ip netns exec "$NC" apps/decks/_build/unix/decks --net tap,ifname=tap0 -- \
	--ipv4=198.18.0.2/24 --http-log=off --http-max-conns=1024 >"$T/unix.log" 2>&1 &
UNIX_PID=$!
PIDS+=($UNIX_PID)
up http://198.18.0.2/index.html
for f in "${FILES[@]}"; do
	measure unix "http://198.18.0.2$f"
	R[unix$f]=$RPS P[unix$f]=$P99 S[unix$f]=$SPREAD
done
kill $UNIX_PID
wait $UNIX_PID 2>/dev/null || true

declare -A X
if [ $HVT = yes ]; then
	for f in "${FILES[@]}"; do
		# One guest per file; it exits by itself so that kiln-hvt
		# prints its exit counts.
		secs=$((3 + 2 + RUNS * (DURATION + 1) + 3))
		KILN_HVT_STATS=1 ip netns exec "$NC" bin/kiln-hvt --net tap,ifname=tap0 \
			apps/decks/_build/hvt/decks -- --ipv4=198.18.0.2/24 --http-log=off \
			--http-max-conns=1024 --exit-after=$secs >"$T/hvt.log" 2>&1 &
		HVT_PID=$!
		PIDS+=($HVT_PID)
		up "http://198.18.0.2$f"
		REQS=0
		measure hvt "http://198.18.0.2$f"
		R[hvt$f]=$RPS P[hvt$f]=$P99 S[hvt$f]=$SPREAD
		wait $HVT_PID || true
		exits=$(sed -n 's/^kiln-hvt: \([0-9]*\) exits.*/\1/p' "$T/hvt.log")
		X[$f]=$(awk -v e="${exits:-0}" -v r="$REQS" 'BEGIN {if (r > 0 && e > 0) printf "%.2f", e / r; else print "?"}')
		grep "^kiln-hvt:" "$T/hvt.log" | sed 's/^/   /'
	done
fi

echo
echo "== results: wrk -t1 -c$CONNS, ${DURATION}s x $RUNS runs (median; spread of req/s)"
printf '%-20s %-8s %10s %15s %10s %8s %10s\n' file server req/s spread p99 vs-nginx exits/req
for f in "${FILES[@]}"; do
	for s in nginx unix hvt; do
		[ -n "${R[$s$f]:-}" ] || continue
		ratio=$(awk -v a="${R[$s$f]}" -v b="${R[nginx$f]}" 'BEGIN {printf "%.0f%%", 100 * a / b}')
		ex="-"
		[ $s = hvt ] && ex=${X[$f]}
		printf '%-20s %-8s %10.0f %15s %10s %8s %10s\n' "$f" "$s" "${R[$s$f]}" "${S[$s$f]}" "${P[$s$f]}" "$ratio" "$ex"
	done
done
echo "(sizes: $(stat -c '%n %s bytes' apps/decks/site/index.html apps/decks/vendor/reveal.js | tr '\n' ' '))"
