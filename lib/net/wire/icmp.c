/*
 * lib/net/wire/icmp.c - ICMP for IPv4 (RFC 792).
 */
#include "icmp.h"
#include "checksum.h"
#include <string.h>

static bool is_error_type(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAM_PROBLEM;
}

int icmp_parse(struct kiln_view v, struct icmp_msg *m)
{
	struct kiln_view all = v;

	if (!kiln_view_u8(&v, &m->type) || !kiln_view_u8(&v, &m->code) ||
	    !kiln_view_skip(&v, 2) || !kiln_view_u32(&v, &m->rest))
		return WIRE_TRUNCATED;
	if (net_csum_finish(net_csum_add(0, all.p, all.len)) != 0)
		return WIRE_CHECKSUM;
	m->id = (uint16_t)(m->rest >> 16);
	m->seq = (uint16_t)m->rest;
	m->body = v;
	memset(&m->quoted, 0, sizeof(m->quoted));
	if (is_error_type(m->type)) {
		int err = ipv4_parse_quoted(v, &m->quoted);
		if (err)
			return err == WIRE_TRUNCATED ? WIRE_TRUNCATED
			                             : WIRE_MALFORMED;
	}
	return WIRE_OK;
}

size_t icmp_emit_echo(uint8_t *buf, size_t size, uint8_t type, uint16_t id,
                      uint16_t seq, const void *data, size_t data_len)
{
	if (size < ICMP_HDR_LEN || data_len > size - ICMP_HDR_LEN)
		return 0;
	buf[0] = type;
	buf[1] = 0;
	wire_put16(buf + 2, 0);
	wire_put16(buf + 4, id);
	wire_put16(buf + 6, seq);
	if (data_len)
		memmove(buf + ICMP_HDR_LEN, data, data_len);
	size_t len = ICMP_HDR_LEN + data_len;
	wire_put16(buf + 2, net_csum_finish(net_csum_add(0, buf, len)));
	return len;
}

size_t icmp_emit_error(uint8_t *buf, size_t size, uint8_t type, uint8_t code,
                       uint32_t rest, const void *orig, size_t orig_len)
{
	size_t quote = orig_len;
	if (orig_len > 0) {
		/* The offending header's own IHL says how long it is. */
		size_t ihl = (size_t)(((const uint8_t *)orig)[0] & 0x0f) * 4;
		if (quote > ihl + 8)
			quote = ihl + 8;
	}
	if (quote > ICMP_QUOTE_MAX)
		quote = ICMP_QUOTE_MAX;
	if (size < ICMP_HDR_LEN || quote > size - ICMP_HDR_LEN)
		return 0;
	buf[0] = type;
	buf[1] = code;
	wire_put16(buf + 2, 0);
	wire_put32(buf + 4, rest);
	if (quote)
		memcpy(buf + ICMP_HDR_LEN, orig, quote);
	size_t len = ICMP_HDR_LEN + quote;
	wire_put16(buf + 2, net_csum_finish(net_csum_add(0, buf, len)));
	return len;
}
