/*
 * fuzz/net_rx.c - the whole receive path below TCP, fed frames through a
 * fake platform (tests/net/fake.c): Ethernet, ARP, IPv4 with fragment
 * reassembly, ICMP, UDP to a bound socket, and the replies they provoke.
 *
 * Input: records of [flags][len hi][len lo][frame]. Flag bits repair what
 * random bytes rarely get right, so the fuzzer reaches the upper layers:
 * 1 = our MAC as destination, 2 = IPv4 header checksum, 4 = UDP/ICMP
 * checksum, 8 = our IP as destination; 16 = advance the clock 1 s after
 * the frame.
 */
#include "../lib/net/iface.h"
#include "../tests/net/fake.h"
#include <stdlib.h>
#include <string.h>

#define US 0xc6120002

static struct udp_sock *sock;

static void setup(void)
{
	static const char *args[] = {"--ipv4=198.18.0.2/24",
	                             "--ipv4-gateway=198.18.0.1",
	                             "--net-buffers=64", NULL};
	fake_set_args(args);
	if (net_start(NULL, 0) != 0)
		abort();
	int err;
	sock = udp_bind(0, 7, &err);
	if (!sock)
		abort();
}

static void repair(uint8_t *f, size_t len, uint8_t flags)
{
	if ((flags & 1) && len >= 6)
		memcpy(f, fake_mac, 6);
	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return;
	uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || 14 + ihl > len)
		return;
	if (flags & 8)
		wire_put32(ip + 16, US);
	size_t total = wire_get16(ip + 2);
	if (total > len - 14)
		total = len - 14;
	if ((flags & 4) && total > ihl) {
		uint8_t *t = ip + ihl;
		size_t tl = total - ihl;
		if (ip[9] == NET_PROTO_ICMP && tl >= 4) {
			t[2] = t[3] = 0;
			wire_put16(t + 2,
			           net_csum_finish(net_csum_add(0, t, tl)));
		} else if (ip[9] == NET_PROTO_UDP && tl >= 8) {
			size_t ul = wire_get16(t + 4);
			if (ul >= 8 && ul <= tl) {
				t[6] = t[7] = 0;
				uint32_t s = net_csum_pseudo(
				        0, wire_get32(ip + 12),
				        wire_get32(ip + 16), NET_PROTO_UDP,
				        (uint16_t)ul);
				wire_put16(t + 6, net_csum_finish(net_csum_add(
				                          s, t, ul)));
			}
		}
	}
	if (flags & 2) {
		ip[10] = ip[11] = 0;
		wire_put16(ip + 10, net_csum_finish(net_csum_add(0, ip, ihl)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[FAKE_FRAME_SIZE];
	if (!sock)
		setup();
	struct kiln_view v = kiln_view_make(data, size);
	unsigned queued = 0;
	uint8_t flags;
	uint16_t len;
	while (kiln_view_u8(&v, &flags) && kiln_view_u16(&v, &len)) {
		if (len > 1514)
			len = 1514;
		if (len > v.len)
			len = (uint16_t)v.len;
		kiln_view_copy(&v, frame, len);
		repair(frame, len, flags);
		fake_inject(frame, len);
		if (++queued == FAKE_MAX_FRAMES / 2 || (flags & 16)) {
			fake_turn();
			queued = 0;
		}
		if (flags & 16)
			fake_advance(KILN_SEC(1));
	}
	fake_turn();
	/* Drain the socket, echoing like the echo app would. */
	static uint8_t buf[65536];
	net_ipv4 src;
	uint16_t sport;
	long n;
	while ((n = udp_recvfrom(sock, buf, sizeof(buf), &src, &sport, 0)) >= 0)
		udp_sendto(sock, src, sport, buf,
		           (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
	fake_turn();
	fake_sent_clear();
	/* Every buffer must be back in the pool or legitimately held. */
	if (pktbuf_free_count() > 64)
		abort();
	return 0;
}
