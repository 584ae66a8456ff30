#!/usr/bin/env bash
# Large responses: wrk against an app of assets (reveal.js, ~110 KB, and a
# 1 MiB incompressible file) on unix and hvt, each on a tap, and against
# nginx (one worker, sendfile) serving the same files over a veth, in
# network namespaces this script creates and removes. For each file and
# connection count (CONNS_LIST): req/s (median of RUNS runs, Kiln's beside
# nginx's from the same run), the server's CPU per response (utime+stime
# of the server process over the run: for Kiln on unix that includes the
# tap writes in the kernel, for hvt the monitor and its vCPU), and for
# hvt the VM exits per response and per MB of bodies (KILN_HVT_STATS).
#
# usage: bench/http/large.sh   (as root; env: DURATION=8 RUNS=3
#                               CONNS_LIST="32 128" KILN_ARGS=...: more
#                               boot arguments for Kiln, e.g.
#                               --net-offload=0)
# Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-8}
RUNS=${RUNS:-3}
CONNS_LIST=${CONNS_LIST:-32 128}
[ "$(id -u)" -eq 0 ] || { echo "bench/http/large: needs root (network namespaces)"; exit 1; }
for c in wrk nginx ip curl; do
	command -v $c >/dev/null || { echo "bench/http/large: $c missing"; exit 1; }
done
T=$(mktemp -d /tmp/kiln-bench-large.XXXXXX)
chmod 755 "$T"
NC=kiln-large-c-$$
NN=kiln-large-n-$$
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	for n in "$NC" "$NN"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$n" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT

echo "== building"
make -s -j2 programs
app=$T/app
mkdir -p "$app/public"
cp apps/site/main.c "$app/"
printf 'name = large\nsources = main.c\nlibraries = http net assets\ndevices = net:net0\nassets = public\n' >"$app/kiln.app"
bin/kiln build -t unix apps/decks | tail -1 # its prebuild fetches reveal.js
cp apps/decks/vendor/reveal.js "$app/public/reveal.js"
head -c $((1 << 20)) /dev/urandom >"$app/public/1m.bin"
echo ok >"$app/public/index.html"
bin/kiln build -t unix "$app" | tail -1
HVT=no
if [ -c /dev/kvm ] && [ -x bin/kiln-hvt ]; then
	bin/kiln build -t hvt "$app" | tail -1 && HVT=yes
fi

ip netns add "$NC"
ip netns add "$NN"
ip -n "$NC" link set lo up
ip -n "$NN" link set lo up
ip netns exec "$NC" ip tuntap add dev tap0 mode tap
ip -n "$NC" addr add 198.18.0.1/24 dev tap0
ip -n "$NC" link set tap0 up
ip link add klc$$ netns "$NC" type veth peer name kln$$ netns "$NN"
ip -n "$NC" addr add 198.18.1.1/24 dev klc$$
ip -n "$NN" addr add 198.18.1.2/24 dev kln$$
ip -n "$NC" link set klc$$ up
ip -n "$NN" link set kln$$ up

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
	server { listen 198.18.1.2:80; root $app/public; }
}
CONF
ip netns exec "$NN" nginx -c "$T/nginx.conf" -p "$T" &
PIDS+=($!)

up() {
	for _ in $(seq 1 100); do
		ip netns exec "$NC" curl -sf -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench/http/large: $1 does not answer"
	return 1
}
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; } # clock ticks

# run NAME PID HOST FILE CONNS: RUNS runs; prints one line.
run() {
	local name=$1 pid=$2 host=$3 f=$4 c=$5 rps=() cpu=() out
	ip netns exec "$NC" wrk -t1 -c"$c" -d2s "http://$host$f" >/dev/null
	for _ in $(seq 1 "$RUNS"); do
		local t0 t1 n
		t0=$(cpu_of "$pid")
		out=$(ip netns exec "$NC" wrk -t1 -c"$c" -d"${DURATION}s" "http://$host$f")
		t1=$(cpu_of "$pid")
		n=$(echo "$out" | awk '/requests in/ {print $1}')
		rps+=("$(echo "$out" | awk '/^Requests\/sec/ {print $2}')")
		cpu+=("$(awk -v a="$t0" -v b="$t1" -v n="$n" -v hz="$(getconf CLK_TCK)" \
			'BEGIN {printf "%.3f", n ? (b - a) * 1000 / hz / n : 0}')")
		REQS=$((REQS + n))
	done
	RPS=$(printf '%s\n' "${rps[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]}')
	CPU=$(printf '%s\n' "${cpu[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
}

declare -A R C
FILES=(/reveal.js /1m.bin)
up http://198.18.1.2/1m.bin
NGINX_PID=$(cat "$T/nginx.pid")
# nginx's worker does the work: the master's child.
NGINX_W=$(pgrep -P "$NGINX_PID" | head -1)
for f in "${FILES[@]}"; do
	for c in $CONNS_LIST; do
		REQS=0
		run nginx "$NGINX_W" 198.18.1.2 "$f" "$c"
		R[nginx$f$c]=$RPS C[nginx$f$c]=$CPU
	done
done

# shellcheck disable=SC2086
ip netns exec "$NC" "$app/_build/unix/large" --net tap,ifname=tap0 -- \
	--ipv4=198.18.0.2/24 --http-log=off ${KILN_ARGS:-} >"$T/unix.log" 2>&1 &
UPID=$!
PIDS+=($UPID)
up http://198.18.0.2/index.html
for f in "${FILES[@]}"; do
	for c in $CONNS_LIST; do
		REQS=0
		run unix "$UPID" 198.18.0.2 "$f" "$c"
		R[unix$f$c]=$RPS C[unix$f$c]=$CPU
	done
done
kill $UPID
wait $UPID 2>/dev/null || true

declare -A X XM
if [ $HVT = yes ]; then
	for f in "${FILES[@]}"; do
		for c in $CONNS_LIST; do
			# One guest per figure, ending by itself so that kiln-hvt
			# prints its exit counts.
			secs=$((3 + 2 + RUNS * (DURATION + 1) + 3))
			# shellcheck disable=SC2086
			KILN_HVT_STATS=1 ip netns exec "$NC" bin/kiln-hvt --net tap,ifname=tap0 \
				"$app/_build/hvt/large" -- --ipv4=198.18.0.2/24 --http-log=off \
				--exit-after=$secs ${KILN_ARGS:-} >"$T/hvt.log" 2>&1 &
			HPID=$!
			PIDS+=($HPID)
			up http://198.18.0.2/index.html
			REQS=0
			run hvt "$HPID" 198.18.0.2 "$f" "$c"
			R[hvt$f$c]=$RPS C[hvt$f$c]=$CPU
			wait $HPID || true
			exits=$(sed -n 's/^kiln-hvt: \([0-9]*\) exits.*/\1/p' "$T/hvt.log")
			X[$f$c]=$(awk -v e="${exits:-0}" -v r="$REQS" 'BEGIN {if (r > 0) printf "%.2f", e / r; else print "?"}')
			# Per MB (10^6 bytes) of bodies served.
			size=$(stat -c %s "$app/public$f")
			XM[$f$c]=$(awk -v e="${exits:-0}" -v r="$REQS" -v s="$size" 'BEGIN {if (r > 0) printf "%.2f", e / (r * s / 1e6); else print "?"}')
		done
	done
fi

echo
echo "== large responses: req/s (median of $RUNS), ratio to nginx, server CPU ms per response"
printf '%-11s %5s %16s %24s %24s %8s %8s\n' file conns nginx "Kiln unix" "Kiln hvt" "hvt exits/resp" "/MB"
for f in "${FILES[@]}"; do
	for c in $CONNS_LIST; do
		n=${R[nginx$f$c]}
		cell() { # NAME
			local r=${R[$1$f$c]:-} p=${C[$1$f$c]:-}
			[ -n "$r" ] || { echo "-"; return; }
			awk -v r="$r" -v n="$n" -v p="$p" 'BEGIN {printf "%d ×%.2f %.3fms", r, r / n, p}'
		}
		printf '%-11s %5s %16s %24s %24s %8s %8s\n' "$f" "$c" "$n ${C[nginx$f$c]}ms" \
			"$(cell unix)" "$(cell hvt)" "${X[$f$c]:--}" "${XM[$f$c]:--}"
	done
done
