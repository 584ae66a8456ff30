#!/bin/sh
# Make the development CA and a server certificate for 127.0.0.1 and
# localhost under DIR (kiln build --tls), once: DIR/ca.pem, DIR/ca-key.pem,
# DIR/server/cert.pem and DIR/server/key.pem (P-256 keys, the server's
# valid 825 days, the CA's 10 years), and the CA's revocation list
# DIR/ca.crl (DER, empty, signed by the CA, valid as long as the CA),
# which the server certificate names as its CRL distribution point
# (file://DIR/ca.crl), as a public CA's certificates name theirs. Safe to
# run again: an existing set is kept; a server certificate expiring within
# 30 days, or one without the distribution point (made before it), is
# remade, and so is a missing CRL.
set -eu
dir=$1
umask 077
mkdir -p "$dir/server"
made_ca=
if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca-key.pem" ]; then
	openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca-key.pem.tmp"
	openssl req -x509 -new -key "$dir/ca-key.pem.tmp" -sha256 -days 3650 \
		-subj "/O=Kiln development CA/CN=Kiln development CA $(hostname 2>/dev/null || echo local)" \
		-addext "basicConstraints=critical,CA:true" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$dir/ca.pem.tmp" 2>/dev/null
	mv "$dir/ca-key.pem.tmp" "$dir/ca-key.pem"
	mv "$dir/ca.pem.tmp" "$dir/ca.pem"
	rm -f "$dir/server/cert.pem"
	made_ca=1
fi
dir=$(cd "$dir" && pwd)
if [ -n "$made_ca" ] || [ ! -f "$dir/ca.crl" ]; then
	# An empty CRL: openssl ca wants a database and a CRL number.
	crl=$(mktemp -d)
	: >"$crl/index.txt"
	echo 01 >"$crl/crlnumber"
	printf '%s\n' "[ca]" "default_ca=dev" "[dev]" "database=$crl/index.txt" \
		"crlnumber=$crl/crlnumber" "default_md=sha256" "default_crl_days=3650" >"$crl/ca.cnf"
	openssl ca -batch -config "$crl/ca.cnf" -gencrl -keyfile "$dir/ca-key.pem" \
		-cert "$dir/ca.pem" -out "$crl/ca.crl.pem" 2>/dev/null
	openssl crl -in "$crl/ca.crl.pem" -outform DER -out "$dir/ca.crl.tmp"
	mv "$dir/ca.crl.tmp" "$dir/ca.crl"
	rm -rf "$crl"
fi
if [ ! -f "$dir/server/cert.pem" ] || [ ! -f "$dir/server/key.pem" ] ||
	! openssl x509 -checkend 2592000 -noout -in "$dir/server/cert.pem" >/dev/null 2>&1 ||
	! openssl x509 -noout -ext crlDistributionPoints -in "$dir/server/cert.pem" 2>/dev/null |
	grep -q "URI:file://$dir/ca.crl"; then
	openssl ecparam -name prime256v1 -genkey -noout -out "$dir/server/key.pem.tmp"
	ext=$(mktemp)
	printf '%s\n' "basicConstraints=critical,CA:false" \
		"keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" \
		"subjectAltName=IP:127.0.0.1,DNS:localhost" \
		"crlDistributionPoints=URI:file://$dir/ca.crl" >"$ext"
	openssl req -new -key "$dir/server/key.pem.tmp" -subj "/CN=localhost" \
		-out "$dir/server/req.csr" 2>/dev/null
	openssl x509 -req -in "$dir/server/req.csr" -CA "$dir/ca.pem" \
		-CAkey "$dir/ca-key.pem" -CAcreateserial -CAserial "$dir/ca.srl" \
		-days 825 -sha256 -extfile "$ext" -out "$dir/server/cert.pem.tmp" 2>/dev/null
	rm -f "$ext" "$dir/server/req.csr"
	mv "$dir/server/key.pem.tmp" "$dir/server/key.pem"
	mv "$dir/server/cert.pem.tmp" "$dir/server/cert.pem"
	echo "kiln: made a server certificate for 127.0.0.1 and localhost in $dir/server"
fi
if [ -n "$made_ca" ]; then
	echo "kiln: made a development CA in $dir (ca.pem; its key ca-key.pem stays there)"
	echo "kiln: to trust it: curl --cacert $dir/ca.pem ...; Chromium/Firefox: import"
	echo "      $dir/ca.pem as an authority; system-wide on Debian: copy it to"
	echo "      /usr/local/share/ca-certificates/kiln-dev.crt and run update-ca-certificates"
fi
