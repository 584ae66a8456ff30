/*
 * lib/net/wire/arp.c - ARP for IPv4 over Ethernet (RFC 826).
 */
#include "arp.h"

int arp_parse(struct kiln_view v, struct arp_pkt *a)
{
	uint16_t htype, ptype;
	uint8_t hlen, plen;

	if (!kiln_view_u16(&v, &htype) || !kiln_view_u16(&v, &ptype) ||
	    !kiln_view_u8(&v, &hlen) || !kiln_view_u8(&v, &plen) ||
	    !kiln_view_u16(&v, &a->op))
		return WIRE_TRUNCATED;
	if (htype != 1 || ptype != ETH_TYPE_IPV4 || hlen != ETH_ADDR_LEN ||
	    plen != 4)
		return WIRE_UNSUPPORTED;
	if (!kiln_view_copy(&v, a->sha, ETH_ADDR_LEN) ||
	    !kiln_view_u32(&v, &a->spa) ||
	    !kiln_view_copy(&v, a->tha, ETH_ADDR_LEN) ||
	    !kiln_view_u32(&v, &a->tpa))
		return WIRE_TRUNCATED;
	if (a->op != ARP_OP_REQUEST && a->op != ARP_OP_REPLY)
		return WIRE_UNSUPPORTED;
	/* A sender claiming a group address is never legitimate. */
	if (eth_addr_is_multicast(a->sha))
		return WIRE_MALFORMED;
	return WIRE_OK;
}

size_t arp_emit(uint8_t *buf, size_t size, const struct arp_pkt *a)
{
	if (size < ARP_LEN)
		return 0;
	wire_put16(buf, 1);
	wire_put16(buf + 2, ETH_TYPE_IPV4);
	buf[4] = ETH_ADDR_LEN;
	buf[5] = 4;
	wire_put16(buf + 6, a->op);
	for (int i = 0; i < ETH_ADDR_LEN; i++) {
		buf[8 + i] = a->sha[i];
		buf[18 + i] = a->tha[i];
	}
	wire_put32(buf + 14, a->spa);
	wire_put32(buf + 24, a->tpa);
	return ARP_LEN;
}
