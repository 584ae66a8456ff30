/*
 * lib/net/wire/ipv4.c - IPv4 headers (RFC 791).
 */
#include "ipv4.h"
#include "checksum.h"

/* The fixed part of the header, common to ipv4_parse and the quoted
 * variant. On return hdr is a view of the whole header (options too). */
static int parse_fixed(struct kiln_view *v, struct ipv4_hdr *h,
                       struct kiln_view *hdr)
{
	uint8_t vihl;
	uint16_t frag;
	uint16_t csum;

	if (kiln_view_peek(v, 0) < 0)
		return WIRE_TRUNCATED;
	vihl = (uint8_t)kiln_view_peek(v, 0);
	if (vihl >> 4 != 4)
		return WIRE_MALFORMED;
	h->hdr_len = (uint8_t)((vihl & 0x0f) * 4);
	if (h->hdr_len < IPV4_HDR_LEN)
		return WIRE_MALFORMED;
	if (!kiln_view_sub(v, 0, h->hdr_len, hdr))
		return WIRE_TRUNCATED;

	struct kiln_view f = *hdr;
	kiln_view_skip(&f, 1);
	kiln_view_u8(&f, &h->tos);
	kiln_view_u16(&f, &h->total_len);
	kiln_view_u16(&f, &h->id);
	kiln_view_u16(&f, &frag);
	kiln_view_u8(&f, &h->ttl);
	kiln_view_u8(&f, &h->proto);
	kiln_view_u16(&f, &csum);
	kiln_view_u32(&f, &h->src);
	kiln_view_u32(&f, &h->dst);
	if (f.bad)
		return WIRE_TRUNCATED; /* cannot happen: hdr_len >= 20 */
	if (frag & IPV4_FLAG_RESERVED)
		return WIRE_MALFORMED;
	h->df = frag & IPV4_FLAG_DF;
	h->mf = frag & IPV4_FLAG_MF;
	h->frag_offset = (uint16_t)((frag & IPV4_FRAG_MASK) * 8);
	return WIRE_OK;
}

int ipv4_parse(struct kiln_view v, struct ipv4_hdr *h)
{
	struct kiln_view hdr;
	int err = parse_fixed(&v, h, &hdr);
	if (err)
		return err;
	if (h->total_len < h->hdr_len)
		return WIRE_MALFORMED;
	if (h->total_len > v.len)
		return WIRE_TRUNCATED;
	if (net_csum_finish(net_csum_add(0, hdr.p, hdr.len)) != 0)
		return WIRE_CHECKSUM;
	if (h->ttl == 0)
		return WIRE_MALFORMED;

	size_t plen = h->total_len - h->hdr_len;
	if (h->mf || h->frag_offset) {
		/* A fragment must carry data, must not end past the largest
		 * datagram, and every fragment but the last carries a
		 * multiple of 8 bytes so the next offset is expressible. */
		if (plen == 0 || (size_t)h->frag_offset + plen > IPV4_MAX_LEN)
			return WIRE_MALFORMED;
		if (h->mf && plen % 8 != 0)
			return WIRE_MALFORMED;
	}
	kiln_view_sub(&v, h->hdr_len, plen, &h->payload);
	return WIRE_OK;
}

int ipv4_parse_quoted(struct kiln_view v, struct ipv4_hdr *h)
{
	struct kiln_view hdr;
	int err = parse_fixed(&v, h, &hdr);
	if (err)
		return err;
	if (h->total_len < h->hdr_len)
		return WIRE_MALFORMED;
	if (!kiln_view_sub(&v, h->hdr_len, v.len - h->hdr_len, &h->payload) ||
	    h->payload.len < 8)
		return WIRE_TRUNCATED;
	return WIRE_OK;
}

size_t ipv4_emit(uint8_t *buf, size_t size, const struct ipv4_hdr *h,
                 size_t payload_len)
{
	if (size < IPV4_HDR_LEN || payload_len > IPV4_MAX_LEN - IPV4_HDR_LEN ||
	    h->frag_offset % 8 != 0)
		return 0;
	uint16_t frag = (uint16_t)(h->frag_offset / 8);
	if (h->df)
		frag |= IPV4_FLAG_DF;
	if (h->mf)
		frag |= IPV4_FLAG_MF;
	buf[0] = 0x45;
	buf[1] = h->tos;
	wire_put16(buf + 2, (uint16_t)(IPV4_HDR_LEN + payload_len));
	wire_put16(buf + 4, h->id);
	wire_put16(buf + 6, frag);
	buf[8] = h->ttl;
	buf[9] = h->proto;
	wire_put16(buf + 10, 0);
	wire_put32(buf + 12, h->src);
	wire_put32(buf + 16, h->dst);
	wire_put16(buf + 10,
	           net_csum_finish(net_csum_add(0, buf, IPV4_HDR_LEN)));
	return IPV4_HDR_LEN;
}
