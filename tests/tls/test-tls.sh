#!/usr/bin/env bash
# HTTPS from the decks built with --tls (lib/tls on wolfSSL), on unix
# (ASan+UBSan) and hvt: curl and openssl s_client negotiate TLS 1.3 with
# ALPN http/1.1 and a verified certificate of the development CA; TLS 1.2
# gives an ECDHE AEAD suite, TLS 1.1 and a CBC-only client are refused; a
# saved session is resumed (Reused); every asset comes byte-exact over one
# keep-alive connection; hostile clients (tests/tls/hostile.py) close only
# their own connection, each a "tls: handshake ... failed" line.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || { fail "tls" "bin/kiln is missing (run make)"; finish; }
if [ ! -d _deps/wolfssl-5.5.4 ]; then
	skip "tls" "wolfSSL's source is not in _deps/ (run scripts/deps.sh)"
	finish
fi
for t in openssl curl python3; do
	command -v $t >/dev/null || { skip "tls" "$t missing"; finish; }
done
T=$(scratch)
export KILN_STATE_HOME="$T/state"
CA="$T/state/tls/ca.pem"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The decks' assets as URL path and file: site/ at /, vendor/ at
# /reveal, plots/ at /bench (apps/decks/kiln.app), names not starting
# with a dot.
asset_list() {
	local d
	for d in "site:" "vendor:/reveal" "plots:/bench"; do
		local dir=apps/decks/${d%%:*} prefix=${d#*:}
		[ -d "$dir" ] || continue
		(cd "$dir" && find . -type f ! -path '*/.*' | sort) | while read -r f; do
			echo "$prefix/${f#./} $dir/${f#./}"
		done
	done
}

check_target() {
	local t=$1 san=$2 tag=$1
	[ -n "$san" ] && tag="$t-asan"
	"$KILN" build -t "$t" $san --tls apps/decks >"$T/build-$tag.log" 2>&1 ||
		{ fail "$tag: build decks --tls" "$(tail -5 "$T/build-$tag.log")"; return; }
	local hp sp log="$T/run-$tag.log"
	hp=$(freeport)
	sp=$(freeport)
	"$KILN" run -t "$t" $san --tls apps/decks -p "$hp:80/http" -p "$sp:443/https" \
		-- --exit-after=300 >"$log" 2>&1 &
	local pid=$!
	on_exit "kill $pid 2>/dev/null"
	if ! wait_for 90 grep -qx "serving on https://127.0.0.1:$sp/" "$log"; then
		fail "$tag: HTTPS server" "no URL line: $(tail -5 "$log")"
		return
	fi
	local url="https://127.0.0.1:$sp/"

	# curl: TLS 1.3, ALPN, the certificate verified (for 127.0.0.1 and
	# for localhost).
	curl -sv --cacert "$CA" "$url" -o "$T/index-$tag" 2>"$T/curl-$tag.log"
	local rc=$?
	if [ $rc -eq 0 ] && grep -q "SSL connection using TLSv1.3" "$T/curl-$tag.log" &&
		grep -q "ALPN: server accepted http/1.1" "$T/curl-$tag.log" &&
		cmp -s "$T/index-$tag" apps/decks/site/index.html; then
		pass "$tag: curl: TLSv1.3, ALPN http/1.1, verified, the index byte-exact"
	else
		fail "$tag: curl over TLS 1.3" "rc $rc: $(grep -E 'SSL connection|ALPN|error' "$T/curl-$tag.log" | head -3)"
	fi
	check "$tag: curl to https://localhost verifies the name" \
		curl -sf --cacert "$CA" --resolve "localhost:$sp:127.0.0.1" -o /dev/null "https://localhost:$sp/"
	if curl -s --cacert "$CA" --resolve "wrong.example:$sp:127.0.0.1" -o /dev/null "https://wrong.example:$sp/"; then
		fail "$tag: a wrong host name" "curl accepted the certificate for wrong.example"
	else
		pass "$tag: a wrong host name is not verified by the certificate"
	fi

	# openssl s_client: the full handshake, then the saved session. A
	# request read to its end (-ign_eof) makes sure TLS 1.3's ticket,
	# sent after the handshake, was taken before the session is saved.
	local so="$T/s_client-$tag"
	local get='GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
	printf "$get" | timeout 20 openssl s_client -ign_eof -connect "127.0.0.1:$sp" -alpn http/1.1 \
		-CAfile "$CA" -sess_out "$so.sess" >"$so.1" 2>&1
	if grep -q "^New, TLSv1.3, Cipher is TLS_" "$so.1" && grep -q "^ALPN protocol: http/1.1" "$so.1" &&
		grep -q "Verify return code: 0 (ok)" "$so.1"; then
		pass "$tag: s_client: $(grep -m1 '^New, TLSv1.3' "$so.1"), ALPN http/1.1, verified"
	else
		fail "$tag: s_client full handshake" "$(grep -E '^New|^ALPN|Verify return|error' "$so.1" | head -4)"
	fi
	printf "$get" | timeout 20 openssl s_client -ign_eof -connect "127.0.0.1:$sp" -alpn http/1.1 \
		-CAfile "$CA" -sess_in "$so.sess" >"$so.2" 2>&1
	if grep -q "^Reused, TLSv1.3" "$so.2" && grep -q "^HTTP/1.1 200" "$so.2"; then
		pass "$tag: s_client -sess_in: $(grep -m1 '^Reused' "$so.2")"
	else
		fail "$tag: session resumption" "$(grep -E '^New|^Reused|error' "$so.2" | head -3)"
	fi
	echo | timeout 20 openssl s_client -connect "127.0.0.1:$sp" -tls1_2 -CAfile "$CA" >"$so.12" 2>&1
	if grep -Eq "^New, TLSv1.2, Cipher is ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$" "$so.12"; then
		pass "$tag: TLS 1.2: $(grep -m1 '^New, TLSv1.2' "$so.12")"
	else
		fail "$tag: TLS 1.2" "$(grep -E '^New|error' "$so.12" | head -3)"
	fi
	echo | timeout 20 openssl s_client -connect "127.0.0.1:$sp" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' >"$so.11" 2>&1
	if grep -q "^New, TLSv1.1\|^New, TLSv1," "$so.11"; then
		fail "$tag: TLS 1.1 refused" "$(grep -m1 '^New' "$so.11")"
	else
		pass "$tag: TLS 1.1 is refused"
	fi
	echo | timeout 20 openssl s_client -connect "127.0.0.1:$sp" -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:AES128-SHA' >"$so.cbc" 2>&1
	if grep -q "^New, TLSv1.2, Cipher is" "$so.cbc"; then
		fail "$tag: CBC suites refused" "$(grep -m1 '^New' "$so.cbc")"
	else
		pass "$tag: a client offering CBC suites only is refused"
	fi

	# Every asset over one keep-alive connection, byte-exact.
	local args=() n=0 i=0
	asset_list >"$T/assets-$tag"
	while read -r path file; do
		args+=("https://127.0.0.1:$sp$path" -o "$T/got-$tag-$n")
		n=$((n + 1))
	done <"$T/assets-$tag"
	curl -s --cacert "$CA" "${args[@]}" -w '%{num_connects}\n' >"$T/connects-$tag"
	local bad=0 first=
	while read -r path file; do
		if ! cmp -s "$T/got-$tag-$i" "$file"; then
			bad=$((bad + 1))
			[ -z "$first" ] && first=$path
		fi
		i=$((i + 1))
	done <"$T/assets-$tag"
	local conns
	conns=$(paste -sd+ "$T/connects-$tag" | bc)
	if [ "$n" -gt 20 ] && [ $bad -eq 0 ] && [ "$conns" = 1 ]; then
		pass "$tag: all $n assets byte-exact over HTTPS on 1 keep-alive connection"
	else
		fail "$tag: assets over HTTPS" "$bad of $n differ (first $first), $conns connections"
	fi

	# Hostile clients.
	if python3 tests/tls/hostile.py "$sp" "$CA" >"$T/hostile-$tag.log" 2>&1; then
		pass "$tag: hostile clients: $(grep -c '^PASS' "$T/hostile-$tag.log") cases, each closing its own connection only"
	else
		fail "$tag: hostile clients" "$(grep '^FAIL' "$T/hostile-$tag.log" | head -3)"
	fi
	sed 's/^/    /' "$T/hostile-$tag.log"
	local lines
	lines=$(grep -c "warn tls: handshake with 198.18.0.1:[0-9]* failed" "$log")
	[ "$lines" -ge 5 ] && pass "$tag: $lines failed handshakes, a log line each" ||
		fail "$tag: failed handshakes logged" "$lines lines: $(grep tls: "$log" | tail -3)"
	if grep -q "AddressSanitizer\|runtime error" "$log"; then
		fail "$tag: sanitizers" "$(grep -m2 'AddressSanitizer\|runtime error' "$log")"
	fi
	if kill -0 $pid 2>/dev/null && curl -sf --cacert "$CA" -o /dev/null "$url"; then
		pass "$tag: the image still serves HTTPS at the end"
	else
		fail "$tag: the image still serves" "$(tail -5 "$log")"
	fi
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
}

check_target unix --sanitize
if have_kvm; then
	check_target hvt ""
else
	skip "hvt: HTTPS from the decks" "$KVM_WHY"
fi
finish
