/*
 * host/usernet_filter.h - what a guest may send into user-mode networking.
 *
 * libslirp runs unrestricted (its restricted mode drops every UDP datagram
 * from the guest, the replies of a UDP port forward included), so this
 * filter is what keeps the guest in: every frame the guest transmits is
 * checked here before libslirp sees it, and only these pass:
 *
 *   - ARP (libslirp answers for the gateway);
 *   - DHCP: UDP 68 -> 67 to the gateway or to 255.255.255.255;
 *   - ICMP echo requests to the gateway (libslirp answers them itself);
 *   - TCP to the gateway, except a SYN without ACK: the guest cannot open
 *     a connection, it can only take part in one a port forward opened
 *     (a forward listens on 127.0.0.1, so its peers all appear to the
 *     guest as the gateway);
 *   - UDP to the gateway that answers a datagram libslirp delivered from
 *     a port forward: same guest address and port, same peer port, within
 *     USERNET_FLOW_TTL_NS of the last one. The flows are learnt from the
 *     frames libslirp sends the guest (usernet_filter_note).
 *
 * Everything else is refused: other destinations, other protocols, IPv6,
 * and IPv4 fragments (libslirp would reassemble them behind our back, and
 * a guest on a 1500-byte link has no need to fragment). A refused TCP
 * connection request is answered with a reset (usernet_filter_reset), as
 * libslirp's restricted mode did, so a guest's connect fails at once.
 *
 * A second wall stands behind this one: libslirp binds its outbound
 * sockets to 127.0.0.1, and Linux refuses to route a packet from a
 * loopback source out of a non-loopback interface.
 *
 * Parsing goes through bounds-checked views; any truncated or malformed
 * frame is refused. Header-only so that kiln-hvt's usernet object, the
 * unix target and the tests all compile the same code.
 */
#ifndef KILN_HOST_USERNET_FILTER_H
#define KILN_HOST_USERNET_FILTER_H

#include <kiln/view.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* UDP flows remembered at once; the least recently used is forgotten. */
#define USERNET_FLOWS 64
/* How long a UDP flow may stay silent and still be answered. */
#define USERNET_FLOW_TTL_NS ((int64_t)240 * 1000000000)

struct usernet_flow {
	uint32_t guest_addr;
	uint16_t guest_port, peer_port;
	int64_t last_ns; /* 0: unused */
};

struct usernet_filter {
	uint32_t gateway; /* host order */
	struct usernet_flow flows[USERNET_FLOWS];
	uint64_t refused; /* frames refused */
};

/* The parts of an IPv4 packet the filter looks at. */
struct usernet_packet {
	uint16_t ethertype;
	uint8_t proto;
	bool fragment; /* a fragment other than the first */
	bool more_fragments;
	uint32_t src, dst;   /* host order */
	struct kiln_view l4; /* the IP payload */
};

static inline void usernet_filter_init(struct usernet_filter *f,
                                       uint32_t gateway)
{
	*f = (struct usernet_filter){.gateway = gateway};
}

/* Ethernet, then IPv4 if that is the EtherType. False if the frame is
 * truncated or its IPv4 header is malformed. */
static inline bool usernet_parse(const void *frame, size_t len,
                                 struct usernet_packet *p)
{
	struct kiln_view v = kiln_view_make(frame, len);
	*p = (struct usernet_packet){0};
	if (!kiln_view_skip(&v, 12) || !kiln_view_u16(&v, &p->ethertype))
		return false;
	if (p->ethertype != 0x0800)
		return true;

	uint8_t ver_ihl, tos, ttl;
	uint16_t total, id, frag, sum;
	if (!kiln_view_u8(&v, &ver_ihl) || !kiln_view_u8(&v, &tos) ||
	    !kiln_view_u16(&v, &total) || !kiln_view_u16(&v, &id) ||
	    !kiln_view_u16(&v, &frag) || !kiln_view_u8(&v, &ttl) ||
	    !kiln_view_u8(&v, &p->proto) || !kiln_view_u16(&v, &sum) ||
	    !kiln_view_u32(&v, &p->src) || !kiln_view_u32(&v, &p->dst))
		return false;
	size_t hlen = (size_t)(ver_ihl & 0x0f) * 4;
	if (ver_ihl >> 4 != 4 || hlen < 20 || total < hlen)
		return false;
	/* Options, then exactly the payload the header claims (a frame may
	 * carry padding after it, never less than it). */
	if (!kiln_view_skip(&v, hlen - 20) ||
	    !kiln_view_take(&v, total - hlen, &p->l4))
		return false;
	p->fragment = (frag & 0x1fff) != 0;
	p->more_fragments = (frag & 0x2000) != 0;
	return true;
}

/* The flow for (guest address, guest port, peer port), or NULL. */
static inline struct usernet_flow *
usernet_flow_find(struct usernet_filter *f, uint32_t addr, uint16_t port,
                  uint16_t peer, int64_t now_ns)
{
	for (unsigned i = 0; i < USERNET_FLOWS; i++) {
		struct usernet_flow *fl = &f->flows[i];
		if (fl->last_ns != 0 && fl->guest_addr == addr &&
		    fl->guest_port == port && fl->peer_port == peer &&
		    now_ns - fl->last_ns <= USERNET_FLOW_TTL_NS)
			return fl;
	}
	return NULL;
}

/* A frame libslirp sends the guest: remember the UDP flows it opens from
 * the gateway (a port forward's peer), so the guest may answer them. */
static inline void usernet_filter_note(struct usernet_filter *f,
                                       const void *frame, size_t len,
                                       int64_t now_ns)
{
	struct usernet_packet p;
	uint16_t sport, dport;
	if (!usernet_parse(frame, len, &p) || p.ethertype != 0x0800 ||
	    p.proto != 17 || p.fragment || p.src != f->gateway ||
	    !kiln_view_u16(&p.l4, &sport) || !kiln_view_u16(&p.l4, &dport))
		return;
	if (now_ns <= 0)
		now_ns = 1; /* 0 marks an unused slot */
	struct usernet_flow *fl =
	        usernet_flow_find(f, p.dst, dport, sport, now_ns);
	if (fl == NULL) {
		/* An unused or the least recently used slot. */
		fl = &f->flows[0];
		for (unsigned i = 1; i < USERNET_FLOWS && fl->last_ns != 0; i++)
			if (f->flows[i].last_ns < fl->last_ns)
				fl = &f->flows[i];
		fl->guest_addr = p.dst;
		fl->guest_port = dport;
		fl->peer_port = sport;
	}
	fl->last_ns = now_ns;
}

/* Whether the guest may send this frame into libslirp (see the top of
 * this file). Counts what it refuses in f->refused. */
static inline bool usernet_filter_allows(struct usernet_filter *f,
                                         const void *frame, size_t len,
                                         int64_t now_ns)
{
	struct usernet_packet p;
	bool ok = false;
	if (!usernet_parse(frame, len, &p))
		goto out;
	if (p.ethertype == 0x0806) {
		ok = true;
		goto out;
	}
	if (p.ethertype != 0x0800 || p.fragment || p.more_fragments)
		goto out;

	bool to_gateway = p.dst == f->gateway;
	uint8_t type;
	uint16_t sport, dport, flags;
	switch (p.proto) {
	case 1: /* ICMP: echo requests to the gateway */
		ok = to_gateway && kiln_view_u8(&p.l4, &type) && type == 8;
		break;
	case 6: /* TCP: any segment to the gateway but a connection request */
		if (!to_gateway || !kiln_view_skip(&p.l4, 12) ||
		    !kiln_view_u16(&p.l4, &flags))
			break;
		ok = (flags & 0x12) != 0x02; /* not SYN without ACK */
		break;
	case 17: /* UDP: DHCP, or an answer within a forwarded flow */
		if (!kiln_view_u16(&p.l4, &sport) ||
		    !kiln_view_u16(&p.l4, &dport))
			break;
		if (sport == 68 && dport == 67 &&
		    (to_gateway || p.dst == 0xffffffffu)) {
			ok = true;
			break;
		}
		if (!to_gateway)
			break;
		struct usernet_flow *fl =
		        usernet_flow_find(f, p.src, sport, dport, now_ns);
		if (fl) {
			fl->last_ns = now_ns > 0 ? now_ns : 1;
			ok = true;
		}
		break;
	default:
		break;
	}
out:
	if (!ok)
		f->refused++;
	return ok;
}

static inline uint32_t usernet_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static inline void usernet_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void usernet_put32(uint8_t *p, uint32_t v)
{
	usernet_put16(p, v >> 16);
	usernet_put16(p + 2, v & 0xffff);
}

static inline uint16_t usernet_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Frames usernet_filter_reset() builds: 54 bytes, padded to Ethernet's
 * 60-byte minimum. */
#define USERNET_RESET_LEN 60

/*
 * The answer to a refused connection request, so that the guest's
 * connect fails at once, as it would against a closed port, rather than
 * after its timeouts: if frame is a TCP SYN without ACK, build in out
 * (at least USERNET_RESET_LEN bytes) the RST+ACK a closed port sends
 * (RFC 9293 3.10.7.1: SEQ 0, ACK the segment's sequence number plus its
 * length), from the address and port the guest tried, and return its
 * length; else return 0.
 */
static inline size_t usernet_filter_reset(const void *frame, size_t len,
                                          uint8_t *out)
{
	struct usernet_packet p;
	struct kiln_view eth = kiln_view_make(frame, len);
	uint8_t dst_mac[6], src_mac[6];
	uint16_t sport, dport, off_flags;
	uint32_t seq, ack;
	if (!kiln_view_copy(&eth, dst_mac, 6) ||
	    !kiln_view_copy(&eth, src_mac, 6) ||
	    !usernet_parse(frame, len, &p) || p.ethertype != 0x0800 ||
	    p.proto != 6 || p.fragment || p.more_fragments)
		return 0;
	size_t seg_len = p.l4.len;
	if (!kiln_view_u16(&p.l4, &sport) || !kiln_view_u16(&p.l4, &dport) ||
	    !kiln_view_u32(&p.l4, &seq) || !kiln_view_u32(&p.l4, &ack) ||
	    !kiln_view_u16(&p.l4, &off_flags))
		return 0;
	size_t doff = (size_t)(off_flags >> 12) * 4;
	if ((off_flags & 0x12) != 0x02 || doff < 20 || doff > seg_len)
		return 0;
	/* The SYN counts one, a FIN one more, and the data its length. */
	uint32_t answered = seq + 1 + ((off_flags & 0x01) ? 1 : 0) +
	                    (uint32_t)(seg_len - doff);

	for (size_t i = 0; i < USERNET_RESET_LEN; i++)
		out[i] = 0;
	for (int i = 0; i < 6; i++) {
		out[i] = src_mac[i];
		out[6 + i] = dst_mac[i];
	}
	usernet_put16(out + 12, 0x0800);
	uint8_t *ip = out + 14, *tcp = ip + 20;
	ip[0] = 0x45;
	usernet_put16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = 6;
	usernet_put32(ip + 12, p.dst);
	usernet_put32(ip + 16, p.src);
	usernet_put16(ip + 10, usernet_fold(usernet_sum(0, ip, 20)));
	usernet_put16(tcp, dport);
	usernet_put16(tcp + 2, sport);
	usernet_put32(tcp + 8, answered);
	tcp[12] = 5 << 4;
	tcp[13] = 0x14; /* RST, ACK */
	uint32_t pseudo = usernet_sum(0, ip + 12, 8) + 6 + 20;
	usernet_put16(tcp + 16, usernet_fold(usernet_sum(pseudo, tcp, 20)));
	return USERNET_RESET_LEN;
}

#endif /* KILN_HOST_USERNET_FILTER_H */
