#!/usr/bin/env bash
# The network on the arm64 target (QEMU virt, TCG; virtio-net over MMIO
# with the shared drivers), through kiln run -t arm64:
# - apps/echo with user-mode networking (-p, kiln-usernet): 16 MiB each
#   way over TCP checked by SHA-256, UDP datagrams, DHCP; 1 MiB on GICv3;
# - apps/decks (-p): every asset (kiln-assets leaves dot files out), byte
#   for byte;
# - apps/echo on a tap device in a network namespace the test creates
#   (198.18.8.0/24, no default route, removed afterwards): ping, and
#   16 MiB over TCP checked by SHA-256.
# timeout: 400
# lane: tcg
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
command -v qemu-system-aarch64 >/dev/null || {
	skip "arm64 net" "qemu-system-aarch64 not installed (Debian: qemu-system-arm)"
	exit 0
}
command -v curl >/dev/null || { skip "arm64 net" "curl not installed"; exit 0; }
make -s programs >/dev/null 2>&1 || { fail "make" "the host programs do not build"; finish; }
tmp=$(scratch)
MIB16=$((16 << 20))

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# boot NAME LOG READY-PATTERN [ip netns exec NS] KILN-RUN-ARGS...: start
# kiln run -t arm64 in the background, wait for the ready line; pid in
# $guest.
boot() {
	local name=$1 log=$2 ready=$3
	shift 3
	local pre=()
	if [ "$1" = ip ]; then
		pre=("$1" "$2" "$3" "$4")
		shift 4
	fi
	timeout --kill-after=5 200 ${pre[@]+"${pre[@]}"} "$KILN" run -t arm64 "$@" >"$log" 2>&1 </dev/null &
	guest=$!
	on_exit "kill $guest"
	if ! wait_for 90 grep -q "$ready" "$log"; then
		fail "$name" "not ready: $(grep -v '^  ' "$log" | tail -5 | tr '\n' '|')"
		kill "$guest" 2>/dev/null
		return 1
	fi
}

stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

for app in apps/echo apps/decks; do
	if ! "$KILN" build -t arm64 "$app" >"$tmp/build" 2>&1; then
		fail "build $app for arm64" "$(tail -3 "$tmp/build" | tr '\n' '|')"
		finish
	fi
done

# --- echo, user-mode networking --------------------------------------------
tport=$(free_port)
uport=$(free_port)
if boot "echo (user-mode)" "$tmp/echo" "^echo: serving" apps/echo \
	-p "$tport:7" -p "$uport:7/udp"; then
	if out=$(timeout 120 python3 tests/arm64/echo_sha256.py 127.0.0.1 "$tport" $MIB16); then
		pass "echo over user-mode networking: $out"
	else
		fail "echo 16 MiB over user-mode networking" "$out"
	fi
	if timeout 30 python3 - "$uport" <<'PY'; then
import os, socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
for i in range(20):
    msg = os.urandom(1000)
    u.sendto(msg, ("127.0.0.1", int(sys.argv[1])))
    assert u.recv(2000) == msg, "udp echo differs"
PY
		pass "echo: 20 UDP datagrams"
	else
		fail "echo UDP" "datagrams not echoed"
	fi
	check "echo: DHCP lease from kiln-usernet (198.18.0.15)" \
		grep -q "lease of 198.18.0.15" "$tmp/echo"
	check "echo: virtio-net with interrupts" \
		grep -q "virtio-net at mmio 0x0a003e00, mac .*, mtu 1500, interrupts" "$tmp/echo"
	stop "$guest"
fi

# The same on GICv3: the device's SPI routed by affinity (GICD_IROUTER).
tport=$(free_port)
if boot "echo on GICv3" "$tmp/echo3" "^echo: serving" --machine virt-gicv3 apps/echo \
	-p "$tport:7"; then
	if out=$(timeout 60 python3 tests/arm64/echo_sha256.py 127.0.0.1 "$tport" $((1 << 20))); then
		pass "echo on GICv3 (the virtio-net SPI routed by affinity): $out"
	else
		fail "echo on GICv3" "$out"
	fi
	stop "$guest"
fi

# --- decks: every asset -------------------------------------------------------
hport=$(free_port)
if boot "decks" "$tmp/decks" "listening on" apps/decks -p "$hport:80"; then
	n=0 bad=()
	while IFS= read -r f; do
		case "$f" in
		site/*) url=/${f#site/} ;;
		vendor/*) url=/reveal/${f#vendor/} ;;
		esac
		n=$((n + 1))
		if ! curl -sf -o "$tmp/got" "http://127.0.0.1:$hport$url" ||
			! cmp -s "$tmp/got" "apps/decks/$f"; then
			bad+=("$url")
		fi
	done < <(cd apps/decks && find site vendor -type f ! -path '*/.*' | sort)
	code=$(curl -s -o "$tmp/index" -w '%{http_code}' "http://127.0.0.1:$hport/")
	if [ $n -gt 0 ] && [ ${#bad[@]} -eq 0 ] && [ "$code" = 200 ]; then
		pass "decks through kiln run -t arm64 -p: all $n assets byte for byte, GET / 200"
	else
		fail "decks assets" "$n files, differing or missing: ${bad[*]:-none}; GET / $code"
	fi
	stop "$guest"
fi

# --- echo over a tap device in a namespace --------------------------------
if have_netns; then
	ns="kiln-arm64-$$"
	make_netns "$ns"
	ip -n "$ns" tuntap add dev atap0 mode tap
	ip -n "$ns" addr add 198.18.8.1/24 dev atap0
	ip -n "$ns" link set atap0 up
	if boot "echo over tap" "$tmp/tap" "^echo: serving" ip netns exec "$ns" \
		apps/echo --net tap:atap0 -- --ipv4=198.18.8.2/24; then
		if ip netns exec "$ns" ping -c 3 -i 0.2 -W 5 198.18.8.2 >"$tmp/ping" 2>&1; then
			pass "ping over tap: $(grep -o '[0-9]* received' "$tmp/ping"), $(grep -o 'rtt.*' "$tmp/ping")"
		else
			fail "ping over tap" "$(tail -2 "$tmp/ping" | tr '\n' '|')"
		fi
		if out=$(ip netns exec "$ns" timeout 120 python3 tests/arm64/echo_sha256.py 198.18.8.2 7 $MIB16); then
			pass "echo over tap: $out"
		else
			fail "echo 16 MiB over tap" "$out"
		fi
		stop "$guest"
	fi
else
	skip "echo over tap" "$NETNS_WHY"
fi
finish
