#!/usr/bin/env bash
# apps/dns against NSD serving the same zone (apps/dns/zones/example.com.zone):
# tests/dns/compare.py asks both a corpus of about 4,800 queries (every
# owner name, missing names, wildcards, the delegation, empty
# non-terminals, names outside the zone, random letter case; every type;
# UDP without EDNS and with 100/512/1232/4096/65535, TCP with pipelined
# batches and after truncation) and wants the same answers section by
# section, the question's case preserved; tests/dns/clients.py asks 400
# of them through dig and kdig (each transport) and wants the same
# printed responses. The unix image is built with ASan and UBSan; hvt
# runs too when KVM works. Then AXFR refused, and the counters.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
tmp=$(scratch)
PY=/usr/bin/python3
command -v nsd >/dev/null || { skip "dns vs nsd" "nsd not installed"; finish; }
$PY -c 'import dns.message' 2>/dev/null ||
	{ skip "dns vs nsd" "python3-dnspython not installed"; finish; }
make -s bin/kiln bin/kiln-zone bin/kiln-hvt >"$tmp/make.log" 2>&1 ||
	{ fail "make" "$(tail -5 "$tmp/make.log")"; finish; }
zone="$ROOT/apps/dns/zones/example.com.zone"
freeport() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); u=socket.socket(type=socket.SOCK_DGRAM); u.bind(("127.0.0.1",s.getsockname()[1])); print(s.getsockname()[1])'
}

# ----------------------------------------------------------------- NSD
nport=$(freeport)
cat >"$tmp/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$nport
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
  hide-version: yes
  # response rate limiting would answer some of the corpus with TC
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: example.com
  zonefile: "$zone"
CONF
nsd -d -c "$tmp/nsd.conf" >"$tmp/nsd.out" 2>&1 &
nsd_pid=$!
on_exit "kill $nsd_pid"
wait_for 10 dig +time=1 +tries=1 -p "$nport" @127.0.0.1 example.com SOA ||
	{ fail "nsd start" "$(cat "$tmp/nsd.out" "$tmp/nsd.log" 2>/dev/null)"; finish; }

# --------------------------------------------------------------- Kiln
# run_kiln NAME CMD...: start the server, wait for it, compare, probe.
compare_with() {
	local name=$1 kport=$2 pid=$3 out=$4
	if ! wait_for 20 dig +time=1 +tries=1 -p "$kport" @127.0.0.1 example.com SOA; then
		fail "$name start" "$(tail -5 "$out")"
		return
	fi
	if $PY tests/dns/compare.py "$zone" example.com. "127.0.0.1:$kport" \
		"127.0.0.1:$nport" >"$tmp/$name.cmp" 2>&1; then
		pass "$name: same answers as NSD: $(tail -1 "$tmp/$name.cmp")"
	else
		fail "$name vs nsd" "$(head -12 "$tmp/$name.cmp" | tr '\n' '|')"
	fi
	if $PY tests/dns/clients.py "$zone" example.com. "127.0.0.1:$kport" \
		"127.0.0.1:$nport" 200 >"$tmp/$name.clients" 2>&1; then
		pass "$name: same responses as NSD through dig and kdig: $(tail -1 "$tmp/$name.clients")"
	else
		fail "$name vs nsd (dig, kdig)" "$(head -12 "$tmp/$name.clients" | tr '\n' '|')"
	fi
	# dig and kdig as clients, UDP and TCP
	local a b
	a=$(dig +short -p "$kport" @127.0.0.1 www.example.com A | tr '\n' ' ')
	b=$(kdig +short +tcp -p "$kport" @127.0.0.1 www.example.com A | tr '\n' ' ')
	[ "$a" = "web.example.com. host1.example.com. 198.18.0.80 " ] && [ "$a" = "$b" ] &&
		pass "$name: dig (udp) and kdig (tcp) follow the CNAME chain" ||
		fail "$name dig/kdig" "dig '$a' kdig '$b'"
	a=$(dig +tcp -p "$kport" @127.0.0.1 example.com AXFR 2>&1)
	grep -q 'Transfer failed' <<<"$a" &&
		pass "$name: AXFR refused (no --axfr-allow)" ||
		fail "$name axfr" "$(head -5 <<<"$a" | tr '\n' '|')"
	a=$(dig +ignore +noedns -p "$kport" @127.0.0.1 huge.example.com TXT)
	grep -q 'flags: qr aa tc' <<<"$a" &&
		pass "$name: 2 KB RRset over UDP without EDNS sets TC" ||
		fail "$name tc" "$(head -8 <<<"$a" | tr '\n' '|')"
	# 10,000 hostile datagrams, then a good query is still answered and
	# the counters show what was dropped or refused
	if $PY tests/dns/junk.py "$kport" 10000 >"$tmp/$name.junk" 2>&1; then
		pass "$name: 10,000 hostile datagrams, then still answering"
	else
		fail "$name junk" "$(cat "$tmp/$name.junk")"
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -q '^dns: queries .* dropped [1-9][0-9]* formerr [1-9]' "$out" &&
		pass "$name: counted: $(grep '^dns: queries' "$out" | head -1)" ||
		fail "$name junk counters" "$(grep '^dns:' "$out" | tail -2 | tr '\n' '|')"
	grep -q '^dns: queries [1-9]' "$out" &&
		! grep -q 'ERROR: AddressSanitizer\|runtime error' "$out" &&
		pass "$name: exits with its counters, no sanitizer report" ||
		fail "$name exit" "$(tail -5 "$out" | tr '\n' '|')"
}

if "$KILN" build -t unix --sanitize apps/dns >"$tmp/build-unix.log" 2>&1; then
	kport=$(freeport)
	apps/dns/_build/unix-san/dns --net "user,hostfwd=udp:127.0.0.1:$kport-:53,hostfwd=tcp:127.0.0.1:$kport-:53" \
		-- --edns-size=1232 >"$tmp/unix.out" 2>&1 &
	pid=$!
	on_exit "kill $pid"
	compare_with unix "$kport" "$pid" "$tmp/unix.out"
else
	fail "build unix" "$(tail -5 "$tmp/build-unix.log")"
fi

if ! have_kvm; then
	skip "hvt vs nsd" "$KVM_WHY"
elif "$KILN" build -t hvt apps/dns >"$tmp/build-hvt.log" 2>&1; then
	kport=$(freeport)
	"$KILN_HVT" --net "user,hostfwd=udp:127.0.0.1:$kport-:53,hostfwd=tcp:127.0.0.1:$kport-:53" \
		apps/dns/_build/hvt/dns -- >"$tmp/hvt.out" 2>&1 &
	pid=$!
	on_exit "kill $pid"
	compare_with hvt "$kport" "$pid" "$tmp/hvt.out"
else
	fail "build hvt" "$(tail -5 "$tmp/build-hvt.log")"
fi
finish
