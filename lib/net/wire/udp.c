/*
 * lib/net/wire/udp.c - UDP headers (RFC 768).
 */
#include "udp.h"
#include "../stack.h"
#include "checksum.h"

int udp_parse(struct kiln_view v, net_ipv4 src, net_ipv4 dst, struct udp_hdr *h)
{
	struct kiln_view all = v;

	if (!kiln_view_u16(&v, &h->sport) || !kiln_view_u16(&v, &h->dport) ||
	    !kiln_view_u16(&v, &h->len) || !kiln_view_u16(&v, &h->csum))
		return WIRE_TRUNCATED;
	if (h->len < UDP_HDR_LEN)
		return WIRE_MALFORMED;
	if (h->len > all.len)
		return WIRE_TRUNCATED;
	if (h->csum != 0) {
		uint32_t sum =
		        net_csum_pseudo(0, src, dst, NET_PROTO_UDP, h->len);
		sum = net_csum_add(sum, all.p, h->len);
		if (net_csum_finish(sum) != 0)
			return WIRE_CHECKSUM;
	}
	kiln_view_sub(&all, UDP_HDR_LEN, h->len - UDP_HDR_LEN, &h->payload);
	return WIRE_OK;
}

size_t udp_emit(uint8_t *buf, size_t size, net_ipv4 src, net_ipv4 dst,
                uint16_t sport, uint16_t dport, const void *data,
                size_t data_len)
{
	if (size < UDP_HDR_LEN || data_len > 65535 - 20 - UDP_HDR_LEN)
		return 0;
	uint16_t len = (uint16_t)(UDP_HDR_LEN + data_len);
	wire_put16(buf, sport);
	wire_put16(buf + 2, dport);
	wire_put16(buf + 4, len);
	wire_put16(buf + 6, 0);
	uint32_t sum = net_csum_pseudo(0, src, dst, NET_PROTO_UDP, len);
	sum = net_csum_add(sum, buf, UDP_HDR_LEN);
	sum = net_csum_add(sum, data, data_len);
	uint16_t csum = net_csum_finish(sum);
	/* 0 means "no checksum"; the same sum in one's complement is all
	 * ones (RFC 768). */
	wire_put16(buf + 6, csum ? csum : 0xffff);
	return UDP_HDR_LEN;
}
