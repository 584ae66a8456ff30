#!/usr/bin/env bash
# HTTP benchmark: wrk against the decks unikernel (unix, hvt and virtio
# targets, each on a tap; virtio under QEMU microvm with KVM, offloads on
# and off) and against nginx (Debian's nginx-light, one worker)
# serving the same files over a veth, all inside network namespaces this
# script creates and removes. Figures, each beside nginx's from the same
# run:
# - requests/s and p99 latency for a small page (/index.html, ~670 bytes)
#   and reveal.js's largest file (/reveal/reveal.js, ~110 KB), medians of
#   RUNS runs with the spread; for hvt, VM exits per request
#   (KILN_HVT_STATS), and the small page with the access log on as well
#   as off (Kiln's default is on);
# - a normal client (wrk -c4) while 2,000 slowloris connections are held
#   (tests/http/hostile.py: a head byte every 3 s each): req/s, p99,
#   non-2xx and socket errors;
# - dynamic: handlers of apps/http-hello ("hello\n" from code, /hello,
#   and a 1 KB JSON document built by code on each request, /json) next
#   to the decks' static /index.html, against nginx answering the same
#   bytes with its return directive (and the same file statically):
#   req/s and p99, unix and hvt;
# - memory per idle connection with 10,000 held (hostile.py idle; half
#   new, half keep-alive): the guest heap's growth (decks --stats-every)
#   for Kiln, the worker's RSS growth for nginx (user space only: the
#   kernel's socket structures are not in it), divided by the
#   connections. Measured before the slowloris run, which would leave
#   nginx's RSS grown.
#
# usage: bench/http/run.sh   (as root; env: DURATION=10 CONNS=32 RUNS=3
#                             SLOW=2000 IDLE=10000
#                             SECTIONS="throughput dynamic slowloris idle"
#                             KILN_ARGS="--net-offload=0": more boot
#                             arguments for Kiln on unix;
#                             VIRTIO_BEFORE=IMAGE: an older virtio build
#                             of apps/decks measured beside)
# Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
RUNS=${RUNS:-3}
SLOW=${SLOW:-2000}
IDLE=${IDLE:-10000}
SECTIONS=${SECTIONS:-throughput dynamic slowloris idle}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
ulimit -n 30000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
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
bin/kiln build -t unix apps/http-hello | tail -1
HVT=no
if [ -c /dev/kvm ] && [ -f platform/hvt/kiln.target ]; then
	bin/kiln build -t hvt apps/decks | tail -1 && HVT=yes
	bin/kiln build -t hvt apps/http-hello | tail -1
fi
VIRTIO=no
if [ -c /dev/kvm ] && command -v qemu-system-x86_64 >/dev/null; then
	bin/kiln build -t virtio apps/decks | tail -1 && VIRTIO=yes
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
# What apps/http-hello's /json builds (the same algorithm; checked
# against the unikernel's bytes before it is measured).
JSON=$(python3 -c '
out = "{\"items\":["
i = 0
while len(out) < 1024 - 80:
    out += ("," if i else "") + "{\"id\":%d,\"name\":\"item-%d\",\"price\":%d.%02d}" % (i, i, 100 + 7 * i, 13 * i % 100)
    i += 1
out += "],\"pad\":\"" + "x" * (1024 - len(out) - 12) + "\"}"
print(out, end="")')
printf '%s\n' "$JSON" >"$T/json.want"
cat >"$T/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile 40000;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx.err;
events { worker_connections 20000; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_requests 10000000;
	keepalive_timeout 65;
	types { text/html html; text/css css; text/javascript js; image/svg+xml svg; font/woff woff; }
	server {
		listen 198.18.1.2:80;
		root $T/www;
		location = /hello { default_type text/plain; return 200 "hello\\n"; }
		location = /json { default_type application/json; return 200 '$JSON\\n'; }
	}
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

declare -A R P S X
FILES=(/index.html /reveal/reveal.js)
up http://198.18.1.2/index.html
if want throughput; then
	for f in "${FILES[@]}"; do
		measure nginx "http://198.18.1.2$f"
		R[nginx$f]=$RPS P[nginx$f]=$P99 S[nginx$f]=$SPREAD
	done

	# shellcheck disable=SC2086
	ip netns exec "$NC" apps/decks/_build/unix/decks --net tap,ifname=tap0 -- \
		--ipv4=198.18.0.2/24 --http-log=off ${KILN_ARGS:-} >"$T/unix.log" 2>&1 &
	UNIX_PID=$!
	PIDS+=($UNIX_PID)
	up http://198.18.0.2/index.html
	for f in "${FILES[@]}"; do
		measure unix "http://198.18.0.2$f"
		R[unix$f]=$RPS P[unix$f]=$P99 S[unix$f]=$SPREAD
	done
	kill $UNIX_PID
	wait $UNIX_PID 2>/dev/null || true

	if [ $HVT = yes ]; then
		for f in "${FILES[@]}"; do
			# One guest per file; it exits by itself so that kiln-hvt
			# prints its exit counts.
			secs=$((3 + 2 + RUNS * (DURATION + 1) + 3))
			KILN_HVT_STATS=1 ip netns exec "$NC" bin/kiln-hvt --net tap,ifname=tap0 \
				apps/decks/_build/hvt/decks -- --ipv4=198.18.0.2/24 --http-log=off \
				--exit-after=$secs >"$T/hvt.log" 2>&1 &
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
		# The access log on (the default) against off, the small page,
		# RUNS rounds each measuring both (a fresh guest each time), so
		# that load from elsewhere on the machine hits both alike.
		declare -A LOGR=([on]="" [off]="")
		for _ in $(seq 1 "$RUNS"); do
			for lg in on off; do
				ip netns exec "$NC" bin/kiln-hvt --net tap,ifname=tap0 apps/decks/_build/hvt/decks -- \
					--ipv4=198.18.0.2/24 --http-log=$lg >"$T/hvt-log.log" 2>&1 &
				HVT_PID=$!
				PIDS+=($HVT_PID)
				up http://198.18.0.2/index.html
				ip netns exec "$NC" wrk -t1 -c"$CONNS" -d2s http://198.18.0.2/index.html >/dev/null
				out=$(ip netns exec "$NC" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency http://198.18.0.2/index.html)
				LOGR[$lg]+="$(echo "$out" | awk '/^Requests\/sec/ {print $2}') "
				kill $HVT_PID
				wait $HVT_PID 2>/dev/null || true
			done
		done
		LOG_ON=$(printf '%s\n' ${LOGR[on]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
		LOG_OFF=$(printf '%s\n' ${LOGR[off]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
		echo "   (access log on: ${LOGR[on]}req/s; off: ${LOGR[off]}req/s)"
	fi

	# virtio: decks under QEMU (microvm, KVM) on the same tap, with the
	# driver's offloads (virtio-net's CSUM/TSO4 features) and without;
	# VIRTIO_BEFORE=IMAGE adds an older build of the image, measured in
	# the same run.
	if [ $VIRTIO = yes ]; then
		VIRTIO_RUNS=("virtio apps/decks/_build/virtio/decks"
			"virtio-off apps/decks/_build/virtio/decks --net-offload=0")
		[ -n "${VIRTIO_BEFORE:-}" ] && VIRTIO_RUNS+=("virtio-before $VIRTIO_BEFORE")
		for v in "${VIRTIO_RUNS[@]}"; do
			read -r name img extra <<<"$v"
			# shellcheck disable=SC2086
			ip netns exec "$NC" platform/virtio/launch --accel kvm --net tap,ifname=tap0 \
				"$img" -- --ipv4=198.18.0.2/24 --http-log=off ${extra:-} \
				>"$T/$name.log" 2>&1 </dev/null &
			VPID=$!
			PIDS+=($VPID)
			up http://198.18.0.2/index.html
			grep -m1 "buffers, offloads" "$T/$name.log" | sed 's/^/   /'
			for f in "${FILES[@]}"; do
				measure "$name" "http://198.18.0.2$f"
				R[$name$f]=$RPS P[$name$f]=$P99 S[$name$f]=$SPREAD
			done
			kill $VPID
			wait $VPID 2>/dev/null || true
		done
	fi
fi

declare -A DR DP DS
DPATHS=(/hello /json /index.html)
if want dynamic; then
	echo "== dynamic handlers beside the static index"
	ip netns exec "$NC" curl -s http://198.18.1.2/json | cmp -s - "$T/json.want" ||
		{ echo "bench/http: nginx's /json is not the expected bytes"; exit 1; }
	for p in "${DPATHS[@]}"; do
		measure nginx "http://198.18.1.2$p"
		DR[nginx$p]=$RPS DP[nginx$p]=$P99 DS[nginx$p]=$SPREAD
	done
	declare -A DYN_CMD=([unix]="apps/http-hello/_build/unix/http-hello --net tap,ifname=tap0 --"
		[unix-static]="apps/decks/_build/unix/decks --net tap,ifname=tap0 --")
	if [ $HVT = yes ]; then
		DYN_CMD[hvt]="bin/kiln-hvt --net tap,ifname=tap0 apps/http-hello/_build/hvt/http-hello --"
		DYN_CMD[hvt-static]="bin/kiln-hvt --net tap,ifname=tap0 apps/decks/_build/hvt/decks --"
	fi
	for k in unix hvt; do
		[ -n "${DYN_CMD[$k]:-}" ] || continue
		for what in "$k" "$k-static"; do
			# shellcheck disable=SC2086
			ip netns exec "$NC" ${DYN_CMD[$what]} --ipv4=198.18.0.2/24 --http-log=off \
				>"$T/dyn-$what.log" 2>&1 &
			DPID=$!
			PIDS+=($DPID)
			if [ "$what" = "$k" ]; then
				up http://198.18.0.2/hello
				ip netns exec "$NC" curl -s http://198.18.0.2/json | cmp -s - "$T/json.want" ||
					{ echo "bench/http: Kiln's /json differs from nginx's"; exit 1; }
				paths=(/hello /json)
			else
				up http://198.18.0.2/index.html
				paths=(/index.html)
			fi
			for p in "${paths[@]}"; do
				measure "$k" "http://198.18.0.2$p"
				DR[$k$p]=$RPS DP[$k$p]=$P99 DS[$k$p]=$SPREAD
			done
			kill $DPID
			wait $DPID 2>/dev/null || true
		done
	done
fi

# Kiln's servers for the hostile runs: NAME -> command (started fresh
# for each run, default bounds and timeouts, access log off as nginx's).
declare -A SERVE
SERVE[unix]="apps/decks/_build/unix/decks --net tap,ifname=tap0 --"
[ $HVT = yes ] && SERVE[hvt]="bin/kiln-hvt --net tap,ifname=tap0 apps/decks/_build/hvt/decks --"
HOSTILE=(tests/http/hostile.py)
start_kiln() { # NAME LOG ARGS...: sets KPID
	local name=$1 log=$2
	shift 2
	# shellcheck disable=SC2086
	ip netns exec "$NC" ${SERVE[$name]} --ipv4=198.18.0.2/24 --http-log=off "$@" >"$log" 2>&1 &
	KPID=$!
	PIDS+=($KPID)
	up http://198.18.0.2/index.html
}

# slowloris NAME URL: wrk -c4 while SLOW slowloris connections are held.
declare -A SL_RPS SL_P99 SL_ERR
slowloris() {
	local name=$1 host=$2 out
	ip netns exec "$NC" python3 "${HOSTILE[@]}" "$host" 80 slowloris "$SLOW" \
		--secs=$((DURATION + 8)) >"$T/slow-$name.out" 2>&1 &
	local hp=$!
	sleep 5 # all connections open, heads trickling
	out=$(ip netns exec "$NC" wrk -t1 -c4 -d"${DURATION}s" --latency "http://$host/index.html")
	wait $hp || true
	SL_RPS[$name]=$(echo "$out" | awk '/^Requests\/sec/ {printf "%.0f", $2}')
	SL_P99[$name]=$(echo "$out" | awk '$1 == "99%" {print $2}')
	SL_ERR[$name]=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr -s ' ' | tr '\n' ' ' || true)
	SL_ERR[$name]=${SL_ERR[$name]:-none}
	grep "^figures:" "$T/slow-$name.out" | sed "s/^/   ($name) /" || true
}

# idle NAME HOST SAMPLE_CMD: IDLE idle connections; SAMPLE_CMD prints the
# bytes in use (heap or RSS) and is run before and while they are held.
declare -A ID_PER ID_CONNS
idle() {
	local name=$1 host=$2
	shift 2
	local before during
	before=$("$@")
	ip netns exec "$NC" python3 "${HOSTILE[@]}" "$host" 80 idle "$IDLE" --hold=6 --secs=2 \
		>"$T/idle-$name.out" 2>&1 &
	local hp=$!
	for _ in $(seq 1 300); do
		grep -q "^figures: idle .* held" "$T/idle-$name.out" && break
		sleep 0.1
	done
	sleep 2.5
	during=$("$@")
	wait $hp || true
	grep -E "^(FAIL|figures)" "$T/idle-$name.out" | sed "s/^/   ($name) /" || true
	echo "   ($name) in use: $before bytes before, $during while held"
	ID_CONNS[$name]=$IDLE
	ID_PER[$name]=$(awk -v a="$before" -v b="$during" -v n="$IDLE" 'BEGIN {printf "%.0f", (b - a) / n}')
}
nginx_rss() { # the worker's RSS in bytes
	local w
	w=$(pgrep -P "$(cat "$T/nginx.pid")" | head -1)
	echo $(($(ps -o rss= -p "$w") * 1024))
}
kiln_heap() { # the guest heap in use, from the last stats line
	sleep 1.2
	grep '^decks: stats ' "$KLOG" | tail -1 | sed -n 's/.*heap_in_use=\([0-9]*\).*/\1/p'
}

if want idle; then
	echo "== $IDLE idle connections: memory"
	idle nginx 198.18.1.2 nginx_rss
	for k in "${!SERVE[@]}"; do
		KLOG="$T/idle-$k.log"
		start_kiln "$k" "$KLOG" --stats-every=1
		idle "$k" 198.18.0.2 kiln_heap
		kill "$KPID"
		wait "$KPID" 2>/dev/null || true
	done
fi

if want slowloris; then
	echo "== $SLOW slowloris connections, wrk -c4 alongside"
	slowloris nginx 198.18.1.2
	for k in "${!SERVE[@]}"; do
		start_kiln "$k" "$T/slow-$k.log"
		slowloris "$k" 198.18.0.2
		kill "$KPID"
		wait "$KPID" 2>/dev/null || true
	done
fi

echo
echo "== results: wrk -t1 -c$CONNS, ${DURATION}s x $RUNS runs (median; spread of req/s)"
printf '%-20s %-13s %10s %15s %10s %8s %10s\n' file server req/s spread p99 vs-nginx exits/req
for f in "${FILES[@]}"; do
	for s in nginx unix hvt virtio virtio-off virtio-before; do
		[ -n "${R[$s$f]:-}" ] || continue
		ratio=$(awk -v a="${R[$s$f]}" -v b="${R[nginx$f]}" 'BEGIN {printf "%.0f%%", 100 * a / b}')
		ex="-"
		[ $s = hvt ] && ex=${X[$f]}
		printf '%-20s %-13s %10.0f %15s %10s %8s %10s\n' "$f" "$s" "${R[$s$f]}" "${S[$s$f]}" "${P[$s$f]}" "$ratio" "$ex"
	done
done
echo "(sizes: $(stat -c '%n %s bytes' apps/decks/site/index.html apps/decks/vendor/reveal.js | tr '\n' ' '))"
if [ -n "${DR[nginx/hello]:-}" ]; then
	echo
	echo "== dynamic: handlers (/hello, /json 1 KB) and the static index; nginx: return directive, and the file"
	printf '%-12s %-8s %10s %15s %10s %8s\n' path server req/s spread p99 vs-nginx
	for p in "${DPATHS[@]}"; do
		for s in nginx unix hvt; do
			[ -n "${DR[$s$p]:-}" ] || continue
			ratio=$(awk -v a="${DR[$s$p]}" -v b="${DR[nginx$p]}" 'BEGIN {printf "%.0f%%", 100 * a / b}')
			printf '%-12s %-8s %10.0f %15s %10s %8s\n' "$p" "$s" "${DR[$s$p]}" "${DS[$s$p]}" "${DP[$s$p]}" "$ratio"
		done
	done
fi
if [ -n "${LOG_ON:-}" ]; then
	echo
	echo "== hvt, /index.html, access log on and off (median of $RUNS rounds, alternating)"
	awk -v on="$LOG_ON" -v off="$LOG_OFF" 'BEGIN {printf "log on %.0f req/s, off %.0f req/s: the log costs %.1f%%\n", on, off, 100 * (off - on) / off}'
fi
echo
echo "== a normal client (wrk -t1 -c4, ${DURATION}s) while $SLOW slowloris connections are held"
printf '%-8s %10s %10s  %s\n' server req/s p99 errors
for k in nginx unix hvt; do
	[ -n "${SL_RPS[$k]:-}" ] || continue
	printf '%-8s %10s %10s  %s\n' "$k" "${SL_RPS[$k]}" "${SL_P99[$k]}" "${SL_ERR[$k]}"
done
echo
echo "== memory per idle connection ($IDLE held; nginx: worker RSS, Kiln: guest heap)"
for k in nginx unix hvt; do
	[ -n "${ID_PER[$k]:-}" ] || continue
	printf '%-8s %8s bytes per connection\n' "$k" "${ID_PER[$k]}"
done
