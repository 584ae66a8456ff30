#!/usr/bin/env bash
# Host unit tests of lib/net below TCP: the wire parsers, and the stack on
# a fake device (tests/net/fake.c), built with ASan and UBSan.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
out="$ROOT/_build/tests/net"
mkdir -p "$out"
net_srcs="lib/net/wire/*.c lib/net/net.c lib/net/iface.c lib/net/pktbuf.c
	lib/net/arp.c lib/net/ipv4.c lib/net/frag.c lib/net/icmp.c
	lib/net/udp.c lib/net/dhcp.c tests/net/fake.c tests/net/tcp_standin.c lib/rt/random.c"
for t in wire_test stack_test; do
	# shellcheck disable=SC2086
	if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g \
		-fsanitize=address,undefined -fno-sanitize-recover=all \
		-Iinclude "tests/net/$t.c" $net_srcs -o "$out/$t" \
		>"$out/$t.build.log" 2>&1; then
		fail "$t" "does not build: $(head -5 "$out/$t.build.log")"
		continue
	fi
	if ! timeout 60 "$out/$t" 2>"$out/$t.stderr"; then
		fail "$t" "exited non-zero; stderr: $(tail -5 "$out/$t.stderr")"
	fi
done
finish
