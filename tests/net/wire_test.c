/*
 * tests/net/wire_test.c - unit tests of the wire parsers and emitters:
 * well-formed input round-trips, and every kind of damage is reported
 * with the right status.
 */
#include "../../lib/net/stack.h"
#include "../../lib/net/wire/arp.h"
#include "../../lib/net/wire/checksum.h"
#include "../../lib/net/wire/dhcp.h"
#include "../../lib/net/wire/eth.h"
#include "../../lib/net/wire/icmp.h"
#include "../../lib/net/wire/ipv4.h"
#include "../../lib/net/wire/udp.h"
#include <stdio.h>
#include <string.h>

static int failures;

#define EXPECT(cond)                                                           \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL: wire: %s:%d: %s\n", __FILE__, __LINE__,  \
			       #cond);                                         \
			failures++;                                            \
		}                                                              \
	} while (0)

static struct kiln_view V(const void *p, size_t n) {
	return kiln_view_make(p, n);
}

static void
test_eth(void)
{
	uint8_t f[64] = {0};
	uint8_t src[6] = {2, 0, 0, 0, 0, 9};
	struct eth_hdr h;
	EXPECT(eth_emit(f, 13, eth_broadcast, src, ETH_TYPE_ARP) == 0);
	EXPECT(eth_emit(f, sizeof(f), eth_broadcast, src, ETH_TYPE_ARP) == 14);
	EXPECT(eth_parse(V(f, 60), &h) == WIRE_OK);
	EXPECT(h.type == ETH_TYPE_ARP && h.payload.len == 46);
	EXPECT(eth_addr_eq(h.src, src) && eth_addr_is_multicast(h.dst));
	for (size_t n = 0; n < 14; n++)
		EXPECT(eth_parse(V(f, n), &h) == WIRE_TRUNCATED);
	f[12] = 0x05; /* an 802.3 length */
	f[13] = 0xdc;
	EXPECT(eth_parse(V(f, 60), &h) == WIRE_UNSUPPORTED);
}

static void test_arp(void)
{
	struct arp_pkt a = {.op = ARP_OP_REQUEST,
	                    .sha = {2, 0, 0, 0, 0, 2},
	                    .spa = NET_IPV4(198, 18, 0, 1),
	                    .tpa = NET_IPV4(198, 18, 0, 2)};
	struct arp_pkt b;
	uint8_t buf[46] = {0};
	EXPECT(arp_emit(buf, 27, &a) == 0);
	EXPECT(arp_emit(buf, sizeof(buf), &a) == ARP_LEN);
	EXPECT(arp_parse(V(buf, sizeof(buf)), &b) == WIRE_OK);
	EXPECT(b.op == a.op && b.spa == a.spa && b.tpa == a.tpa);
	EXPECT(memcmp(b.sha, a.sha, 6) == 0);
	for (size_t n = 0; n < ARP_LEN; n++)
		EXPECT(arp_parse(V(buf, n), &b) == WIRE_TRUNCATED);
	buf[5] = 16; /* IPv6-sized protocol addresses */
	EXPECT(arp_parse(V(buf, sizeof(buf)), &b) == WIRE_UNSUPPORTED);
	buf[5] = 4;
	buf[7] = 9; /* op 9 */
	EXPECT(arp_parse(V(buf, sizeof(buf)), &b) == WIRE_UNSUPPORTED);
	buf[7] = 1;
	buf[8] = 0x01; /* multicast sender */
	EXPECT(arp_parse(V(buf, sizeof(buf)), &b) == WIRE_MALFORMED);
}

static size_t make_ip(uint8_t *buf, size_t plen, uint16_t frag_off, bool mf)
{
	struct ipv4_hdr h = {.id = 7,
	                     .ttl = 64,
	                     .proto = NET_PROTO_UDP,
	                     .src = NET_IPV4(198, 18, 0, 1),
	                     .dst = NET_IPV4(198, 18, 0, 2),
	                     .frag_offset = frag_off,
	                     .mf = mf};
	size_t n = ipv4_emit(buf, 100, &h, plen);
	memset(buf + n, 0xab, plen);
	return n + plen;
}

static void fix_ip_csum(uint8_t *p)
{
	size_t ihl = (size_t)(p[0] & 15) * 4;
	p[10] = p[11] = 0;
	wire_put16(p + 10, net_csum_finish(net_csum_add(0, p, ihl)));
}

static void test_ipv4(void)
{
	uint8_t p[200];
	struct ipv4_hdr h;
	size_t n = make_ip(p, 16, 0, false);
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_OK);
	EXPECT(h.hdr_len == 20 && h.total_len == 36 && h.payload.len == 16);
	EXPECT(h.src == NET_IPV4(198, 18, 0, 1) && h.ttl == 64);
	/* Link padding after the packet is ignored. */
	EXPECT(ipv4_parse(V(p, n + 10), &h) == WIRE_OK && h.payload.len == 16);
	for (size_t i = 0; i < n; i++)
		EXPECT(ipv4_parse(V(p, i), &h) != WIRE_OK);
	/* Bad checksum. */
	p[8] ^= 1;
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_CHECKSUM);
	p[8] ^= 1;
	/* Version 6. */
	p[0] = 0x65;
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_MALFORMED);
	/* IHL below 5, and IHL beyond the total length. */
	p[0] = 0x44;
	fix_ip_csum(p);
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_MALFORMED);
	p[0] = 0x4f;
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_TRUNCATED);
	/* Options: IHL 6 with a NOP word, total length grows. */
	n = make_ip(p, 16, 0, false);
	memmove(p + 24, p + 20, 16);
	p[20] = p[21] = p[22] = p[23] = 1;
	p[0] = 0x46;
	wire_put16(p + 2, 40);
	fix_ip_csum(p);
	EXPECT(ipv4_parse(V(p, 40), &h) == WIRE_OK && h.hdr_len == 24 &&
	       h.payload.len == 16 && h.payload.p == p + 24);
	/* Total length beyond the data; below the header. */
	n = make_ip(p, 16, 0, false);
	wire_put16(p + 2, 100);
	fix_ip_csum(p);
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_TRUNCATED);
	wire_put16(p + 2, 10);
	fix_ip_csum(p);
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_MALFORMED);
	/* TTL 0, reserved flag. */
	n = make_ip(p, 16, 0, false);
	p[8] = 0;
	fix_ip_csum(p);
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_MALFORMED);
	n = make_ip(p, 16, 0, false);
	p[6] |= 0x80;
	fix_ip_csum(p);
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_MALFORMED);
	/* Fragments: fine, not a multiple of 8 with MF, past 65535. */
	n = make_ip(p, 16, 8, true);
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_OK && h.mf &&
	       h.frag_offset == 8);
	n = make_ip(p, 12, 0, true);
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_MALFORMED);
	n = make_ip(p, 16, 65528, false);
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_MALFORMED);
	n = make_ip(p, 0, 8, false);
	EXPECT(ipv4_parse(V(p, n), &h) == WIRE_MALFORMED);
	/* The quoted form tolerates a cut-short datagram. */
	n = make_ip(p, 16, 0, false);
	EXPECT(ipv4_parse_quoted(V(p, 28), &h) == WIRE_OK &&
	       h.payload.len == 8);
	EXPECT(ipv4_parse_quoted(V(p, 27), &h) == WIRE_TRUNCATED);
}

static void test_icmp(void)
{
	uint8_t m[100], orig[64];
	struct icmp_msg im;
	size_t n = icmp_emit_echo(m, sizeof(m), ICMP_ECHO_REQUEST, 0x1234, 5,
	                          "hello", 5);
	EXPECT(n == 13);
	EXPECT(icmp_parse(V(m, n), &im) == WIRE_OK);
	EXPECT(im.type == ICMP_ECHO_REQUEST && im.id == 0x1234 && im.seq == 5 &&
	       im.body.len == 5);
	m[9] ^= 0x40;
	EXPECT(icmp_parse(V(m, n), &im) == WIRE_CHECKSUM);
	for (size_t i = 0; i < 8; i++)
		EXPECT(icmp_parse(V(m, i), &im) == WIRE_TRUNCATED);
	/* An error quotes header + 8 bytes, and parses back. */
	size_t on = make_ip(orig, 30, 0, false);
	n = icmp_emit_error(m, sizeof(m), ICMP_DEST_UNREACH, ICMP_UNREACH_PORT,
	                    0, orig, on);
	EXPECT(n == 8 + 28);
	EXPECT(icmp_parse(V(m, n), &im) == WIRE_OK);
	EXPECT(im.quoted.proto == NET_PROTO_UDP && im.quoted.payload.len == 8);
	/* An error quoting garbage. */
	m[8] = 0x60;
	m[2] = m[3] = 0;
	wire_put16(m + 2, net_csum_finish(net_csum_add(0, m, n)));
	EXPECT(icmp_parse(V(m, n), &im) == WIRE_MALFORMED);
	/* Quoting too short a datagram. */
	n = icmp_emit_error(m, sizeof(m), ICMP_DEST_UNREACH, 3, 0, orig, 20);
	EXPECT(icmp_parse(V(m, n), &im) == WIRE_TRUNCATED);
}

static void test_udp(void)
{
	uint8_t d[64];
	struct udp_hdr u;
	net_ipv4 s = NET_IPV4(198, 18, 0, 1), t = NET_IPV4(198, 18, 0, 2);
	memcpy(d + 8, "abcdef", 6);
	EXPECT(udp_emit(d, sizeof(d), s, t, 1000, 7, d + 8, 6) == 8);
	EXPECT(udp_parse(V(d, 14), s, t, &u) == WIRE_OK);
	EXPECT(u.sport == 1000 && u.dport == 7 && u.payload.len == 6);
	/* Wrong pseudo-header: the checksum fails. */
	EXPECT(udp_parse(V(d, 14), s, t + 1, &u) == WIRE_CHECKSUM);
	/* Checksum 0 means none. */
	d[6] = d[7] = 0;
	EXPECT(udp_parse(V(d, 14), s, t + 1, &u) == WIRE_OK);
	/* Length below 8, beyond the data. */
	wire_put16(d + 4, 7);
	EXPECT(udp_parse(V(d, 14), s, t, &u) == WIRE_MALFORMED);
	wire_put16(d + 4, 15);
	EXPECT(udp_parse(V(d, 14), s, t, &u) == WIRE_TRUNCATED);
	for (size_t i = 0; i < 8; i++)
		EXPECT(udp_parse(V(d, i), s, t, &u) == WIRE_TRUNCATED);
}

static void test_dhcp(void)
{
	uint8_t b[600];
	struct dhcp_msg m = {.type = DHCP_REQUEST,
	                     .xid = 0xdeadbeef,
	                     .has_requested = true,
	                     .requested = NET_IPV4(198, 18, 0, 50),
	                     .has_server_id = true,
	                     .server_id = NET_IPV4(198, 18, 0, 1),
	                     .chaddr = {2, 0, 0, 0, 0, 1}};
	struct dhcp_msg p;
	size_t n = dhcp_emit(b, sizeof(b), &m);
	EXPECT(n == DHCP_MIN_LEN);
	EXPECT(dhcp_emit(b, 299, &m) == 0);
	EXPECT(dhcp_parse(V(b, n), &p) == WIRE_OK);
	EXPECT(p.type == DHCP_REQUEST && p.xid == 0xdeadbeef);
	EXPECT(p.has_requested && p.requested == m.requested);
	EXPECT(p.has_server_id && p.server_id == m.server_id);
	EXPECT(dhcp_parse(V(b, 100), &p) == WIRE_TRUNCATED);

	/* Hand-made offer with options spread into file via overload. */
	memset(b, 0, sizeof(b));
	b[0] = DHCP_OP_REPLY;
	b[1] = 1;
	b[2] = 6;
	wire_put32(b + 16, NET_IPV4(198, 18, 0, 50));
	wire_put32(b + 236, DHCP_MAGIC);
	uint8_t opts[] = {53, 1, 2, 52, 1, 1, 1, 4, 255, 255, 255, 0, 255};
	memcpy(b + 240, opts, sizeof(opts));
	uint8_t fopts[] = {3, 4, 198, 18, 0, 1, 51, 4, 0, 0, 0, 60, 255};
	memcpy(b + 108, fopts, sizeof(fopts));
	n = 300;
	EXPECT(dhcp_parse(V(b, n), &p) == WIRE_OK);
	EXPECT(p.type == DHCP_OFFER && p.yiaddr == NET_IPV4(198, 18, 0, 50));
	EXPECT(p.has_mask && p.mask == 0xffffff00);
	EXPECT(p.has_router && p.router == NET_IPV4(198, 18, 0, 1));
	EXPECT(p.has_lease && p.lease == 60);
	/* An option running past the end. */
	b[240 + 7] = 200;
	EXPECT(dhcp_parse(V(b, n), &p) == WIRE_TRUNCATED);
	b[240 + 7] = 4;
	/* A lease time of the wrong size. */
	b[108 + 7] = 3;
	EXPECT(dhcp_parse(V(b, n), &p) != WIRE_OK);
	b[108 + 7] = 4;
	/* No END in the main area. */
	b[240 + 12] = 0;
	memset(b + 253, 0, 47);
	b[299] = 7; /* option 7 with no length */
	EXPECT(dhcp_parse(V(b, n), &p) == WIRE_TRUNCATED);
	b[299] = 0;
	b[240 + 12] = 255;
	/* Repeated message type. */
	opts[3] = 53;
	opts[5] = 2;
	memcpy(b + 240, opts, sizeof(opts));
	EXPECT(dhcp_parse(V(b, n), &p) == WIRE_MALFORMED);
	/* Bad cookie. */
	b[236] = 0;
	EXPECT(dhcp_parse(V(b, n), &p) == WIRE_MALFORMED);
}

/* The plain RFC 1071 loop, to check the optimised one against. */
static uint32_t csum_reference(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = sum;
	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

static void test_checksum(void)
{
	static uint8_t buf[70000];
	uint32_t seed = 12345;
	for (size_t i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (uint8_t)(seed >> 16);
	}
	/* All ones, where carries pile up the most. */
	memset(buf + 60000, 0xff, 10000);
	for (int t = 0; t < 2000; t++) {
		seed = seed * 1103515245 + 12345;
		size_t off = (seed >> 8) % 1000;
		size_t len = t < 100 ? (size_t)t : (seed >> 4) % 66000;
		if (t % 10 == 0)
			off = 60000 - (seed % 4);
		if (off + len > sizeof(buf))
			len = sizeof(buf) - off;
		uint32_t start = t % 3 ? 0 : 0xfffe;
		uint16_t got =
		        net_csum_finish(net_csum_add(start, buf + off, len));
		uint16_t want =
		        net_csum_finish(csum_reference(start, buf + off, len));
		if (got != want) {
			EXPECT(got == want);
			break;
		}
	}
	/* Pieces of even length sum like the whole. */
	uint32_t s = net_csum_add(0, buf, 1000);
	s = net_csum_add(s, buf + 1000, 333);
	EXPECT(net_csum_finish(s) ==
	       net_csum_finish(csum_reference(0, buf, 1333)));
}

static void test_addr(void)
{
	net_ipv4 a;
	char buf[16];
	EXPECT(net_ipv4_parse("198.18.0.2", &a) &&
	       a == NET_IPV4(198, 18, 0, 2));
	EXPECT(strcmp(net_ipv4_format(a, buf), "198.18.0.2") == 0);
	EXPECT(!net_ipv4_parse("198.18.0", &a));
	EXPECT(!net_ipv4_parse("198.18.0.2.", &a));
	EXPECT(!net_ipv4_parse("198.18.0.256", &a));
	EXPECT(!net_ipv4_parse("198.18.00.2", &a));
	EXPECT(!net_ipv4_parse("", &a));
	EXPECT(!net_ipv4_parse("1.2.3.4x", &a));
}

int main(void)
{
	test_eth();
	test_arp();
	test_ipv4();
	test_icmp();
	test_udp();
	test_dhcp();
	test_addr();
	test_checksum();
	if (!failures)
		printf("PASS: wire parsers and emitters\n");
	return failures != 0;
}
