/*
 * lib/net/wire/tcp.c - parse and emit TCP headers and options.
 */
#include "tcp.h"

#include "../stack.h"
#include "checksum.h"

#include <string.h>

static bool option_body(struct kiln_view *v, uint8_t kind, uint8_t len,
                        struct tcp_options *o)
{
	uint16_t u16;
	uint8_t u8;

	switch (kind) {
	case TCP_OPT_MSS:
		if (len != 4 || !kiln_view_u16(v, &u16))
			return false;
		o->has_mss = true;
		o->mss = u16;
		return true;
	case TCP_OPT_WSCALE:
		if (len != 3 || !kiln_view_u8(v, &u8))
			return false;
		o->has_wscale = true;
		/* RFC 7323 2.3: a shift above 14 is used as 14. */
		o->wscale = u8 > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : u8;
		return true;
	case TCP_OPT_SACK_PERM:
		if (len != 2)
			return false;
		o->sack_permitted = true;
		return true;
	case TCP_OPT_TS:
		if (len != 10 || !kiln_view_u32(v, &o->ts_val) ||
		    !kiln_view_u32(v, &o->ts_ecr))
			return false;
		o->has_ts = true;
		return true;
	case TCP_OPT_SACK: {
		if (len < 10 || (len - 2) % 8 != 0)
			return false;
		unsigned n = (unsigned)(len - 2) / 8;
		/* A later SACK option replaces an earlier one whole: clear
		 * the earlier blocks too, not only the count. */
		o->n_sack = 0;
		for (unsigned i = 0; i < TCP_SACK_BLOCKS_MAX; i++)
			o->sack[i] = (struct tcp_sack_block){0, 0};
		for (unsigned i = 0; i < n; i++) {
			struct tcp_sack_block b;
			if (!kiln_view_u32(v, &b.start) ||
			    !kiln_view_u32(v, &b.end))
				return false;
			/* Keep the first blocks (the most recent, RFC 2018
			 * 4); at most 4 fit in 40 bytes anyway. */
			if (o->n_sack < TCP_SACK_BLOCKS_MAX)
				o->sack[o->n_sack++] = b;
		}
		return true;
	}
	default:
		/* Unknown option: skip its body. */
		return kiln_view_skip(v, (size_t)len - 2);
	}
}

bool tcp_parse_options(struct kiln_view v, struct tcp_options *o)
{
	memset(o, 0, sizeof(*o));
	while (v.len > 0) {
		uint8_t kind, len;
		if (!kiln_view_u8(&v, &kind))
			return false;
		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP)
			continue;
		if (!kiln_view_u8(&v, &len) || len < 2)
			return false;
		struct kiln_view body;
		if (!kiln_view_take(&v, (size_t)len - 2, &body))
			return false;
		if (!option_body(&body, kind, len, o) || body.len != 0)
			return false;
	}
	return !v.bad;
}

enum tcp_parse_result tcp_parse(struct kiln_view v, struct tcp_header *h,
                                struct kiln_view *payload)
{
	uint8_t off, flags;
	struct kiln_view opts;

	memset(h, 0, sizeof(*h));
	*payload = kiln_view_make(NULL, 0);
	if (!kiln_view_has(&v, TCP_HDR_MIN))
		return TCP_PARSE_TRUNCATED;
	size_t total = v.len;
	kiln_view_u16(&v, &h->sport);
	kiln_view_u16(&v, &h->dport);
	kiln_view_u32(&v, &h->seq);
	kiln_view_u32(&v, &h->ack);
	kiln_view_u8(&v, &off);
	kiln_view_u8(&v, &flags);
	kiln_view_u16(&v, &h->window);
	kiln_view_u16(&v, &h->checksum);
	kiln_view_u16(&v, &h->urgent);
	h->flags = flags;
	h->hdr_len = (uint8_t)((off >> 4) * 4);
	if (h->hdr_len < TCP_HDR_MIN || h->hdr_len > total)
		return TCP_PARSE_BAD_OFFSET;
	if (!kiln_view_take(&v, h->hdr_len - TCP_HDR_MIN, &opts))
		return TCP_PARSE_BAD_OFFSET;
	if (!tcp_parse_options(opts, &h->opt))
		return TCP_PARSE_BAD_OPTION;
	*payload = v;
	return TCP_PARSE_OK;
}

size_t tcp_options_len(const struct tcp_options *o)
{
	/* Each group below is padded with NOPs to 4 bytes by tcp_emit. */
	size_t n = 0;
	if (o->has_mss)
		n += 4;
	if (o->has_ts)
		n += 12; /* SACK-permitted + TS, or NOP NOP + TS */
	else if (o->sack_permitted)
		n += 4;
	if (o->has_wscale)
		n += 4;
	if (o->n_sack)
		n += 4 + 8 * (size_t)o->n_sack;
	return n;
}

static uint8_t *put16(uint8_t *p, uint16_t x)
{
	p[0] = (uint8_t)(x >> 8);
	p[1] = (uint8_t)x;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
	return p + 4;
}

size_t tcp_emit(uint8_t *buf, size_t size, const struct tcp_header *h)
{
	const struct tcp_options *o = &h->opt;
	size_t optlen = tcp_options_len(o);
	size_t hlen = TCP_HDR_MIN + optlen;

	if (optlen > TCP_OPT_SPACE || hlen > size ||
	    o->n_sack > TCP_SACK_BLOCKS_MAX)
		return 0;
	uint8_t *p = buf;
	p = put16(p, h->sport);
	p = put16(p, h->dport);
	p = put32(p, h->seq);
	p = put32(p, h->ack);
	*p++ = (uint8_t)((hlen / 4) << 4);
	*p++ = h->flags;
	p = put16(p, h->window);
	p = put16(p, 0);
	p = put16(p, h->urgent);

	/* The layout Linux and BSD use: MSS, SACK-permitted + timestamps,
	 * NOP + window scale; on other segments NOP NOP + timestamps and
	 * NOP NOP + SACK. */
	uint8_t *start = p;
	if (o->has_mss) {
		*p++ = TCP_OPT_MSS;
		*p++ = 4;
		p = put16(p, o->mss);
	}
	if (o->sack_permitted) {
		if (!o->has_ts) {
			*p++ = TCP_OPT_NOP;
			*p++ = TCP_OPT_NOP;
		}
		*p++ = TCP_OPT_SACK_PERM;
		*p++ = 2;
	} else if (o->has_ts) {
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_NOP;
	}
	if (o->has_ts) {
		*p++ = TCP_OPT_TS;
		*p++ = 10;
		p = put32(p, o->ts_val);
		p = put32(p, o->ts_ecr);
	}
	if (o->has_wscale) {
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_WSCALE;
		*p++ = 3;
		*p++ = o->wscale;
	}
	if (o->n_sack) {
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_SACK;
		*p++ = (uint8_t)(2 + 8 * o->n_sack);
		for (unsigned i = 0; i < o->n_sack; i++) {
			p = put32(p, o->sack[i].start);
			p = put32(p, o->sack[i].end);
		}
	}
	while ((size_t)(p - start) < optlen)
		*p++ = TCP_OPT_EOL;
	return hlen;
}

/* Sum a piece that starts at an odd offset of the segment: the one's-
 * complement sum of byte-swapped words is the byte-swapped sum. */
static uint32_t csum_piece(uint32_t sum, const void *data, size_t len,
                           size_t offset)
{
	if (!(offset & 1))
		return net_csum_add(sum, data, len);
	uint32_t s = net_csum_add(0, data, len);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	s = ((s & 0xff) << 8) | (s >> 8);
	uint64_t acc = (uint64_t)sum + s;
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t tcp_checksum(uint32_t src, uint32_t dst, const void *hdr,
                      size_t hdr_len, const struct net_chunk *data, unsigned n)
{
	size_t total = hdr_len;
	for (unsigned i = 0; i < n; i++)
		total += data[i].len;
	uint32_t sum =
	        net_csum_pseudo(0, src, dst, NET_PROTO_TCP, (uint16_t)total);
	sum = net_csum_add(sum, hdr, hdr_len);
	size_t off = hdr_len;
	for (unsigned i = 0; i < n; i++) {
		if (!data[i].len)
			continue;
		sum = csum_piece(sum, data[i].data, data[i].len, off);
		off += data[i].len;
	}
	return net_csum_finish(sum);
}

bool tcp_checksum_ok(uint32_t src, uint32_t dst, const void *seg, size_t len)
{
	if (len > 0xffff)
		return false;
	uint32_t sum =
	        net_csum_pseudo(0, src, dst, NET_PROTO_TCP, (uint16_t)len);
	sum = net_csum_add(sum, seg, len);
	return net_csum_finish(sum) == 0;
}
