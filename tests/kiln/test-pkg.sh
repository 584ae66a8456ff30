#!/usr/bin/env bash
# kiln pkg: the decks' virtio image (apps/decks) packaged
#   --format libvirt: the domain XML validates against libvirt's own schema
#     (virt-xml-validate), names the stripped image, the boot arguments,
#     virtio-net with the app's forward, a --block disk and the serial
#     console; then virsh, with a libvirtd the test starts in a network
#     namespace of its own, defines and starts it on a tap there, curl gets
#     the deck's index, virsh destroy and undefine (or SKIP with the reason);
#   --format oci: skopeo reads the layout, umoci unpacks it, the urunc
#     annotations and the unikernel in the rootfs are checked, and the
#     unpacked image boots under QEMU and answers curl;
#   --format firecracker: the JSON parses and names the image;
# and its mistakes are one line and exit 2.
# Cases (tests/run.sh kiln/test-pkg CASE): mistakes, libvirt, oci,
# firecracker.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$KILN" ] || { fail "kiln-pkg" "bin/kiln is missing (run make)"; finish; }
T=$(scratch)
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
app=apps/decks
img="$ROOT/$app/_build/virtio/decks.stripped"
# index URL -> its size in bytes (empty when it does not answer)
index_size() { curl -sf --max-time 2 "$1" | wc -c | awk '$1 > 0'; }

# --- mistakes --------------------------------------------------------------
if case_on mistakes; then
	for bad in "" "--format tar" "--format oci -t hvt" "--format oci -d" "--format oci --bogus"; do
		err=$("$KILN" pkg $bad $app 2>&1 >/dev/null)
		rc=$?
		[ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && pass "pkg ${bad:-(no format)}: exit 2, '$err'" ||
			fail "pkg $bad" "rc=$rc [$err]"
	done
fi

# --- libvirt ---------------------------------------------------------------
if case_on libvirt; then
	truncate -s 1M "$T/disk.img"
	port=$(freeport)
	out=$("$KILN" pkg --format libvirt -o "$T/dom.xml" -p "$port:80/http" --block "$T/disk.img" \
		$app -- --http-log=on 2>&1)
	rc=$?
	xp() { xmllint --xpath "$1" "$T/dom.xml" 2>/dev/null; }
	if [ $rc -eq 0 ] && [ -f "$T/dom.xml" ]; then
		if command -v virt-xml-validate >/dev/null; then
			v=$(virt-xml-validate "$T/dom.xml" domain 2>&1)
			check "libvirt: the XML validates against libvirt's domain schema ($v)" test $? -eq 0
		else
			skip "libvirt: schema" "no virt-xml-validate (libvirt-clients)"
		fi
		if [ "$(xp 'string(/domain/os/kernel)')" = "$img" ] &&
			[ "$(xp 'string(/domain/os/cmdline)')" = "-- --http-log=on" ] &&
			[ "$(xp 'string(//interface[@type="user"]/portForward/range/@start)')" = "$port" ] &&
			[ "$(xp 'string(//interface[@type="user"]/portForward/range/@to)')" = 80 ] &&
			[ "$(xp 'string(//interface/model/@type)')" = virtio ] &&
			[ "$(xp 'string(//disk/source/@file)')" = "$T/disk.img" ] &&
			[ "$(xp 'string(//disk/target/@bus)')" = virtio ] &&
			[ "$(xp 'string(//console/target/@type)')" = serial ]; then
			pass "libvirt: direct kernel boot of the stripped image, cmdline, virtio-net forward $port->80, virtio-blk, serial console"
		else
			fail "libvirt: the XML's content" "$(cat "$T/dom.xml")"
		fi
	else
		fail "kiln pkg --format libvirt" "rc=$rc $out"
	fi

	# virsh: the decks-like path with a tap. Debian 12's libvirt (9.0) rejects
	# the passt back end of <interface type='user'> (libvirt issue 462), so the
	# domain started here is packaged with --net tap:kt0 and a static address,
	# and libvirtd (with virtlogd) runs inside a network namespace the test
	# makes, where the tap and curl are too (198.18.77.0/24, no route out).
	libvirt_why=
	if ! command -v virsh >/dev/null || ! command -v libvirtd >/dev/null || ! command -v virtlogd >/dev/null; then
		libvirt_why="no virsh, libvirtd or virtlogd (libvirt-clients, libvirt-daemon-system)"
	elif ! have_netns; then
		libvirt_why="$NETNS_WHY"
	elif [ -S /run/libvirt/libvirt-sock ] || pgrep -x libvirtd >/dev/null || pgrep -x virtqemud >/dev/null; then
		libvirt_why="a libvirtd runs already (outside this test's namespace)"
	elif ! id libvirt-qemu >/dev/null 2>&1; then
		libvirt_why="no libvirt-qemu user (libvirt-daemon-system)"
	fi
	if [ -z "$libvirt_why" ]; then
		NS=kiln-lv-$$
		make_netns "$NS"
		ip -n "$NS" tuntap add kt0 mode tap user libvirt-qemu
		ip -n "$NS" addr add 198.18.77.1/24 dev kt0
		ip -n "$NS" link set kt0 up
		mkdir -p /var/log/libvirt
		ip netns exec "$NS" virtlogd --daemon --pid-file="$T/virtlogd.pid"
		ip netns exec "$NS" libvirtd --daemon --pid-file="$T/libvirtd.pid"
		on_exit "kill \$(cat '$T/virtlogd.pid')"
		on_exit "kill \$(cat '$T/libvirtd.pid'); sleep 0.5"
		wait_for 15 virsh -c qemu:///system version ||
			libvirt_why="libvirtd did not start here: $(tail -1 /var/log/libvirt/libvirtd.log 2>/dev/null)"
	fi
	if [ -n "$libvirt_why" ]; then
		skip "libvirt: virsh define, start, curl" "$libvirt_why"
	else
		V="virsh -q -c qemu:///system"
		dom=kiln-test-$$
		"$KILN" pkg --format libvirt -o "$T/tap.xml" --net tap:kt0 $app -- --ipv4=198.18.77.2/24 >/dev/null 2>&1
		sed "s|<name>decks</name>|<name>$dom</name>|" "$T/tap.xml" >"$T/dom2.xml"
		on_exit "$V destroy $dom; $V undefine $dom"
		if ! err=$($V define "$T/dom2.xml" 2>&1) || ! err=$($V start "$dom" 2>&1); then
			fail "libvirt: virsh define and start" "$err"
		else
			body=
			end=$((SECONDS + 60))
			while [ $SECONDS -lt $end ]; do
				body=$(ip netns exec "$NS" bash -c "$(declare -f index_size); index_size http://198.18.77.2/index.html") && [ -n "$body" ] && break
				sleep 0.3
			done
			[ -n "$body" ] && pass "libvirt: virsh define and start the packaged domain (tap), curl got the index ($body bytes)" ||
				fail "libvirt: curl the started domain" "no answer: $($V domstate "$dom" 2>&1)"
			$V destroy "$dom" >/dev/null 2>&1
			err=$($V undefine "$dom" 2>&1)
			check "libvirt: virsh destroy and undefine" test $? -eq 0
		fi
	fi
fi

# --- OCI -------------------------------------------------------------------
if case_on oci; then
	out=$("$KILN" pkg --format oci -o "$T/img.oci" $app -- --http-log=on 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ ! -f "$T/img.oci/index.json" ]; then
		fail "kiln pkg --format oci" "rc=$rc $out"
	elif ! command -v skopeo >/dev/null || ! command -v umoci >/dev/null; then
		skip "oci: validation" "no skopeo or umoci (Debian packages)"
	else
		labels=$(skopeo inspect "oci:$T/img.oci:latest" 2>&1)
		if [ $? -eq 0 ] && python3 - "$labels" <<'PY'; then
import json, sys
l = json.loads(sys.argv[1])["Labels"]
assert l["com.urunc.unikernel.binary"] == "/unikernel/decks", l
assert l["com.urunc.unikernel.cmdline"] == "-- --http-log=on", l
assert l["com.urunc.unikernel.hypervisor"] == "qemu", l
assert l["com.urunc.unikernel.unikernelType"] == "kiln", l
PY
			pass "oci: skopeo inspects the layout; urunc's labels (binary, cmdline, hypervisor, type)"
		else
			fail "oci: skopeo inspect" "$labels"
		fi
		if umoci unpack --image "$T/img.oci:latest" "$T/bundle" >"$T/umoci.log" 2>&1 &&
			python3 - "$T/bundle" <<'PY'; then
import base64, json, sys
b = sys.argv[1]
a = json.load(open(b + "/config.json"))["annotations"]
assert a["com.urunc.unikernel.binary"] == "/unikernel/decks", a
assert a["com.urunc.unikernel.cmdline"] == "-- --http-log=on", a
u = json.load(open(b + "/rootfs/urunc.json"))
assert base64.b64decode(u["com.urunc.unikernel.binary"]) == b"/unikernel/decks", u
PY
			cmp -s "$T/bundle/rootfs/unikernel/decks" "$img" &&
				pass "oci: umoci unpacks it; the runtime annotations and rootfs/urunc.json (base64) as urunc reads them; the unikernel is the stripped image" ||
				fail "oci: the unpacked unikernel differs from the image"
			# The unpacked image boots and serves.
			port=$(freeport)
			platform/virtio/launch --net "user,hostfwd=tcp:127.0.0.1:$port-:80" \
				"$T/bundle/rootfs/unikernel/decks" -- --http-log=on >"$T/boot.log" 2>&1 &
			bpid=$!
			on_exit "kill $bpid"
			body=
			end=$((SECONDS + 60))
			while [ $SECONDS -lt $end ] && kill -0 $bpid 2>/dev/null; do
				body=$(index_size "http://127.0.0.1:$port/index.html") && [ -n "$body" ] && break
				sleep 0.3
			done
			kill $bpid 2>/dev/null
			wait $bpid 2>/dev/null
			[ -n "$body" ] && pass "oci: the unikernel from the unpacked layout boots under QEMU and serves the index ($body bytes)" ||
				fail "oci: boot of the unpacked image" "$(tail -3 "$T/boot.log")"
		else
			fail "oci: umoci unpack" "$(tail -3 "$T/umoci.log")"
		fi
		# Reproducible: the same inputs give the same manifest digest.
		"$KILN" pkg --format oci -o "$T/img2.oci" $app -- --http-log=on >/dev/null 2>&1
		check "oci: a second package has the same index.json" cmp -s "$T/img.oci/index.json" "$T/img2.oci/index.json"
	fi
fi

# --- Firecracker -----------------------------------------------------------
if case_on firecracker; then
	out=$("$KILN" pkg --format firecracker -o "$T/fc.json" --net tap:kt0 $app 2>&1)
	rc=$?
	[ $rc -eq 0 ] && python3 -c "import json,sys; c=json.load(open(sys.argv[1])); assert c['boot-source']['kernel_image_path']==sys.argv[2]; assert c['network-interfaces'][0]['host_dev_name']=='kt0'" "$T/fc.json" "$img" &&
		pass "firecracker: the configuration parses, names the image and the tap" ||
		fail "kiln pkg --format firecracker" "rc=$rc $out"
	err=$("$KILN" pkg --format firecracker -o "$T/fc2.json" $app 2>&1 >/dev/null)
	[ $? -eq 2 ] && grep -q "no user-mode networking" <<<"$err" &&
		pass "firecracker: user-mode networking refused: exit 2" || fail "firecracker with --net user" "[$err]"
fi
finish
