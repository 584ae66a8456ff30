#!/usr/bin/env bash
# Assets sent without a copy in the guest (tcp_send_static, TX_SG):
# an app of assets (a 2 MiB incompressible file, a small page) on a tap in
# a network namespace, fetched whole, by ranges that start and end at odd
# offsets, and 8 at once, every body's SHA-256 compared with the file's.
# With offloads on, TCP must have lent the bytes (tcp_bytes_lent) and the
# device taken frames in pieces (tx_frames_scattered); with
# --net-offload=0 the same bytes go the gathering way (no frame
# scattered) and must be as exact. Unix (ASan+UBSan) and, where KVM
# works, hvt.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
if ! have_netns; then
	skip "zero copy" "$NETNS_WHY"
	finish
fi
T=$(scratch)
make -s -j2 programs >"$T/make.log" 2>&1 || { fail "make" "$(tail -5 "$T/make.log")"; finish; }
ns="kiln-zc-$$"
make_netns "$ns"
ip netns exec "$ns" ip tuntap add dev tap0 mode tap
ip -n "$ns" addr add 198.18.0.1/24 dev tap0
ip -n "$ns" link set tap0 up

app="$T/app"
mkdir -p "$app/public"
cp apps/site/main.c "$app/"
cat >"$app/kiln.app" <<'APP'
name = zc
sources = main.c
libraries = http net assets
devices = net:net0
assets = public
APP
head -c $((2 << 20)) /dev/urandom >"$app/public/big.bin"
echo "<p>small</p>" >"$app/public/index.html"
want=$(sha256sum <"$app/public/big.bin" | cut -d' ' -f1)
size=$((2 << 20))

# fetch NAME: the whole file, odd ranges, 8 at once; each must match.
fetch() {
	local name=$1 bad=0 got
	got=$(ip netns exec "$ns" curl -sf -m 60 http://198.18.0.2/big.bin | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || bad=$((bad + 1))
	for r in 1-1 7-70000 65535-131072 1000001-2097151 2096900-; do
		local a=${r%-*} b=${r#*-}
		[ -n "$b" ] || b=$((size - 1))
		got=$(ip netns exec "$ns" curl -sf -m 60 -r "$r" http://198.18.0.2/big.bin | sha256sum | cut -d' ' -f1)
		local exp
		exp=$(tail -c +$((a + 1)) "$app/public/big.bin" | head -c $((b - a + 1)) | sha256sum | cut -d' ' -f1)
		[ "$got" = "$exp" ] || bad=$((bad + 1))
	done
	local pids=()
	for i in $(seq 8); do
		(ip netns exec "$ns" curl -sf -m 60 http://198.18.0.2/big.bin | sha256sum | cut -d' ' -f1 >"$T/par.$i") &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 8); do
		[ "$(cat "$T/par.$i")" = "$want" ] || bad=$((bad + 1))
	done
	if [ $bad -eq 0 ]; then
		pass "zero copy $name: 14 bodies byte-exact"
	else
		fail "zero copy $name: bodies byte-exact" "$bad of 14 differ"
	fi
}

# serve NAME OFFLOAD -- CMD...: start, fetch, stop, check the counters.
serve() {
	local name=$1 off=$2
	shift 3
	ip netns exec "$ns" "$@" -- --ipv4=198.18.0.2/24 --http-log=off \
		--net-offload="$off" --counters >"$T/$name.log" 2>&1 &
	local p=$!
	if ! wait_for 30 ip netns exec "$ns" curl -sf -o /dev/null http://198.18.0.2/index.html; then
		fail "zero copy $name: server up" "$(tail -5 "$T/$name.log")"
		kill -9 "$p" 2>/dev/null
		return
	fi
	fetch "$name"
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	local lent scat
	lent=$(sed -n 's/^tcp_bytes_lent \([0-9]*\)/\1/p' "$T/$name.log" | tail -1)
	scat=$(sed -n 's/^tx_frames_scattered \([0-9]*\)/\1/p' "$T/$name.log" | tail -1)
	lent=${lent:-0} scat=${scat:-0}
	# 9 whole bodies and the ranges, about 19 MiB, less what went with
	# each head in its first segment.
	if [ "$off" = 1 ]; then
		if [ "$lent" -gt $((16 << 20)) ] && [ "$scat" -gt 200 ]; then
			pass "zero copy $name: lent $lent bytes, $scat frames in pieces"
		else
			fail "zero copy $name: bytes lent and frames in pieces" "lent ${lent}, scattered ${scat}"
		fi
	else
		if [ "$scat" -eq 0 ]; then
			pass "zero copy $name: offloads off, no frame in pieces (lent $lent bytes, gathered)"
		else
			fail "zero copy $name: offloads off" "$scat frames in pieces"
		fi
	fi
	if grep -q "AddressSanitizer\|runtime error\|panic" "$T/$name.log"; then
		fail "zero copy $name: clean console" "$(grep -m3 "AddressSanitizer\|runtime error\|panic" "$T/$name.log")"
	fi
}

if "$KILN" build -t unix --sanitize "$app" >"$T/build.log" 2>&1; then
	serve unix 1 -- "$app/_build/unix-san/zc" --net tap,ifname=tap0
	serve unix-off 0 -- "$app/_build/unix-san/zc" --net tap,ifname=tap0
else
	fail "zero copy: build unix" "$(tail -5 "$T/build.log")"
fi
if have_kvm && [ -x "$KILN_HVT" ] && [ -f platform/hvt/kiln.target ]; then
	if "$KILN" build -t hvt "$app" >"$T/build-hvt.log" 2>&1; then
		serve hvt 1 -- "$KILN_HVT" --net tap,ifname=tap0 "$app/_build/hvt/zc"
		serve hvt-off 0 -- "$KILN_HVT" --net tap,ifname=tap0 "$app/_build/hvt/zc"
	else
		fail "zero copy: build hvt" "$(tail -5 "$T/build-hvt.log")"
	fi
else
	skip "zero copy on hvt" "${KVM_WHY:-no kiln-hvt or hvt target}"
fi
finish
