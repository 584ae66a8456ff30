/*
 * tests/net/stack_test.c - the stack below TCP on a fake device: ARP both
 * ways, ping, UDP sockets and port unreachable, fragment reassembly
 * (in order, out of order, overlapping, floods), malformed input and
 * packet-buffer exhaustion and the senders' wait for buffers, each checked
 * through the frames the stack sends and its counters.
 */
#include "../../lib/net/iface.h"
#include "fake.h"
#include <stdio.h>
#include <string.h>

static int failures;

#define EXPECT(cond)                                                           \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL: stack: %s:%d: %s\n", __FILE__, __LINE__, \
			       #cond);                                         \
			failures++;                                            \
		}                                                              \
	} while (0)

#define US NET_IPV4(198, 18, 0, 2)
#define PEER NET_IPV4(198, 18, 0, 1)
#define PEER2 NET_IPV4(198, 18, 0, 3)
#define FAR NET_IPV4(203, 0, 113, 9)

static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x10};
static const uint8_t peer2_mac[6] = {0x02, 0, 0, 0, 0, 0x11};

extern unsigned standin_tcp_segments;

/* Build an Ethernet + IPv4 frame around payload; returns its length. */
static size_t ip_frame(uint8_t *f, const uint8_t *src_mac, net_ipv4 src,
                       net_ipv4 dst, uint8_t proto, const void *payload,
                       size_t len, uint16_t id, uint16_t off, bool mf)
{
	struct ipv4_hdr h = {.id = id,
	                     .ttl = 64,
	                     .proto = proto,
	                     .src = src,
	                     .dst = dst,
	                     .frag_offset = off,
	                     .mf = mf};
	size_t n = eth_emit(f, 14, fake_mac, src_mac, ETH_TYPE_IPV4);
	n += ipv4_emit(f + n, 20, &h, len);
	memcpy(f + n, payload, len);
	n += len;
	while (n < 60)
		f[n++] = 0;
	return n;
}

static size_t udp_frame(uint8_t *f, const uint8_t *mac, net_ipv4 src,
                        uint16_t sport, uint16_t dport, const void *data,
                        size_t len)
{
	uint8_t dgram[1600];
	udp_emit(dgram, 8, src, US, sport, dport, data, len);
	memcpy(dgram + 8, data, len);
	return ip_frame(f, mac, src, US, NET_PROTO_UDP, dgram, len + 8, 1, 0,
	                false);
}

static size_t arp_frame(uint8_t *f, uint16_t op, const uint8_t *sha,
                        net_ipv4 spa, net_ipv4 tpa)
{
	struct arp_pkt a = {.op = op, .spa = spa, .tpa = tpa};
	memcpy(a.sha, sha, 6);
	if (op == ARP_OP_REPLY)
		memcpy(a.tha, fake_mac, 6);
	size_t n =
	        eth_emit(f, 14, op == ARP_OP_REPLY ? fake_mac : eth_broadcast,
	                 sha, ETH_TYPE_ARP);
	n += arp_emit(f + n, 28, &a);
	memset(f + n, 0, 60 - n);
	return 60;
}

/* Parse sent frame i down to IP; false if it is not IPv4. */
static bool sent_ip(unsigned i, struct eth_hdr *e, struct ipv4_hdr *h)
{
	if (i >= fake_nsent ||
	    eth_parse(kiln_view_make(fake_sent[i].data, fake_sent[i].len), e) ||
	    e->type != ETH_TYPE_IPV4)
		return false;
	return ipv4_parse(e->payload, h) == WIRE_OK;
}

static bool sent_arp(unsigned i, struct arp_pkt *a)
{
	struct eth_hdr e;
	return i < fake_nsent &&
	       eth_parse(kiln_view_make(fake_sent[i].data, fake_sent[i].len),
	                 &e) == WIRE_OK &&
	       e.type == ETH_TYPE_ARP && arp_parse(e.payload, a) == WIRE_OK;
}

static void test_start(void)
{
	static const char *args[] = {"--ipv4=198.18.0.2/24",
	                             "--ipv4-gateway=198.18.0.1",
	                             "--net-buffers=64", NULL};
	fake_set_args(args);
	EXPECT(net_start(NULL, 0) == 0);
	EXPECT(net_local_address() == US && net_prefix_len() == 24 &&
	       net_gateway() == PEER);
	fake_turn();
	/* A gratuitous ARP went out. */
	struct arp_pkt a;
	EXPECT(fake_nsent == 1 && sent_arp(0, &a) && a.op == ARP_OP_REQUEST &&
	       a.spa == US && a.tpa == US);
	fake_sent_clear();
	EXPECT(net_start(NULL, 0) == -KILN_EINVAL); /* only once */
}

static void test_arp_reply(void)
{
	uint8_t f[64];
	struct arp_pkt a;
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, peer_mac, PEER, US));
	fake_turn();
	EXPECT(fake_nsent == 1 && sent_arp(0, &a) && a.op == ARP_OP_REPLY &&
	       a.tpa == PEER && a.spa == US &&
	       memcmp(a.sha, fake_mac, 6) == 0 &&
	       memcmp(fake_sent[0].data, peer_mac, 6) == 0);
	fake_sent_clear();
	/* Requests for someone else get no answer. */
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, peer_mac, PEER, PEER2));
	fake_turn();
	EXPECT(fake_nsent == 0);
}

static void test_ping(void)
{
	uint8_t f[1600], icmp[100];
	struct eth_hdr e;
	struct ipv4_hdr h;
	struct icmp_msg m;
	size_t n = icmp_emit_echo(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 77, 3,
	                          "0123456789abcdef", 16);
	fake_inject(f, ip_frame(f, peer_mac, PEER, US, NET_PROTO_ICMP, icmp, n,
	                        9, 0, false));
	fake_turn();
	EXPECT(fake_nsent == 1 && sent_ip(0, &e, &h) && h.dst == PEER &&
	       h.src == US && h.proto == NET_PROTO_ICMP &&
	       memcmp(e.dst, peer_mac, 6) == 0 &&
	       icmp_parse(h.payload, &m) == WIRE_OK &&
	       m.type == ICMP_ECHO_REPLY && m.id == 77 && m.seq == 3 &&
	       m.body.len == 16 &&
	       memcmp(m.body.p, "0123456789abcdef", 16) == 0);
	EXPECT(net_counters.icmp_echo_replies == 1);
	fake_sent_clear();
}

/* We resolve a neighbour we have not heard from: the reply waits. */
static void test_arp_resolve(void)
{
	uint8_t f[1600], icmp[64];
	struct arp_pkt a;
	struct eth_hdr e;
	struct ipv4_hdr h;
	size_t n = icmp_emit_echo(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 1, 1,
	                          "x", 1);
	fake_inject(f, ip_frame(f, peer2_mac, PEER2, US, NET_PROTO_ICMP, icmp,
	                        n, 10, 0, false));
	fake_turn();
	EXPECT(fake_nsent == 1 && sent_arp(0, &a) && a.op == ARP_OP_REQUEST &&
	       a.tpa == PEER2);
	fake_sent_clear();
	fake_inject(f, arp_frame(f, ARP_OP_REPLY, peer2_mac, PEER2, US));
	fake_turn();
	EXPECT(fake_nsent == 1 && sent_ip(0, &e, &h) && h.dst == PEER2 &&
	       memcmp(e.dst, peer2_mac, 6) == 0);
	fake_sent_clear();

	/* Nobody answers for .4: retries, then the packet is dropped. */
	uint64_t failed = net_counters.tx_arp_failed;
	fake_inject(f, ip_frame(f, peer2_mac, NET_IPV4(198, 18, 0, 4), US,
	                        NET_PROTO_ICMP, icmp, n, 11, 0, false));
	fake_turn();
	for (int i = 0; i < ARP_RETRIES + 1; i++)
		fake_advance(ARP_RETRY_INTERVAL);
	EXPECT(fake_nsent == ARP_RETRIES + 1);
	EXPECT(net_counters.tx_arp_failed == failed + 1);
	fake_sent_clear();

	/* Off-link traffic goes to the gateway's MAC. */
	fake_inject(f, ip_frame(f, peer_mac, FAR, US, NET_PROTO_ICMP, icmp, n,
	                        12, 0, false));
	fake_turn();
	EXPECT(fake_nsent == 1 && sent_ip(0, &e, &h) && h.dst == FAR &&
	       memcmp(e.dst, peer_mac, 6) == 0);
	fake_sent_clear();
}

static void test_udp(void)
{
	uint8_t f[1600], buf[64];
	struct eth_hdr e;
	struct ipv4_hdr h;
	struct icmp_msg m;
	int err;

	/* No socket: port unreachable quoting our datagram. */
	uint64_t noport = net_counters.drop_udp_no_port;
	fake_inject(f, udp_frame(f, peer_mac, PEER, 5555, 9, "hi", 2));
	fake_turn();
	EXPECT(net_counters.drop_udp_no_port == noport + 1);
	EXPECT(fake_nsent == 1 && sent_ip(0, &e, &h) &&
	       h.proto == NET_PROTO_ICMP &&
	       icmp_parse(h.payload, &m) == WIRE_OK &&
	       m.type == ICMP_DEST_UNREACH && m.code == ICMP_UNREACH_PORT &&
	       m.quoted.proto == NET_PROTO_UDP && m.quoted.src == PEER);
	fake_sent_clear();

	struct udp_sock *s = udp_bind(0, 7, &err);
	EXPECT(s && err == 0);
	EXPECT(!udp_bind(0, 7, &err) && err == -KILN_EADDRINUSE);
	net_ipv4 src;
	uint16_t sport;
	/* Empty, and not on a fiber: would block. */
	EXPECT(udp_recvfrom(s, buf, sizeof(buf), &src, &sport, KILN_NEVER) ==
	       -KILN_EAGAIN);
	fake_inject(f, udp_frame(f, peer_mac, PEER, 5555, 7, "hello", 5));
	fake_inject(f,
	            udp_frame(f, peer_mac, PEER, 5556, 7, "truncate me", 11));
	fake_turn();
	EXPECT(udp_recvfrom(s, buf, sizeof(buf), &src, &sport, 0) == 5 &&
	       src == PEER && sport == 5555 && memcmp(buf, "hello", 5) == 0);
	EXPECT(udp_recvfrom(s, buf, 4, &src, &sport, 0) == 11 &&
	       sport == 5556 && memcmp(buf, "trun", 4) == 0);
	EXPECT(udp_sendto(s, PEER, 5555, "back", 4) == 4);
	fake_turn();
	struct udp_hdr u;
	EXPECT(fake_nsent == 1 && sent_ip(0, &e, &h) &&
	       udp_parse(h.payload, h.src, h.dst, &u) == WIRE_OK &&
	       u.sport == 7 && u.dport == 5555 && u.payload.len == 4);
	fake_sent_clear();

	/* A bad UDP checksum and a bad length. */
	size_t n = udp_frame(f, peer_mac, PEER, 5555, 7, "hello", 5);
	f[14 + 20 + 8] ^= 1;
	fake_inject(f, n);
	n = udp_frame(f, peer_mac, PEER, 5555, 7, "hello", 5);
	f[14 + 20 + 5] = 200;
	fake_inject(f, n);
	fake_turn();
	EXPECT(net_counters.drop_udp_checksum == 1);
	EXPECT(net_counters.drop_udp_malformed == 1);

	/* The receive queue is bounded. */
	uint64_t full = net_counters.drop_udp_queue_full;
	static uint8_t big[1400];
	for (int i = 0; i < 80; i++) {
		fake_inject(f, udp_frame(f, peer_mac, PEER, 1, 7, big,
		                         sizeof(big)));
		if (i % 20 == 19)
			fake_turn();
	}
	EXPECT(net_counters.drop_udp_queue_full > full);
	unsigned got = 0;
	while (udp_recvfrom(s, buf, sizeof(buf), &src, &sport, 0) >= 0)
		got++;
	EXPECT(got == UDP_RXQ_BYTES / (sizeof(big) + 12) ||
	       got == UDP_RXQ_BYTES / (sizeof(big) + 12) - 1);
	EXPECT(got + net_counters.drop_udp_queue_full - full == 80);
	udp_close(s);
}

/* udp_on_readable's callback: drains with udp_recv_nowait, answers
 * each datagram, and closes the socket on "bye". */
struct udp_cb_state {
	unsigned calls, datagrams, eagain;
	bool closed;
	char last[16];
};

static void udp_cb(struct udp_sock *s, void *arg)
{
	struct udp_cb_state *st = arg;
	char buf[16];
	net_ipv4 src;
	uint16_t sport;
	long n;
	st->calls++;
	while ((n = udp_recv_nowait(s, buf, sizeof(buf) - 1, &src, &sport)) >=
	       0) {
		buf[n < 15 ? n : 15] = 0;
		memcpy(st->last, buf, sizeof(buf));
		st->datagrams++;
		if (strcmp(buf, "bye") == 0) {
			udp_close(s);
			st->closed = true;
			return;
		}
		udp_sendto(s, src, sport, buf, (size_t)n);
	}
	if (n == -KILN_EAGAIN)
		st->eagain++;
}

static void test_udp_callbacks(void)
{
	uint8_t f[1600], buf[16];
	int err;
	struct udp_cb_state st = {0};
	struct udp_sock *s = udp_bind(0, 9, &err);
	EXPECT(s);
	/* Empty: EAGAIN at once, whatever the caller. */
	EXPECT(udp_recv_nowait(s, buf, sizeof(buf), NULL, NULL) ==
	       -KILN_EAGAIN);
	/* A datagram queued before the callback exists stays queued and
	 * does not call it. */
	fake_inject(f, udp_frame(f, peer_mac, PEER, 5555, 9, "early", 5));
	fake_turn();
	udp_on_readable(s, udp_cb, &st);
	EXPECT(st.calls == 0);
	EXPECT(udp_recv_nowait(s, buf, sizeof(buf), NULL, NULL) == 5 &&
	       memcmp(buf, "early", 5) == 0);
	/* Two datagrams in one turn: one call each; the first call drains
	 * both, the second finds the queue empty. Each is answered. */
	fake_sent_clear();
	fake_inject(f, udp_frame(f, peer_mac, PEER, 5555, 9, "one", 3));
	fake_inject(f, udp_frame(f, peer_mac, PEER, 5556, 9, "two", 3));
	fake_turn();
	EXPECT(st.calls == 2 && st.datagrams == 2 && st.eagain == 2);
	EXPECT(strcmp(st.last, "two") == 0);
	EXPECT(fake_nsent == 2);
	/* Removed: no more calls, the datagram waits in the queue. */
	udp_on_readable(s, NULL, NULL);
	fake_inject(f, udp_frame(f, peer_mac, PEER, 5555, 9, "three", 5));
	fake_turn();
	EXPECT(st.calls == 2);
	EXPECT(udp_recv_nowait(s, buf, sizeof(buf), NULL, NULL) == 5);
	/* The callback may close the socket. */
	udp_on_readable(s, udp_cb, &st);
	fake_inject(f, udp_frame(f, peer_mac, PEER, 5555, 9, "bye", 3));
	fake_inject(f, udp_frame(f, peer_mac, PEER, 5555, 9, "late", 4));
	uint64_t noport = net_counters.drop_udp_no_port;
	fake_turn();
	EXPECT(st.closed && st.calls == 3);
	EXPECT(net_counters.drop_udp_no_port == noport + 1);
	fake_sent_clear();
}

/* A UDP datagram of len bytes as fragments of at most `piece` bytes, in
 * the order given by order[] (indices), into the fake device. */
static void inject_fragmented(uint16_t id, const uint8_t *data, size_t len,
                              size_t piece, const int *order, int norder)
{
	static uint8_t dgram[9000];
	uint8_t f[1600];
	udp_emit(dgram, 8, PEER, US, 4000, 7, data, len);
	memcpy(dgram + 8, data, len);
	size_t total = len + 8;
	for (int k = 0; k < norder; k++) {
		size_t off = (size_t)order[k] * piece;
		size_t n = total - off < piece ? total - off : piece;
		fake_inject(f, ip_frame(f, peer_mac, PEER, US, NET_PROTO_UDP,
		                        dgram + off, n, id, (uint16_t)off,
		                        off + n < total));
	}
}

static void test_fragments(void)
{
	uint8_t data[4000], buf[5000];
	int err;
	net_ipv4 src;
	uint16_t sport;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	struct udp_sock *s = udp_bind(0, 7, &err);

	/* In order and out of order. */
	int inorder[] = {0, 1, 2};
	int shuffled[] = {2, 0, 1};
	inject_fragmented(100, data, sizeof(data), 1480, inorder, 3);
	inject_fragmented(101, data, sizeof(data), 1480, shuffled, 3);
	fake_turn();
	for (int i = 0; i < 2; i++) {
		long n = udp_recvfrom(s, buf, sizeof(buf), &src, &sport, 0);
		EXPECT(n == (long)sizeof(data) &&
		       memcmp(buf, data, sizeof(data)) == 0);
	}
	EXPECT(net_counters.ip_reassembled == 2);

	/* Echo it back: we fragment (3 frames, each within the MTU). */
	fake_sent_clear();
	EXPECT(udp_sendto(s, PEER, 4000, data, sizeof(data)) ==
	       (long)sizeof(data));
	fake_turn();
	EXPECT(fake_nsent == 3);
	fake_sent_clear();

	/* Overlap: piece 1 starts inside piece 0 -> datagram dropped. */
	uint64_t frag_drops = net_counters.drop_ip_frag;
	int first[] = {0};
	inject_fragmented(102, data, sizeof(data), 1480, first, 1);
	uint8_t f[1600];
	static uint8_t junk[1480];
	fake_inject(f, ip_frame(f, peer_mac, PEER, US, NET_PROTO_UDP, junk,
	                        1480, 102, 1000, true));
	/* The overlap is caught when the piece arrives, not later by the
	 * timeout: both pieces so far count as dropped at once. */
	fake_turn();
	EXPECT(net_counters.drop_ip_frag == frag_drops + 2);
	int rest[] = {1, 2};
	inject_fragmented(102, data, sizeof(data), 1480, rest, 2);
	fake_turn();
	EXPECT(udp_recvfrom(s, buf, sizeof(buf), &src, &sport, 0) ==
	       -KILN_ETIMEDOUT);
	/* The first two are dropped together; the last two start a new
	 * datagram that times out. */
	fake_advance(FRAG_TIMEOUT + 1);
	EXPECT(net_counters.drop_ip_frag == frag_drops + 4);

	/* A flood of first fragments beyond the slots: bounded, and a good
	 * datagram still gets through afterwards. */
	frag_drops = net_counters.drop_ip_frag;
	for (int i = 0; i < 200; i++) {
		inject_fragmented((uint16_t)(1000 + i), data, sizeof(data),
		                  1480, first, 1);
		if (i % 50 == 49)
			fake_turn();
	}
	fake_turn();
	EXPECT(net_counters.drop_ip_frag ==
	       frag_drops + 200 - FRAG_DEFAULT_SLOTS);
	inject_fragmented(103, data, sizeof(data), 1480, inorder, 3);
	fake_turn();
	EXPECT(udp_recvfrom(s, buf, sizeof(buf), &src, &sport, 0) ==
	       (long)sizeof(data));
	fake_advance(FRAG_TIMEOUT + 1);
	EXPECT(net_counters.drop_ip_frag == frag_drops + 200);
	udp_close(s);
}

static void test_garbage(void)
{
	uint8_t f[1600] = {0};
	uint8_t payload[8] = {0};
	struct net_counters before = net_counters;

	/* Truncated Ethernet, IP with bad checksum / IHL / total length,
	 * an unknown protocol, not for us, ARP garbage, IPv6. */
	fake_inject(f, 10);
	size_t n = ip_frame(f, peer_mac, PEER, US, NET_PROTO_UDP, payload, 8, 1,
	                    0, false);
	f[14 + 10] ^= 0xff;
	fake_inject(f, n);
	n = ip_frame(f, peer_mac, PEER, US, NET_PROTO_UDP, payload, 8, 1, 0,
	             false);
	f[14] = 0x43;
	fake_inject(f, n);
	n = ip_frame(f, peer_mac, PEER, US, NET_PROTO_UDP, payload, 8, 1, 0,
	             false);
	fake_inject(f, 14 + 19);
	n = ip_frame(f, peer_mac, PEER, US, 99, payload, 8, 1, 0, false);
	fake_inject(f, n);
	n = ip_frame(f, peer_mac, PEER, PEER2, NET_PROTO_UDP, payload, 8, 1, 0,
	             false);
	fake_inject(f, n);
	n = arp_frame(f, ARP_OP_REQUEST, peer_mac, PEER, US);
	f[14 + 4] = 9;
	fake_inject(f, n);
	f[12] = 0x86;
	f[13] = 0xdd;
	fake_inject(f, n);
	f[0] = 0x02; /* someone else's MAC */
	fake_inject(f, n);
	/* TCP reaches TCP. */
	unsigned tcp = standin_tcp_segments;
	n = ip_frame(f, peer_mac, PEER, US, NET_PROTO_TCP, payload, 8, 1, 0,
	             false);
	fake_inject(f, n);
	fake_sent_clear();
	fake_turn();
	EXPECT(standin_tcp_segments == tcp + 1);
	EXPECT(net_counters.drop_eth_malformed ==
	       before.drop_eth_malformed + 1);
	EXPECT(net_counters.drop_ip_checksum == before.drop_ip_checksum + 1);
	EXPECT(net_counters.drop_ip_malformed == before.drop_ip_malformed + 2);
	EXPECT(net_counters.drop_ip_proto == before.drop_ip_proto + 1);
	EXPECT(net_counters.drop_ip_not_for_us ==
	       before.drop_ip_not_for_us + 1);
	EXPECT(net_counters.drop_arp_malformed ==
	       before.drop_arp_malformed + 1);
	EXPECT(net_counters.drop_eth_unsupported ==
	       before.drop_eth_unsupported + 1);
	EXPECT(net_counters.drop_eth_not_for_us ==
	       before.drop_eth_not_for_us + 1);
	EXPECT(net_counters.rx_dropped == before.rx_dropped + 9);
	EXPECT(net_counters.rx_frames == before.rx_frames + 10);
	/* Protocol unreachable for protocol 99. */
	struct eth_hdr e;
	struct ipv4_hdr h;
	struct icmp_msg m;
	EXPECT(fake_nsent == 1 && sent_ip(0, &e, &h) &&
	       icmp_parse(h.payload, &m) == WIRE_OK &&
	       m.code == ICMP_UNREACH_PROTOCOL);
	fake_sent_clear();
}

static void test_rate_limit(void)
{
	uint8_t f[128];
	uint64_t sent = net_counters.icmp_unreach_sent;
	for (int i = 0; i < 200; i++) {
		fake_inject(f, udp_frame(f, peer_mac, PEER, 1, 9, "x", 1));
		if (i % 50 == 49)
			fake_turn();
	}
	EXPECT(net_counters.icmp_unreach_sent - sent <= ICMP_ERROR_BURST);
	EXPECT(net_counters.icmp_rate_limited > 0);
	fake_sent_clear();
	fake_advance(KILN_SEC(2));
}

/* Entries expire: past ARP_ENTRY_LIFETIME the entry is still used while
 * unicast requests confirm it; a neighbour that stays silent is
 * forgotten, and then resolved by broadcast again. */
static void test_arp_expiry(void)
{
	uint8_t f[128], icmp[16];
	struct arp_pkt a;
	struct eth_hdr e;
	struct ipv4_hdr h;
	size_t n = icmp_emit_echo(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 2, 2,
	                          "", 0);
	fake_sent_clear();
	fake_advance(ARP_ENTRY_LIFETIME + KILN_SEC(1));
	fake_inject(f, ip_frame(f, peer2_mac, PEER2, US, NET_PROTO_ICMP, icmp,
	                        n, 13, 0, false));
	fake_turn();
	/* A unicast request to the old address, and the reply sent at once
	 * (in either order). */
	EXPECT(fake_nsent == 2);
	unsigned ai = sent_arp(0, &a) ? 0 : 1;
	EXPECT(sent_arp(ai, &a) && a.op == ARP_OP_REQUEST && a.tpa == PEER2 &&
	       memcmp(fake_sent[ai].data, peer2_mac, 6) == 0);
	EXPECT(sent_ip(1 - ai, &e, &h) && h.dst == PEER2 &&
	       memcmp(e.dst, peer2_mac, 6) == 0);
	fake_sent_clear();
	/* The neighbour answers: no more requests. */
	fake_inject(f, arp_frame(f, ARP_OP_REPLY, peer2_mac, PEER2, US));
	fake_turn();
	fake_advance(ARP_RETRY_INTERVAL * 2);
	EXPECT(fake_nsent == 0);

	/* Expired again, and now silent: probed, then forgotten; the next
	 * packet waits for a broadcast request. */
	fake_advance(ARP_ENTRY_LIFETIME);
	fake_inject(f, ip_frame(f, peer2_mac, PEER2, US, NET_PROTO_ICMP, icmp,
	                        n, 14, 0, false));
	fake_turn();
	for (int i = 0; i < ARP_RETRIES + 1; i++)
		fake_advance(ARP_RETRY_INTERVAL);
	EXPECT(fake_nsent == 1 + ARP_RETRIES + 1); /* reply + probes */
	fake_sent_clear();
	fake_inject(f, ip_frame(f, peer2_mac, PEER2, US, NET_PROTO_ICMP, icmp,
	                        n, 15, 0, false));
	fake_turn();
	EXPECT(fake_nsent == 1 && sent_arp(0, &a) &&
	       memcmp(fake_sent[0].data, eth_broadcast, 6) == 0);
	fake_sent_clear();
	fake_inject(f, arp_frame(f, ARP_OP_REPLY, peer2_mac, PEER2, US));
	fake_turn();
	EXPECT(fake_nsent == 1 && sent_ip(0, &e, &h) && h.dst == PEER2);
	fake_sent_clear();
}

/* Conflict detection for DHCP: a probe from 0.0.0.0, and anyone else
 * claiming the address is noticed. */
static void test_arp_probe(void)
{
	uint8_t f[128];
	struct arp_pkt a;
	net_ipv4 cand = NET_IPV4(198, 18, 0, 77);
	fake_sent_clear();
	arp_probe(cand);
	fake_turn();
	EXPECT(fake_nsent == 1 && sent_arp(0, &a) && a.spa == 0 &&
	       a.tpa == cand);
	EXPECT(!arp_probe_conflict());
	fake_inject(f, arp_frame(f, ARP_OP_REPLY, peer2_mac, cand, 0));
	fake_turn();
	EXPECT(arp_probe_conflict());
	arp_probe_done();
	EXPECT(!arp_probe_conflict());
	fake_sent_clear();
}

static const uint8_t forger_mac[6] = {0x02, 0, 0, 0, 0, 0x66};

/* Where a UDP datagram to dst goes now: 1 = straight to mac, 0 = an ARP
 * request first, -1 = something else. Leaves the sent frames. */
static int udp_goes_to(struct udp_sock *s, net_ipv4 dst, const uint8_t *mac)
{
	struct eth_hdr e;
	struct ipv4_hdr h;
	struct arp_pkt a;
	fake_sent_clear();
	udp_sendto(s, dst, 9, "x", 1);
	fake_turn();
	if (fake_nsent >= 1 && sent_ip(0, &e, &h) && h.dst == dst)
		return memcmp(e.dst, mac, 6) == 0 ? 1 : -1;
	if (fake_nsent >= 1 && sent_arp(0, &a) && a.tpa == dst)
		return 0;
	return -1;
}

/* A flood of lookups for addresses that never answer (as the SYN-ACKs to
 * a spoofed on-link SYN flood make) does not push resolved neighbours
 * out: lookups have a pool of their own, and the oldest gives way. */
static void test_arp_flood(void)
{
	uint8_t f[128];
	int err;
	struct udp_sock *s = udp_bind(0, 0, &err);
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, peer_mac, PEER, US));
	fake_turn();
	EXPECT(udp_goes_to(s, PEER, peer_mac) == 1);
	uint64_t evicted = net_counters.arp_lookups_evicted;
	for (int i = 0; i < 3 * ARP_CACHE_SIZE; i++) {
		udp_sendto(s, NET_IPV4(198, 18, 0, 100 + i), 9, "x", 1);
		fake_turn();
	}
	EXPECT(net_counters.arp_lookups_evicted > evicted);
	EXPECT(udp_goes_to(s, PEER, peer_mac) == 1);
	/* A new lookup still gets its answer during the flood. */
	EXPECT(udp_goes_to(s, PEER2, peer2_mac) == 1 ||
	       udp_goes_to(s, PEER2, peer2_mac) == 0);
	fake_sent_clear();
	fake_inject(f, arp_frame(f, ARP_OP_REPLY, peer2_mac, PEER2, US));
	fake_turn();
	EXPECT(udp_goes_to(s, PEER2, peer2_mac) == 1);
	for (int i = 0; i < ARP_RETRIES + 2; i++)
		fake_advance(ARP_RETRY_INTERVAL);
	udp_close(s);
	fake_sent_clear();
}

/* Forged replies and gratuitous ARP for a live neighbour do not move it:
 * the MAC we know is asked first and keeps the address while it answers;
 * only its silence hands the address over. ARP from strangers nobody
 * asked about makes no entry. */
static void test_arp_forged(void)
{
	uint8_t f[128];
	struct arp_pkt a;
	int err;
	struct udp_sock *s = udp_bind(0, 0, &err);
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, peer_mac, PEER, US));
	fake_turn();
	EXPECT(udp_goes_to(s, PEER, peer_mac) == 1);
	uint64_t conflicts = net_counters.arp_conflicts;

	/* An unsolicited reply: still peer_mac, and a unicast request to
	 * it goes out; the real neighbour answers. */
	fake_sent_clear();
	fake_inject(f, arp_frame(f, ARP_OP_REPLY, forger_mac, PEER, US));
	fake_turn();
	EXPECT(net_counters.arp_conflicts == conflicts + 1);
	EXPECT(fake_nsent == 1 && sent_arp(0, &a) && a.op == ARP_OP_REQUEST &&
	       a.tpa == PEER && memcmp(fake_sent[0].data, peer_mac, 6) == 0);
	EXPECT(udp_goes_to(s, PEER, peer_mac) == 1);
	fake_inject(f, arp_frame(f, ARP_OP_REPLY, peer_mac, PEER, US));
	fake_turn();
	for (int i = 0; i < ARP_RETRIES + 2; i++)
		fake_advance(ARP_RETRY_INTERVAL);
	EXPECT(udp_goes_to(s, PEER, peer_mac) == 1);

	/* A gratuitous request (sender = target = PEER) alike. */
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, forger_mac, PEER, PEER));
	fake_turn();
	EXPECT(net_counters.arp_conflicts == conflicts + 2);
	EXPECT(udp_goes_to(s, PEER, peer_mac) == 1);
	fake_inject(f, arp_frame(f, ARP_OP_REPLY, peer_mac, PEER, US));
	fake_turn();
	for (int i = 0; i < ARP_RETRIES + 2; i++)
		fake_advance(ARP_RETRY_INTERVAL);
	EXPECT(udp_goes_to(s, PEER, peer_mac) == 1);

	/* The neighbour really moved (its old MAC is silent): after the
	 * confirmation requests, the new MAC has it. */
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, forger_mac, PEER, PEER));
	fake_turn();
	for (int i = 0; i < ARP_RETRIES + 2; i++)
		fake_advance(ARP_RETRY_INTERVAL);
	EXPECT(udp_goes_to(s, PEER, forger_mac) == 1);
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, peer_mac, PEER, PEER));
	fake_turn();
	for (int i = 0; i < ARP_RETRIES + 2; i++)
		fake_advance(ARP_RETRY_INTERVAL);
	EXPECT(udp_goes_to(s, PEER, peer_mac) == 1);

	/* Unsolicited replies and gratuitous ARP from an unknown address
	 * make no entry: sending there asks by broadcast. */
	net_ipv4 stranger = NET_IPV4(198, 18, 0, 200);
	uint64_t ignored = net_counters.arp_ignored;
	fake_inject(f, arp_frame(f, ARP_OP_REPLY, forger_mac, stranger, US));
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, forger_mac, stranger,
	                         stranger));
	fake_turn();
	EXPECT(net_counters.arp_ignored == ignored + 2);
	EXPECT(udp_goes_to(s, stranger, forger_mac) == 0);
	for (int i = 0; i < ARP_RETRIES + 2; i++)
		fake_advance(ARP_RETRY_INTERVAL);

	/* Someone claiming our address: one announcement per
	 * ARP_DEFEND_INTERVAL. */
	fake_sent_clear();
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, forger_mac, US, US));
	fake_turn();
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, forger_mac, US, US));
	fake_turn();
	EXPECT(fake_nsent == 1 && sent_arp(0, &a) && a.spa == US &&
	       a.tpa == US && memcmp(a.sha, fake_mac, 6) == 0);
	fake_advance(ARP_DEFEND_INTERVAL);
	fake_sent_clear();
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, forger_mac, US, US));
	fake_turn();
	EXPECT(fake_nsent == 1);
	udp_close(s);
	fake_sent_clear();
}

static void test_exhaustion(void)
{
	uint8_t f[128];
	int err;
	struct udp_sock *s = udp_bind(0, 0, &err);
	EXPECT(s != NULL);
	/* PEER's entry may have expired: refresh it. */
	fake_inject(f, arp_frame(f, ARP_OP_REQUEST, peer_mac, PEER, US));
	fake_turn();
	fake_sent_clear();
	/* The host takes nothing: frames pile up in the pool. */
	fake_tx_congested = 1;
	long r = 0;
	int i;
	for (i = 0; i < 1000 && r >= 0; i++)
		r = udp_sendto(s, PEER, 9, "x", 1);
	EXPECT(r == -KILN_ENOMEM && pktbuf_free_count() == 0);
	EXPECT(net_counters.drop_no_buffer > 0);
	uint64_t nobuf = net_counters.drop_no_buffer;
	uint64_t replies = net_counters.icmp_echo_replies;
	/* Frames arriving now are drained and dropped, not left pending. */
	uint8_t icmp[16];
	size_t n = icmp_emit_echo(icmp, sizeof(icmp), ICMP_ECHO_REQUEST, 1, 1,
	                          "", 0);
	for (int k = 0; k < 5; k++)
		fake_inject(f, ip_frame(f, peer_mac, PEER, US, NET_PROTO_ICMP,
		                        icmp, n, 1, 0, false));
	fake_turn();
	EXPECT(net_counters.drop_no_buffer == nobuf + 5);
	/* The host recovers: everything queued goes (on the retry timer,
	 * with nothing else to wake the loop), the pool refills, and pings
	 * are answered again. */
	fake_tx_congested = 0;
	fake_now += KILN_MSEC(2);
	fake_fire_timers();
	EXPECT(pktbuf_free_count() == 64);
	fake_inject(f, ip_frame(f, peer_mac, PEER, US, NET_PROTO_ICMP, icmp, n,
	                        1, 0, false));
	fake_turn();
	EXPECT(net_counters.icmp_echo_replies == replies + 1);
	udp_close(s);
	fake_sent_clear();
}

/* A bulk sender as TCP is one: it sends while there is room and waits
 * for buffers (in order with the others) when there is not. */
struct bulk_sender {
	struct net_buf_waiter w;
	uint8_t tag;
	unsigned left, calls;
};

static void bulk_send(struct bulk_sender *b)
{
	while (b->left && net_tx_room()) {
		struct pktbuf *p = pktbuf_get();
		size_t n = eth_emit(p->data, 14, peer_mac, fake_mac, 0x88b5);
		memset(p->data + n, 0, 60 - n);
		p->data[n] = b->tag;
		p->len = 60;
		net_tx_frame(p);
		b->left--;
	}
	if (b->left)
		net_buf_wait(&b->w);
}

static void bulk_ready(struct net_buf_waiter *w)
{
	struct bulk_sender *b = (struct bulk_sender *)(void *)w;
	b->calls++;
	bulk_send(b);
}

static void test_buffer_waiters(void)
{
	struct bulk_sender a = {.w.fn = bulk_ready, .tag = 'a', .left = 60};
	struct bulk_sender b = {.w.fn = bulk_ready, .tag = 'b', .left = 60};
	struct bulk_sender c = {.w.fn = bulk_ready, .tag = 'c', .left = 1};
	uint64_t nobuf = net_counters.drop_no_buffer;
	fake_sent_clear();
	EXPECT(pktbuf_free_count() == 64 && net_tx_room());
	/* The host takes nothing: a sends down to the reserve (a quarter
	 * of the pool) and waits; b and c find no room and wait too. */
	fake_tx_congested = 1;
	bulk_send(&a);
	bulk_send(&b);
	bulk_send(&c);
	EXPECT(a.left == 12 && b.left == 60 && c.left == 1);
	EXPECT(pktbuf_free_count() == 16 && !net_tx_room());
	EXPECT(a.w.queued && b.w.queued && c.w.queued);
	/* c goes away while waiting: it must not be called. */
	net_buf_wait_cancel(&c.w);
	EXPECT(!c.w.queued);
	/* The host recovers: the flush sends what is queued, then calls
	 * the waiters in the order they came, and sends what they queue. */
	fake_tx_congested = 0;
	fake_turn();
	EXPECT(a.left == 0 && b.left == 0 && a.calls == 1 && b.calls == 1);
	EXPECT(c.calls == 0 && !a.w.queued && !b.w.queued);
	EXPECT(fake_nsent == 120);
	unsigned first_b = fake_nsent;
	for (unsigned i = 0; i < fake_nsent; i++) {
		if (fake_sent[i].data[14] == 'b' && first_b == fake_nsent)
			first_b = i;
		if (i >= first_b)
			EXPECT(fake_sent[i].data[14] == 'b');
	}
	EXPECT(first_b == 60);
	EXPECT(pktbuf_free_count() == 64);
	EXPECT(net_counters.drop_no_buffer == nobuf);
	fake_sent_clear();

	/* The flush of the retry timer (the host was congested and nothing
	 * else wakes the loop) serves the waiters too. */
	a.left = b.left = 200;
	a.calls = b.calls = 0;
	fake_tx_congested = 1;
	bulk_send(&a);
	bulk_send(&b);
	fake_tx_congested = 0;
	fake_now += KILN_MSEC(2);
	fake_fire_timers();
	EXPECT(a.calls == 1 && b.calls == 1);
	EXPECT(a.left == 0 && b.left == 0);
	EXPECT(pktbuf_free_count() == 64 && !pktbuf_waiters());
	EXPECT(net_counters.drop_no_buffer == nobuf);
	fake_sent_clear();
}

/* Offload metadata the host got wrong is dropped and counted; a partial
 * checksum (a frame from the host itself) is finished before UDP sees it. */
static void test_bad_offload(void)
{
	uint8_t f[1600], buf[16];
	int err;
	struct udp_sock *s = udp_bind(0, 4242, &err);
	EXPECT(s && err == 0);
	uint64_t bad = net_counters.drop_bad_offload;
	uint64_t udp_bad = net_counters.drop_udp_checksum;
	size_t n = udp_frame(f, peer_mac, PEER, 5555, 4242, "meta", 4);
	/* Coalesced, on a device that joins nothing (none negotiated). */
	struct platform_net_meta m = {.flags = PLATFORM_NET_META_NEEDS_CSUM,
	                              .gso_type = PLATFORM_NET_GSO_TCPV4,
	                              .gso_size = 1000,
	                              .csum_start = 34,
	                              .csum_offset = 6};
	fake_inject_meta(f, n, &m);
	/* A frame its target marked bad (virtio-net's header check): a
	 * flag lib/net acts on only by dropping. */
	m = (struct platform_net_meta){.flags = PLATFORM_NET_META_BAD};
	fake_inject_meta(f, n, &m);
	/* An unknown flag. */
	m = (struct platform_net_meta){.flags = 0x40};
	fake_inject_meta(f, n, &m);
	/* A checksum position past the frame's end. */
	m = (struct platform_net_meta){.flags = PLATFORM_NET_META_NEEDS_CSUM,
	                               .csum_start = 34,
	                               .csum_offset = 4000};
	fake_inject_meta(f, n, &m);
	/* ... and one before the transport header. */
	m.csum_start = 2;
	m.csum_offset = 6;
	fake_inject_meta(f, n, &m);
	fake_turn();
	EXPECT(net_counters.drop_bad_offload == bad + 5);
	EXPECT(udp_recvfrom(s, buf, sizeof(buf), NULL, NULL, 0) < 0);

	/* A partial checksum: the field holds the pseudo-header sum. */
	uint16_t partial = (uint16_t)~net_csum_finish(
	        net_csum_pseudo(0, PEER, US, NET_PROTO_UDP, 8 + 4));
	f[40] = (uint8_t)(partial >> 8);
	f[41] = (uint8_t)partial;
	m.csum_start = 34;
	fake_inject_meta(f, n, &m);
	fake_turn();
	EXPECT(udp_recvfrom(s, buf, sizeof(buf), NULL, NULL, 0) == 4 &&
	       memcmp(buf, "meta", 4) == 0);
	EXPECT(net_counters.drop_bad_offload == bad + 5 &&
	       net_counters.drop_udp_checksum == udp_bad);
	udp_close(s);
}

int main(void)
{
	test_start();
	test_arp_reply();
	test_ping();
	test_arp_resolve();
	test_udp();
	test_udp_callbacks();
	test_fragments();
	test_garbage();
	test_rate_limit();
	test_arp_expiry();
	test_arp_probe();
	test_arp_flood();
	test_arp_forged();
	test_exhaustion();
	test_buffer_waiters();
	test_bad_offload();
	if (!failures) {
		printf("PASS: stack on a fake device\n");
		fflush(stdout);
		net_print_counters();
	}
	return failures != 0;
}
