/*
 * lib/net/ipv4.c - IPv4 input and output: validation, local delivery,
 * routing (on-link or via the one gateway) and fragmentation of large
 * outgoing datagrams.
 */
#include "iface.h"
#include <string.h>

#define IPV4_TTL 64

void ipv4_deliver(const struct ipv4_hdr *h, struct kiln_view packet)
{
	switch (h->proto) {
	case NET_PROTO_ICMP:
		icmp_input(h, packet);
		break;
	case NET_PROTO_UDP:
		udp_input(h, packet);
		break;
	case NET_PROTO_TCP:
		if (!net_if.addr || net_is_broadcast(h->dst)) {
			NET_DROP(drop_ip_not_for_us);
			break;
		}
		tcp_input(h->src, h->dst, h->payload.p, h->payload.len);
		break;
	default:
		NET_DROP(drop_ip_proto);
		icmp_send_unreach(h, packet, ICMP_UNREACH_PROTOCOL);
		break;
	}
}

void ipv4_input(struct kiln_view packet)
{
	struct ipv4_hdr h;
	int err = ipv4_parse(packet, &h);
	if (err == WIRE_CHECKSUM) {
		NET_DROP(drop_ip_checksum);
		return;
	}
	if (err) {
		NET_DROP(drop_ip_malformed);
		return;
	}
	/* The packet ends where its header says (link padding removed). */
	kiln_view_sub(&packet, 0, h.total_len, &packet);

	/* Martian sources: nobody sends from a broadcast or multicast
	 * address, nor from ours. 0.0.0.0 is allowed (DHCP clients). */
	if (net_is_broadcast(h.src) || (h.src >> 28) == 0xe ||
	    (net_if.addr && h.src == net_if.addr)) {
		NET_DROP(drop_ip_malformed);
		return;
	}
	/* Ours: our address or a broadcast; while unconfigured, anything
	 * (a DHCP server may unicast the offer to the address it offers). */
	if (net_if.addr && h.dst != net_if.addr && !net_is_broadcast(h.dst)) {
		NET_DROP(drop_ip_not_for_us);
		return;
	}
	if (h.mf || h.frag_offset) {
		struct ipv4_hdr whole;
		struct kiln_view payload;
		if (!frag_input(&h, &whole, &payload))
			return; /* held, or dropped and counted */
		whole.payload = payload;
		/* Errors about a reassembled datagram quote its first
		 * fragment's header, which we no longer have: quote none. */
		ipv4_deliver(&whole, kiln_view_make(NULL, 0));
		return;
	}
	ipv4_deliver(&h, packet);
}

size_t ipv4_payload_mtu(void)
{
	return (size_t)net_if.mtu - IPV4_HDR_LEN;
}

/* Copy len bytes starting at byte off of the chunks' concatenation. */
static void gather(uint8_t *out, const struct net_chunk *chunks, unsigned n,
                   size_t off, size_t len)
{
	for (unsigned i = 0; i < n && len; i++) {
		if (off >= chunks[i].len) {
			off -= chunks[i].len;
			continue;
		}
		size_t take = chunks[i].len - off;
		if (take > len)
			take = len;
		memcpy(out, (const uint8_t *)chunks[i].data + off, take);
		out += take;
		len -= take;
		off = 0;
	}
}

/* Lay out the payload of b (its headers are the first at bytes) as
 * pieces: bytes the chunks lend are named where they lie, the others are
 * copied after the headers. false if more pieces would be needed than a
 * frame can have (the caller then gathers it all). */
static bool scatter(struct pktbuf *b, size_t at, const struct net_chunk *chunks,
                    unsigned n)
{
	unsigned k = 0;
	size_t copied = at; /* end of the bytes in data */
	b->iov[k++] = (struct platform_iov){b->data, at};
	for (unsigned i = 0; i < n; i++) {
		if (!chunks[i].len)
			continue;
		if (chunks[i].lent) {
			if (k == PLATFORM_NET_IOV_MAX)
				return false;
			b->iov[k++] = (struct platform_iov){chunks[i].data,
			                                    chunks[i].len};
			continue;
		}
		/* Copied: after what data holds, joining the previous piece
		 * when that one ends there too. */
		struct platform_iov *last = &b->iov[k - 1];
		memcpy(b->data + copied, chunks[i].data, chunks[i].len);
		if ((const uint8_t *)last->base + last->len ==
		    b->data + copied) {
			last->len += chunks[i].len;
		} else {
			if (k == PLATFORM_NET_IOV_MAX)
				return false;
			b->iov[k++] = (struct platform_iov){b->data + copied,
			                                    chunks[i].len};
		}
		copied += chunks[i].len;
	}
	b->n_iov = k;
	return true;
}

static bool any_lent(const struct net_chunk *chunks, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (chunks[i].lent)
			return true;
	return false;
}

/* The next hop for dst, or 0 when there is no route. */
static net_ipv4 next_hop(net_ipv4 dst)
{
	if (net_is_broadcast(dst))
		return dst;
	if (net_if.addr && ((dst ^ net_if.addr) & net_mask()) == 0)
		return dst;
	return net_if.gateway;
}

bool net_tx_csum_offload(void)
{
	return net_if.offloads & PLATFORM_NET_OFF_TX_CSUM;
}

size_t net_tso_max_payload(void)
{
	if (!(net_if.offloads & PLATFORM_NET_OFF_TX_TSO4) ||
	    pktbuf_size < PLATFORM_NET_FRAME_MAX)
		return 0;
	/* The largest IP packet, less IP and the largest TCP header. */
	return IPV4_MAX_LEN - IPV4_HDR_LEN - 60;
}

/* ipv4_send, with the offloads of tcp (NULL: none) asked of the device:
 * tcp->csum_offset set means a partial TCP checksum, tcp->gso_size a
 * packet to cut. */
static int send_packet(net_ipv4 src, net_ipv4 dst, uint8_t proto,
                       const struct net_chunk *chunks, unsigned n,
                       bool allow_frag, const struct platform_net_meta *tcp)
{
	size_t total = 0;
	for (unsigned i = 0; i < n; i++)
		total += chunks[i].len;
	size_t mtu_payload = ipv4_payload_mtu();
	if (tcp && tcp->gso_size)
		mtu_payload = IPV4_MAX_LEN - IPV4_HDR_LEN;
	if (total > IPV4_MAX_LEN - IPV4_HDR_LEN ||
	    (!allow_frag && total > mtu_payload))
		return -KILN_EMSGSIZE;
	if (!src)
		src = net_if.addr;
	/* Only broadcasts may leave without an address (DHCP). */
	if (!net_if.started || (!src && dst != 0xffffffff)) {
		net_counters.tx_no_route++;
		return -KILN_EHOSTUNREACH;
	}
	net_ipv4 hop = next_hop(dst);
	if (!hop || dst == 0 || (dst >> 28) == 0xe) {
		net_counters.tx_no_route++;
		return -KILN_EHOSTUNREACH;
	}

	static uint16_t next_id;
	if (next_id == 0)
		next_id = (uint16_t)net_random();
	struct ipv4_hdr h = {
	        .id = next_id++,
	        .ttl = IPV4_TTL,
	        .proto = proto,
	        .src = src,
	        .dst = dst,
	};
	/* Fragments carry a multiple of 8 bytes, except the last. */
	size_t piece = total <= mtu_payload ? total : mtu_payload & ~(size_t)7;
	size_t off = 0;
	int err = 0;
	do {
		size_t len = total - off < piece ? total - off : piece;
		struct pktbuf *b = pktbuf_get();
		if (!b) {
			net_counters.drop_no_buffer++;
			net_counters.tx_no_buffer++;
			return -KILN_ENOMEM;
		}
		h.frag_offset = (uint16_t)off;
		h.mf = off + len < total;
		h.df = !allow_frag;
		size_t at = ETH_HDR_LEN;
		at += ipv4_emit(b->data + at, pktbuf_size - at, &h, len);
		/* TCP's lent bytes go as pieces where the device takes them
		 * (a packet with them is never fragmented: TCP sends none
		 * larger than the path allows). */
		if (tcp && (net_if.offloads & PLATFORM_NET_OFF_TX_SG) &&
		    total <= mtu_payload && at + len >= 60 &&
		    any_lent(chunks, n) && scatter(b, at, chunks, n))
			net_counters.tx_frames_scattered++;
		else
			gather(b->data + at, chunks, n, off, len);
		b->len = at + len;
		if (tcp) {
			b->meta = *tcp;
			b->meta.flags = PLATFORM_NET_META_NEEDS_CSUM;
			b->meta.csum_start = ETH_HDR_LEN + IPV4_HDR_LEN;
			const uint8_t *th = chunks[0].data;
			b->meta.hdr_len =
			        (uint16_t)(ETH_HDR_LEN + IPV4_HDR_LEN +
			                   (th[12] >> 4) * 4);
		}
		if (total > mtu_payload)
			net_counters.ip_frags_sent++;
		/* Ethernet's minimum frame is 60 bytes: pad short ones. */
		if (b->len < 60) {
			memset(b->data + b->len, 0, 60 - b->len);
			b->len = 60;
		}
		int r = arp_output(hop, b);
		if (r && !err)
			err = r;
		off += len;
	} while (off < total);
	return err;
}

int ipv4_send(net_ipv4 src, net_ipv4 dst, uint8_t proto,
              const struct net_chunk *chunks, unsigned n, bool allow_frag)
{
	return send_packet(src, dst, proto, chunks, n, allow_frag, NULL);
}

int ipv4_output(net_ipv4 src, net_ipv4 dst, uint8_t proto,
                const struct net_chunk *chunks, unsigned n)
{
	return ipv4_send(src, dst, proto, chunks, n, false);
}

int ipv4_output_tcp_offload(net_ipv4 src, net_ipv4 dst,
                            const struct net_chunk *chunks, unsigned n,
                            uint16_t gso_size)
{
	struct platform_net_meta tcp = {
	        .csum_offset = 16, /* the TCP header's checksum field */
	        .gso_size = gso_size,
	        .gso_type = gso_size ? PLATFORM_NET_GSO_TCPV4
	                             : PLATFORM_NET_GSO_NONE,
	};
	return send_packet(src, dst, NET_PROTO_TCP, chunks, n, false, &tcp);
}
