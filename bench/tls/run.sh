#!/usr/bin/env bash
# TLS benchmark: the decks built with --tls (lib/tls on wolfSSL) on unix
# and hvt, each on a tap, and nginx (Debian's nginx-light, one worker,
# OpenSSL) over a veth with the same certificate (the development CA's
# P-256 server certificate) and the same suite (TLS 1.3,
# TLS_AES_128_GCM_SHA256, X25519 as the clients offer first), all in
# network namespaces this script creates and removes. Figures, medians of
# RUNS runs, each beside nginx's from the same run:
# - full handshakes/s: openssl s_time -new (one connection at a time, a
#   handshake and a GET of the index each), over the wall-clock time;
# - resumed handshakes/s: openssl s_time -reuse (the same, the session
#   resumed from a TLS 1.3 ticket);
# - req/s over keep-alive HTTPS for the index and for reveal.js's
#   largest file: wrk -c CONNS;
# and the image size TLS adds (hvt, stripped: decks --tls against decks).
#
# usage: bench/tls/run.sh   (as root; env: DURATION=10 CONNS=32 RUNS=3)
# Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
RUNS=${RUNS:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench/tls: needs root (network namespaces)"; exit 1; }
for c in wrk nginx ip openssl; do
	command -v $c >/dev/null || { echo "bench/tls: $c missing"; exit 1; }
done
[ -d _deps/wolfssl-5.5.4 ] || { echo "bench/tls: run scripts/deps.sh (wolfSSL's source)"; exit 1; }

T=$(mktemp -d /tmp/kiln-bench-tls.XXXXXX)
chmod 755 "$T"
export KILN_STATE_HOME=$T/state
NC=kiln-btls-c-$$
NN=kiln-btls-n-$$
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
bin/kiln build -t unix --tls apps/decks | tail -1
HVT=no
if [ -c /dev/kvm ] && [ -f platform/hvt/kiln.target ]; then
	bin/kiln build -t hvt --tls apps/decks | tail -1
	bin/kiln build -t hvt apps/decks | tail -1
	HVT=yes
fi
CERT=$T/state/tls/server

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

mkdir -p "$T/www"
cp -r apps/decks/site/. "$T/www/"
cp -r apps/decks/vendor "$T/www/reveal"
cp "$CERT/cert.pem" "$CERT/key.pem" "$T/"
chmod 644 "$T/key.pem"
cat >"$T/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx.err;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nodelay on;
	keepalive_requests 10000000;
	keepalive_timeout 65;
	types { text/html html; text/css css; text/javascript js; image/svg+xml svg; font/woff woff; }
	ssl_certificate $T/cert.pem;
	ssl_certificate_key $T/key.pem;
	ssl_protocols TLSv1.2 TLSv1.3;
	ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305;
	ssl_session_tickets on;
	ssl_session_cache off;
	server { listen 198.18.1.2:443 ssl; root $T/www; }
}
CONF
ip netns exec "$NN" nginx -c "$T/nginx.conf" -p "$T" &
PIDS+=($!)

up() { # HOST
	for _ in $(seq 1 150); do
		ip netns exec "$NC" curl -skf -o /dev/null "https://$1/index.html" && return 0
		sleep 0.1
	done
	echo "bench/tls: https://$1/ does not answer"
	tail -5 "$T"/*.err "$T"/*.log 2>/dev/null
	return 1
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# handshakes HOST MODE(-new|-reuse): connections per second of wall
# clock (timed here: s_time prints whole seconds), each a handshake and a
# GET of the index (reading the response is also what makes the client
# take TLS 1.3's ticket, so that -reuse resumes), the median of RUNS.
handshakes() {
	local v=()
	for _ in $(seq 1 "$RUNS"); do
		local out t0 t1
		t0=$(date +%s.%N)
		out=$(ip netns exec "$NC" openssl s_time -connect "$1:443" $2 -tls1_3 \
			-ciphersuites TLS_AES_128_GCM_SHA256 -www /index.html -time "$DURATION" 2>/dev/null)
		t1=$(date +%s.%N)
		v+=("$(echo "$out" | awk -v t="$(echo "$t1 - $t0" | bc)" '/connections in [0-9]+ real seconds/ {n = $1} END {printf "%.0f", n / t}')")
	done
	printf '%s\n' "${v[@]}" | median
}

# reqs HOST PATH: wrk req/s over keep-alive HTTPS, the median of RUNS.
reqs() {
	ip netns exec "$NC" wrk -t1 -c"$CONNS" -d2s "https://$1$2" >/dev/null
	local v=()
	for _ in $(seq 1 "$RUNS"); do
		v+=("$(ip netns exec "$NC" wrk -t1 -c"$CONNS" -d"${DURATION}s" "https://$1$2" | awk '/^Requests\/sec/ {print $2}')")
	done
	printf '%s\n' "${v[@]}" | median
}

declare -A R
FILES=(/index.html /reveal/reveal.js)
measure() { # NAME HOST
	R[$1-new]=$(handshakes "$2" -new)
	R[$1-reuse]=$(handshakes "$2" -reuse)
	for f in "${FILES[@]}"; do R[$1$f]=$(reqs "$2" "$f"); done
	echo "   $1: full ${R[$1-new]}/s, resumed ${R[$1-reuse]}/s, ${FILES[0]} ${R[$1${FILES[0]}]} req/s, ${FILES[1]} ${R[$1${FILES[1]}]} req/s"
}

echo "== nginx"
up 198.18.1.2
measure nginx 198.18.1.2

echo "== kiln unix"
ip netns exec "$NC" apps/decks/_build/unix-tls/decks --net tap,ifname=tap0 -- \
	--ipv4=198.18.0.2/24 --http-log=off >"$T/unix.log" 2>&1 &
UNIX_PID=$!
PIDS+=($UNIX_PID)
up 198.18.0.2
measure unix 198.18.0.2
kill $UNIX_PID
wait $UNIX_PID 2>/dev/null || true

if [ $HVT = yes ]; then
	echo "== kiln hvt"
	ip netns exec "$NC" bin/kiln-hvt --net tap,ifname=tap0 apps/decks/_build/hvt-tls/decks -- \
		--ipv4=198.18.0.2/24 --http-log=off >"$T/hvt.log" 2>&1 &
	HVT_PID=$!
	PIDS+=($HVT_PID)
	up 198.18.0.2
	measure hvt 198.18.0.2
	kill $HVT_PID
	wait $HVT_PID 2>/dev/null || true
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "?"}'; }
echo
echo "== results (medians of $RUNS runs of ${DURATION}s; ratio = Kiln / nginx)"
printf '%-28s %10s %10s %7s %10s %7s\n' "" nginx unix ratio hvt ratio
for k in -new -reuse "${FILES[@]}"; do
	case $k in -new) n="full handshakes/s" ;; -reuse) n="resumed handshakes/s" ;; *) n="req/s $k" ;; esac
	printf '%-28s %10s %10s %7s %10s %7s\n' "$n" "${R[nginx$k]}" "${R[unix$k]}" \
		"$(ratio "${R[unix$k]}" "${R[nginx$k]}")" "${R[hvt$k]:--}" \
		"$(ratio "${R[hvt$k]:-0}" "${R[nginx$k]}")"
done
if [ $HVT = yes ]; then
	a=$(stat -c %s apps/decks/_build/hvt-tls/decks.stripped)
	b=$(stat -c %s apps/decks/_build/hvt/decks.stripped)
	echo "image (hvt, stripped): $a bytes with TLS, $b without: TLS adds $((a - b)) bytes"
fi
