#!/usr/bin/env bash
# How `kiln run -t virtio` reaches QEMU: the kiln run options (-p, --net
# tap:, --block, --machine, --mem, boot arguments) become the launcher's
# host options and then QEMU's (checked with a stand-in QEMU that records
# its arguments, so nothing boots), and the launcher's choice of
# accelerator: as a user who cannot open /dev/kvm it falls back to TCG,
# says so, and the guest still runs.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"

tmp=$(scratch)
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- option mapping, through kiln run and a stand-in QEMU ---------------
# The stand-in writes one argument per line, notes whether the forwarded
# ports are held (by kiln-usernet, which runs before QEMU), and exits 3:
# isa-debug-exit's code for guest status 0.
cat >"$tmp/qemu" <<'EOF'
#!/usr/bin/env python3
import os, socket, sys
with open(os.environ["FAKE_QEMU_OUT"], "w") as f:
    for a in sys.argv[1:]:
        f.write(a + "\n")
    for spec in os.environ.get("FAKE_QEMU_PORTS", "").split():
        proto, port = spec.split(":")
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", int(port)))
            f.write(f"port {proto}:{port} free\n")
        except OSError:
            f.write(f"port {proto}:{port} held\n")
        s.close()
sys.exit(3)
EOF
chmod +x "$tmp/qemu"

if [ ! -x "$KILN" ] || [ ! -x bin/kiln-usernet ]; then
	skip "kiln run -t virtio option mapping" "bin/kiln or bin/kiln-usernet not built"
else
	truncate -s 1M "$tmp/disk.img"
	tport=$(free_port)
	uport=$(free_port)
	FAKE_QEMU_OUT="$tmp/args" FAKE_QEMU_PORTS="tcp:$tport udp:$uport" \
		KILN_QEMU="$tmp/qemu" timeout 120 "$KILN" run -t virtio apps/echo \
		-p "$tport:7" -p "$uport:7/udp" --net tap:ktap0 \
		--block "$tmp/disk.img" --machine q35 --mem 32M -- --port=7 \
		>"$tmp/run" 2>&1 </dev/null
	rc=$?
	if [ $rc -ne 0 ] || [ ! -f "$tmp/args" ]; then
		fail "kiln run -t virtio with a stand-in QEMU" "status $rc: $(tail -3 "$tmp/run" | tr '\n' '|')"
	else
		pass "kiln run -t virtio with a stand-in QEMU (status 0)"
		args=$(tr '\n' ' ' <"$tmp/args")
		# want NAME WORDS: the argument list holds WORDS in a row.
		want() {
			if [[ " $args" == *" $2 "* ]]; then
				pass "$1"
			else
				fail "$1" "no '$2' in: $args"
			fi
		}
		want "--machine q35 is -M q35" "-M q35"
		want "--mem 32M is -m 32M" "-m 32M"
		want "--net tap:ktap0 is the first net device" \
			"-netdev tap,id=net0,ifname=ktap0,script=no,downscript=no -device virtio-net-pci,netdev=net0"
		want "-p makes a kiln-usernet net device after it" \
			"-netdev stream,id=net1,addr.type=fd,addr.str=11 -device virtio-net-pci,netdev=net1"
		want "--block is a virtio-blk-pci disk" \
			"-drive id=blk0,file=$tmp/disk.img,format=raw,if=none,cache=writeback -device virtio-blk-pci,drive=blk0"
		want "boot arguments follow --" "-append -- --port=7"
		check "-p $tport:7: the TCP port is forwarded (held by kiln-usernet)" \
			grep -qx "port tcp:$tport held" "$tmp/args"
		check "-p $uport:7/udp: the UDP port is forwarded" \
			grep -qx "port udp:$uport held" "$tmp/args"
	fi
fi

# The launcher alone, for microvm's device names (dry run: no QEMU; the
# image and disk need only exist).
truncate -s 1M "$tmp/disk.img" "$tmp/image"
cmd=$(platform/virtio/launch --dry-run --net tap,ifname=ktap0 \
	--block "file=$tmp/disk.img" --machine microvm "$tmp/image" 2>&1)
if [[ "$cmd" == *"-M microvm\,acpi=off"*"-device virtio-net-device\,netdev=net0"*"-device virtio-blk-device\,drive=blk0"* ]]; then
	pass "launch --dry-run: microvm uses virtio-mmio devices"
else
	fail "launch --dry-run on microvm" "$cmd"
fi

# --- KVM -> TCG fallback, as a user without /dev/kvm -------------------
# The stand-in app needs only the platform; build it where nobody can read.
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "TCG fallback" "qemu-system-x86_64 not installed"
	finish
fi
if [ "$(id -u)" != 0 ]; then
	skip "TCG fallback" "not root: cannot run as another user"
	finish
fi
as_nobody=()
if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
elif runuser -u nobody -- true 2>/dev/null; then
	as_nobody=(runuser -u nobody --)
else
	skip "TCG fallback" "neither setpriv nor runuser can switch to nobody"
	finish
fi
pub=$(mktemp -d /tmp/kiln-virtio-launch.XXXXXX)
on_exit "rm -rf '$pub'"
chmod 755 "$pub"
if ! standin=$(host_build tests/virtio/hello.host) || ! cp "$standin" "$pub/standin"; then
	fail "TCG fallback: build the stand-in" "$(tail -3 "$(host_log tests/virtio/hello.host)" | tr '\n' '|')"
	finish
fi
chmod 644 "$pub/standin"
if "${as_nobody[@]}" sh -c 'exec 9<>/dev/kvm' 2>/dev/null; then
	skip "TCG fallback" "nobody can open /dev/kvm here"
	finish
fi
# KILN_ACCEL would override the choice; the test is of the choice itself.
timeout --kill-after=5 90 env -u KILN_ACCEL HOME=/ "${as_nobody[@]}" \
	platform/virtio/launch "$pub/standin" -- one two >"$tmp/tcg" 2>&1 </dev/null
rc=$?
if [ $rc -eq 0 ] && grep -q '^kiln: virtio: QEMU microvm with TCG$' "$tmp/tcg" &&
	grep -q '^hello from kiln on virtio: args \[one two\]' "$tmp/tcg"; then
	pass "without /dev/kvm the launcher says TCG and the guest runs"
else
	fail "TCG fallback" "status $rc: $(tail -4 "$tmp/tcg" | tr '\n' '|')"
fi
finish
