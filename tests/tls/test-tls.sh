#!/usr/bin/env bash
# HTTPS from the decks built with --tls (lib/tls on wolfSSL), on unix
# (ASan+UBSan), hvt and virtio (QEMU; hvt and virtio SKIP without
# /dev/kvm, virtio without qemu-system-x86_64): curl and openssl s_client
# negotiate TLS 1.3 with ALPN http/1.1 and a verified certificate of the
# development CA; TLS 1.2 gives an ECDHE AEAD suite, TLS 1.1 and a
# CBC-only client are refused; a saved session is resumed (Reused); every
# asset comes byte-exact over one keep-alive connection; hostile clients
# (tests/tls/hostile.py) close only their own connection, each a "tls:
# handshake ... failed" line. Certificates at run time: a disk holding
# another CA's chain (leaf and intermediate) and key (kiln run --tls-disk
# on hvt, --block and --tls-disk=blk0 on the --tls image elsewhere) is
# served with that chain; a disk of zeros, one
# without a key and one with a key that is not the leaf's each end the
# image at start with a line saying so. Headless Chromium (once: hvt, or
# unix without KVM) loads the decks trusting the development CA through
# an NSS database (tests/tls/browse-https.js).
# timeout: 1200
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
# Another CA, an intermediate and a leaf for 127.0.0.1 and localhost, for
# the credentials disks (the leaf and the intermediate: a chain of two).
O="$T/other"
mkdir -p "$O"
(
	cd "$O" || exit 1
	ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	openssl req -x509 $ec -keyout root.key -out root.pem -days 2 -subj "/CN=Kiln test root" \
		-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign
	openssl req $ec -keyout mid.key -out mid.csr -subj "/CN=Kiln test intermediate"
	printf '%s\n' basicConstraints=critical,CA:true keyUsage=critical,keyCertSign >mid.ext
	openssl x509 -req -in mid.csr -CA root.pem -CAkey root.key -CAcreateserial -days 2 \
		-extfile mid.ext -out mid.pem
	openssl req $ec -keyout key.pem -out leaf.csr -subj "/CN=localhost"
	printf '%s\n' subjectAltName=IP:127.0.0.1,DNS:localhost extendedKeyUsage=serverAuth >leaf.ext
	openssl x509 -req -in leaf.csr -CA mid.pem -CAkey mid.key -CAcreateserial -days 2 \
		-extfile leaf.ext -out leaf.pem
	openssl ecparam -name prime256v1 -genkey -noout -out other.key
	# A disk: the PEM text, then zeros to a whole sector.
	disk() { cat "$@" >"$d"; truncate -s %512 "$d"; }
	d=good.img disk leaf.pem mid.pem key.pem
	d=nokey.img disk leaf.pem mid.pem
	d=wrongkey.img disk leaf.pem mid.pem other.key
	head -c 4096 /dev/zero >zeros.img
) >"$O/make.log" 2>&1 || { fail "tls: the test certificates" "$(tail -3 "$O/make.log")"; finish; }
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

# The credentials disks on target $1 ($2: --sanitize or empty). On hvt
# through kiln run --tls-disk FILE (an image without built-in
# credentials); elsewhere the --tls image already built, given the disk
# with --block and the boot argument --tls-disk=blk0 (the disk's
# credentials win over built-in ones, and no relink is needed).
# disk_cmd TARGET SAN IMG OPTIONS... -- BOOTARGS...: the command in DISK_CMD.
disk_cmd() {
	local t=$1 san=$2 img=$3
	shift 3
	if [ "$t" = hvt ]; then
		DISK_CMD=("$KILN" run -t "$t" $san --tls-disk "$img" apps/decks "$@")
	else
		local a=()
		while [ $# -gt 0 ] && [ "$1" != -- ]; do a+=("$1"); shift; done
		[ $# -gt 0 ] && shift
		DISK_CMD=("$KILN" run -t "$t" $san --tls apps/decks --block "$img" "${a[@]}" -- --tls-disk=blk0 "$@")
	fi
}

check_disks() {
	local t=$1 san=$2 tag=$3
	local hp sp log="$T/disk-$tag.log"
	hp=$(freeport)
	sp=$(freeport)
	disk_cmd "$t" "$san" "$O/good.img" -p "$hp:80/http" -p "$sp:443/https" -- --exit-after=300
	"${DISK_CMD[@]}" >"$log" 2>&1 &
	local pid=$!
	on_exit "kill $pid 2>/dev/null"
	if ! wait_for 120 grep -qx "serving on https://127.0.0.1:$sp/" "$log"; then
		fail "$tag: --tls-disk: HTTPS server" "no URL line: $(tail -5 "$log")"
		kill $pid 2>/dev/null
		return
	fi
	curl -sv --cacert "$O/root.pem" "https://127.0.0.1:$sp/" -o "$T/disk-index-$tag" 2>"$T/disk-curl-$tag.log"
	if grep -q "SSL connection using TLSv1.3" "$T/disk-curl-$tag.log" &&
		cmp -s "$T/disk-index-$tag" apps/decks/site/index.html &&
		grep -q "^tls: certificate chain (2 certificates) and key from block device blk0$" "$log"; then
		pass "$tag: --tls-disk: the disk's chain (2 certificates) verifies with its root, the index byte-exact"
	else
		fail "$tag: --tls-disk: the disk's chain" "$(grep -E 'SSL connection|error|issuer' "$T/disk-curl-$tag.log" | head -3); $(grep tls: "$log" | head -2)"
	fi
	if curl -s --cacert "$CA" -o /dev/null "https://127.0.0.1:$sp/"; then
		fail "$tag: --tls-disk: the built-in certificate is not served" "the development CA verified it"
	else
		pass "$tag: --tls-disk: the development CA does not verify it (the disk's certificate is served)"
	fi
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	local img want rc
	for img in zeros:"no PEM certificate" nokey:"no PEM private key" \
		wrongkey:"the certificate and key do not load"; do
		want=${img#*:}
		img=${img%%:*}
		disk_cmd "$t" "$san" "$O/$img.img" -p "$hp:80/http" -- --exit-after=60
		timeout 120 "${DISK_CMD[@]}" >"$T/disk-$img-$tag.log" 2>&1
		rc=$?
		if [ $rc -eq 1 ] && grep -q "^tls: --tls-disk=blk0: $want" "$T/disk-$img-$tag.log" &&
			! grep -q "AddressSanitizer\|runtime error\|listening on" "$T/disk-$img-$tag.log"; then
			pass "$tag: --tls-disk $img.img: status 1 at start, \"$want\""
		else
			fail "$tag: --tls-disk $img.img" "status $rc: $(grep -E 'tls:|Sanitizer|error' "$T/disk-$img-$tag.log" | head -2)"
		fi
	done
}

# Headless Chromium against port $2, the development CA trusted through
# an NSS database in a HOME of its own.
check_browser() {
	local tag=$1 sp=$2
	if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null || ! command -v certutil >/dev/null; then
		skip "$tag: chromium over HTTPS" "needs /usr/bin/chromium, node and certutil (libnss3-tools)"
		return
	fi
	if [ ! -d tests/decks/node_modules/playwright-core ] ||
		[ tests/decks/package-lock.json -nt tests/decks/node_modules ]; then
		if ! (cd tests/decks && npm ci --ignore-scripts --no-audit --no-fund \
			--loglevel=error >"$T/npm.log" 2>&1 && touch node_modules); then
			skip "$tag: chromium over HTTPS" "npm ci failed (no package registry?): $(tail -1 "$T/npm.log")"
			return
		fi
	fi
	local h="$T/home-$tag"
	mkdir -p "$h/.pki/nssdb"
	certutil -N -d "sql:$h/.pki/nssdb" --empty-password &&
		certutil -A -d "sql:$h/.pki/nssdb" -n "Kiln development CA (test)" -t "C,," -i "$CA" ||
		{ fail "$tag: an NSS database trusting the CA" "certutil failed"; return; }
	HOME=$h timeout 120 node tests/tls/browse-https.js "$tag" "$sp" || TEST_FAILS=$((TEST_FAILS + 1))
}

check_target() {
	local t=$1 san=$2 browser=$3 tag=$1
	[ -n "$san" ] && tag="$t-asan"
	"$KILN" build -t "$t" $san --tls apps/decks >"$T/build-$tag.log" 2>&1 ||
		{ fail "$tag: build decks --tls" "$(tail -5 "$T/build-$tag.log")"; return; }
	if [ ! -e "$T/crl-checked" ]; then
		touch "$T/crl-checked"
		# The development certificate's CRL distribution point is the
		# CA's CRL, which it passes.
		local cert="$T/state/tls/server/cert.pem"
		if openssl x509 -noout -ext crlDistributionPoints -in "$cert" 2>/dev/null |
			grep -q "URI:file://$T/state/tls/ca.crl" &&
			openssl verify -crl_check -CAfile "$CA" -CRLfile "$T/state/tls/ca.crl" "$cert" >/dev/null 2>&1; then
			pass "the development certificate names the CA's CRL, and passes it (openssl verify -crl_check)"
		else
			fail "the development certificate's CRL" "$(openssl verify -crl_check -CAfile "$CA" -CRLfile "$T/state/tls/ca.crl" "$cert" 2>&1 | tail -1)"
		fi
	fi
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
	[ -n "$browser" ] && check_browser "$tag" "$sp"
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	check_disks "$t" "$san" "$tag"
}

if have_kvm; then
	check_target unix --sanitize ""
	check_target hvt "" browser
	if command -v qemu-system-x86_64 >/dev/null; then
		check_target virtio ""
	else
		skip "virtio: HTTPS from the decks" "qemu-system-x86_64 not installed"
	fi
else
	check_target unix --sanitize browser
	skip "hvt: HTTPS from the decks" "$KVM_WHY"
	skip "virtio: HTTPS from the decks" "$KVM_WHY"
fi
finish
