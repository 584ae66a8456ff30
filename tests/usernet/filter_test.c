/*
 * filter_test.c - unit tests of host/usernet_filter.h, the rules for what
 * a guest may send into user-mode networking. Built with ASan and UBSan
 * by test-filter.sh; prints PASS/FAIL lines.
 */
#include "../../host/usernet_filter.h"

#include <stdio.h>
#include <string.h>

#define GW 0xC6120001u      /* 198.18.0.1 */
#define GUEST 0xC612000Fu   /* 198.18.0.15 */
#define OUTSIDE 0xC6120102u /* 198.18.1.2 */
#define SEC ((int64_t)1000000000)

static int fails;

static void expect(const char *name, bool got, bool want)
{
	if (got == want) {
		printf("PASS: filter: %s\n", name);
	} else {
		printf("FAIL: filter: %s: %s, expected %s\n", name,
		       got ? "allowed" : "refused",
		       want ? "allowed" : "refused");
		fails++;
	}
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* An Ethernet frame with an IPv4 packet (ihl_words * 4 header bytes) of
 * proto from src to dst; l4 is copied after the header. Returns the
 * frame's length. */
static size_t ipv4(uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst,
                   const uint8_t *l4, size_t l4len, unsigned ihl_words,
                   uint16_t frag)
{
	memset(f, 0, 14 + 60);
	memset(f, 0x52, 6);
	memset(f + 6, 0x02, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	size_t hlen = ihl_words * 4;
	ip[0] = (uint8_t)(0x40 | ihl_words);
	put16(ip + 2, (uint16_t)(hlen + l4len));
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	memcpy(ip + hlen, l4, l4len);
	return 14 + hlen + l4len;
}

static size_t udp(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst,
                  uint16_t dport)
{
	uint8_t u[12] = {0};
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, sizeof(u));
	memcpy(u + 8, "data", 4);
	return ipv4(f, 17, src, dst, u, sizeof(u), 5, 0);
}

static size_t tcp(uint8_t *f, uint32_t dst, uint8_t flags)
{
	uint8_t t[20] = {0};
	put16(t, 80);
	put16(t + 2, 40000);
	t[12] = 5 << 4;
	t[13] = flags;
	return ipv4(f, 6, GUEST, dst, t, sizeof(t), 5, 0);
}

static size_t icmp(uint8_t *f, uint32_t dst, uint8_t type)
{
	uint8_t m[8] = {type};
	return ipv4(f, 1, GUEST, dst, m, sizeof(m), 5, 0);
}

int main(void)
{
	struct usernet_filter f;
	usernet_filter_init(&f, GW);
	uint8_t fr[1600];
	size_t n;
	int64_t now = 100 * SEC;

	/* Link layer. */
	memset(fr, 0, 60);
	put16(fr + 12, 0x0806);
	expect("ARP passes", usernet_filter_allows(&f, fr, 60, now), true);
	put16(fr + 12, 0x86dd);
	expect("IPv6 is refused", usernet_filter_allows(&f, fr, 60, now),
	       false);
	put16(fr + 12, 0x8100);
	expect("a VLAN tag is refused", usernet_filter_allows(&f, fr, 60, now),
	       false);
	expect("a 13-byte frame is refused",
	       usernet_filter_allows(&f, fr, 13, now), false);

	/* DHCP. */
	n = udp(fr, 0, 68, 0xffffffffu, 67);
	expect("DHCP to 255.255.255.255 passes",
	       usernet_filter_allows(&f, fr, n, now), true);
	n = udp(fr, GUEST, 68, GW, 67);
	expect("DHCP to the gateway passes",
	       usernet_filter_allows(&f, fr, n, now), true);
	n = udp(fr, GUEST, 68, OUTSIDE, 67);
	expect("DHCP to another server is refused",
	       usernet_filter_allows(&f, fr, n, now), false);

	/* ICMP. */
	n = icmp(fr, GW, 8);
	expect("ping to the gateway passes",
	       usernet_filter_allows(&f, fr, n, now), true);
	n = icmp(fr, OUTSIDE, 8);
	expect("ping past the gateway is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = icmp(fr, GW, 3);
	expect("other ICMP to the gateway is refused",
	       usernet_filter_allows(&f, fr, n, now), false);

	/* TCP. */
	n = tcp(fr, GW, 0x02);
	expect("SYN to the gateway is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = tcp(fr, OUTSIDE, 0x02);
	expect("SYN past the gateway is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = tcp(fr, GW, 0x12);
	expect("SYN-ACK to the gateway passes",
	       usernet_filter_allows(&f, fr, n, now), true);
	n = tcp(fr, GW, 0x10);
	expect("ACK to the gateway passes",
	       usernet_filter_allows(&f, fr, n, now), true);
	n = tcp(fr, OUTSIDE, 0x10);
	expect("ACK past the gateway is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = tcp(fr, 0xC6120003u, 0x10);
	expect("ACK to the name server alias is refused",
	       usernet_filter_allows(&f, fr, n, now), false);

	/* UDP flows. */
	n = udp(fr, GUEST, 7, GW, 5000);
	expect("UDP to the gateway before any flow is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	uint8_t in[1600];
	size_t inlen = udp(in, GW, 5000, GUEST, 7);
	usernet_filter_note(&f, in, inlen, now);
	expect("UDP answering a forwarded datagram passes",
	       usernet_filter_allows(&f, fr, n, now + SEC), true);
	n = udp(fr, GUEST, 8, GW, 5000);
	expect("... from another guest port is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = udp(fr, GUEST, 7, GW, 5001);
	expect("... to another peer port is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = udp(fr, GUEST + 1, 7, GW, 5000);
	expect("... from another guest address is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = udp(fr, GUEST, 7, OUTSIDE, 5000);
	expect("... past the gateway is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = udp(fr, GUEST, 7, GW, 5000);
	expect("... within the TTL of the last answer passes",
	       usernet_filter_allows(&f, fr, n,
	                             now + SEC + USERNET_FLOW_TTL_NS),
	       true);
	expect("... after the TTL is refused",
	       usernet_filter_allows(&f, fr, n,
	                             now + 3 * SEC + 2 * USERNET_FLOW_TTL_NS),
	       false);

	/* Fragments and malformed headers. */
	usernet_filter_note(&f, in, inlen, now);
	uint8_t u[12] = {0};
	put16(u, 7);
	put16(u + 2, 5000);
	put16(u + 4, sizeof(u));
	n = ipv4(fr, 17, GUEST, GW, u, sizeof(u), 5, 0x2000);
	expect("a first fragment is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = ipv4(fr, 17, GUEST, GW, u, sizeof(u), 5, 0x0010);
	expect("a later fragment is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = ipv4(fr, 17, GUEST, GW, u, sizeof(u), 6, 0);
	expect("IP options are skipped", usernet_filter_allows(&f, fr, n, now),
	       true);
	n = ipv4(fr, 17, GUEST, GW, u, sizeof(u), 4, 0);
	expect("an IHL under 5 is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = ipv4(fr, 17, GUEST, GW, u, sizeof(u), 5, 0);
	put16(fr + 14 + 2, 19);
	expect("a total length under the header is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	put16(fr + 14 + 2, (uint16_t)(20 + sizeof(u) + 1));
	expect("a total length past the frame is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	put16(fr + 14 + 2, (uint16_t)(20 + sizeof(u)));
	fr[14] = 0x65;
	expect("IP version 6 in an IPv4 frame is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = ipv4(fr, 47, GUEST, GW, u, sizeof(u), 5, 0);
	expect("GRE to the gateway is refused",
	       usernet_filter_allows(&f, fr, n, now), false);
	n = tcp(fr, GW, 0x10);
	bool any = false;
	for (size_t cut = 0; cut < n; cut++)
		any |= usernet_filter_allows(&f, fr, cut, now);
	expect("every truncation of a TCP frame is refused", any, false);

	/* The flow table forgets the least recently used flow. */
	usernet_filter_init(&f, GW);
	for (unsigned i = 0; i <= USERNET_FLOWS; i++) {
		inlen = udp(in, GW, (uint16_t)(6000 + i), GUEST, 7);
		usernet_filter_note(&f, in, inlen, now + i);
	}
	n = udp(fr, GUEST, 7, GW, 6000);
	expect("the oldest of 65 flows is forgotten",
	       usernet_filter_allows(&f, fr, n, now + 100), false);
	bool all = true;
	for (unsigned i = 1; i <= USERNET_FLOWS; i++) {
		n = udp(fr, GUEST, 7, GW, (uint16_t)(6000 + i));
		all &= usernet_filter_allows(&f, fr, n, now + 100);
	}
	expect("the newest 64 flows are kept", all, true);
	inlen = udp(in, OUTSIDE, 7000, GUEST, 7);
	usernet_filter_note(&f, in, inlen, now);
	n = udp(fr, GUEST, 7, OUTSIDE, 7000);
	expect("a datagram not from the gateway opens no flow",
	       usernet_filter_allows(&f, fr, n, now), false);
	expect("refusals are counted", f.refused == 2, true);

	/* A refused connection request is answered with a reset. */
	uint8_t syn[20 + 3] = {0};
	put16(syn, 40000);
	put16(syn + 2, 22);
	put32(syn + 4, 0xfffffffeu);
	syn[12] = 5 << 4;
	syn[13] = 0x02;
	memcpy(syn + 20, "abc", 3);
	n = ipv4(fr, 6, GUEST, OUTSIDE, syn, sizeof(syn), 5, 0);
	memset(fr, 0x52, 6);
	memset(fr + 6, 0x02, 6);
	uint8_t rst[USERNET_RESET_LEN];
	size_t rlen = usernet_filter_reset(fr, n, rst);
	bool ok = rlen == USERNET_RESET_LEN;
	ok = ok && rst[0] == 0x02 && rst[6] == 0x52; /* MACs swapped */
	ok = ok && usernet_fold(usernet_sum(0, rst + 14, 20)) == 0;
	const uint8_t *rip = rst + 14, *rt = rst + 34;
	uint32_t pseudo = usernet_sum(0, rip + 12, 8) + 6 + 20;
	ok = ok && usernet_fold(usernet_sum(pseudo, rt, 20)) == 0;
	ok = ok && memcmp(rip + 12, fr + 14 + 16, 4) == 0 && /* from dst */
	     memcmp(rip + 16, fr + 14 + 12, 4) == 0;
	ok = ok && rt[0] == 0 && rt[1] == 22 && rt[2] == 0x9c && rt[3] == 0x40;
	/* SEQ 0; ACK 0xfffffffe + 1 (SYN) + 3 (data) wraps to 2. */
	ok = ok && rt[4] == 0 && rt[7] == 0 && rt[8] == 0 && rt[11] == 2;
	ok = ok && rt[13] == 0x14;
	expect("a SYN gets a well-formed RST+ACK", ok, true);
	n = tcp(fr, OUTSIDE, 0x10);
	expect("an ACK gets no reset", usernet_filter_reset(fr, n, rst) != 0,
	       false);
	n = tcp(fr, OUTSIDE, 0x12);
	expect("a SYN-ACK gets no reset", usernet_filter_reset(fr, n, rst) != 0,
	       false);
	n = udp(fr, GUEST, 7, OUTSIDE, 9);
	expect("UDP gets no reset", usernet_filter_reset(fr, n, rst) != 0,
	       false);
	n = tcp(fr, OUTSIDE, 0x02);
	any = false;
	for (size_t cut = 0; cut < n; cut++)
		any |= usernet_filter_reset(fr, cut, rst) != 0;
	expect("a truncated SYN gets no reset", any, false);

	return fails ? 1 : 0;
}
