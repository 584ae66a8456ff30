#!/usr/bin/env bash
# testssl.sh (Debian's) against the decks built with --tls on hvt (unix
# without /dev/kvm), the development CA added as trusted: no protocol
# below TLS 1.2, no weak suite, no vulnerability, and no finding rated
# HIGH or CRITICAL (the development certificate names the CA's CRL as
# its distribution point, scripts/tls-dev-cert.sh). Its whole output is
# kept in the log. testssl takes 1 to 3.5 minutes here: run by make
# test-long, not by the suite.
# timeout: 900
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || { fail "testssl" "bin/kiln is missing (run make)"; finish; }
[ -d _deps/wolfssl-5.5.4 ] || { skip "testssl" "wolfSSL's source is not in _deps/ (run scripts/deps.sh)"; finish; }
command -v testssl >/dev/null || { skip "testssl" "testssl (Debian package testssl.sh) missing"; finish; }
T=$(scratch)
export KILN_STATE_HOME="$T/state"
t=unix
have_kvm && t=hvt
"$KILN" build -t $t --tls apps/decks >"$T/build.log" 2>&1 ||
	{ fail "$t: build decks --tls" "$(tail -5 "$T/build.log")"; finish; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
hp=$(freeport)
sp=$(freeport)
"$KILN" run -t $t --tls apps/decks -p "$hp:80/http" -p "$sp:443/https" -- --exit-after=800 >"$T/run.log" 2>&1 &
pid=$!
on_exit "kill $pid 2>/dev/null"
wait_for 90 grep -qx "serving on https://127.0.0.1:$sp/" "$T/run.log" ||
	{ fail "$t: HTTPS server" "$(tail -5 "$T/run.log")"; finish; }
timeout 600 testssl --quiet --color 0 --warnings off --ip one --add-ca "$T/state/tls/ca.pem" \
	--jsonfile "$T/testssl.json" "127.0.0.1:$sp" >"$T/testssl.out" 2>&1
echo "testssl's output:"
sed 's/^/    /' "$T/testssl.out"
python3 - "$T/testssl.json" "$t" <<'PY'
import json, sys
findings = json.load(open(sys.argv[1]))
t = sys.argv[2]
by = {f["id"]: f for f in findings}
bad = [f for f in findings if f["severity"] in ("HIGH", "CRITICAL")]
def line(ok, name, why=""):
    print(f"PASS: {t}: testssl: {name}" if ok else f"FAIL: {t}: testssl: {name}: {why}")
line(not any(f["severity"] == "FATAL" for f in findings), "the scan completed",
     [f["finding"] for f in findings if f["severity"] == "FATAL"])
line(not bad, "no HIGH or CRITICAL finding",
     "; ".join(f'{f["id"]} {f["severity"]}: {f["finding"]}' for f in bad))
for p in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
    line(p in by and by[p]["finding"].startswith("not offered"), f"{p} not offered", by.get(p, {}).get("finding"))
for p in ("TLS1_2", "TLS1_3"):
    line(p in by and by[p]["finding"].startswith("offered"), f"{p} offered", by.get(p, {}).get("finding"))
weak = [k for k in ("cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW",
                    "cipherlist_3DES_IDEA", "cipherlist_AVERAGE") if by.get(k, {}).get("finding", "") != "not offered"]
line(not weak, "no NULL, anonymous, export, low, 3DES or CBC (average) suites", weak)
line(by.get("cert_chain_of_trust", {}).get("severity") == "OK", "the chain verifies with the development CA",
     by.get("cert_chain_of_trust", {}).get("finding"))
crl = by.get("cert_crlDistributionPoints", {}).get("finding", "--")
line(crl.startswith("file://"), "the certificate names the development CA's CRL", crl)
PY
kill $pid 2>/dev/null
wait $pid 2>/dev/null
finish
