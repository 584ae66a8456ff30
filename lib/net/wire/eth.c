/*
 * lib/net/wire/eth.c - Ethernet II frames.
 */
#include "eth.h"

const uint8_t eth_broadcast[ETH_ADDR_LEN] = {0xff, 0xff, 0xff,
                                             0xff, 0xff, 0xff};

int eth_parse(struct kiln_view frame, struct eth_hdr *h)
{
	if (!kiln_view_copy(&frame, h->dst, ETH_ADDR_LEN) ||
	    !kiln_view_copy(&frame, h->src, ETH_ADDR_LEN) ||
	    !kiln_view_u16(&frame, &h->type))
		return WIRE_TRUNCATED;
	/* Values up to 1500 are IEEE 802.3 lengths, not EtherTypes. */
	if (h->type < 0x0600)
		return WIRE_UNSUPPORTED;
	h->payload = frame;
	return WIRE_OK;
}

size_t eth_emit(uint8_t *buf, size_t size, const uint8_t dst[ETH_ADDR_LEN],
                const uint8_t src[ETH_ADDR_LEN], uint16_t type)
{
	if (size < ETH_HDR_LEN)
		return 0;
	for (int i = 0; i < ETH_ADDR_LEN; i++) {
		buf[i] = dst[i];
		buf[ETH_ADDR_LEN + i] = src[i];
	}
	wire_put16(buf + 12, type);
	return ETH_HDR_LEN;
}

bool eth_addr_eq(const uint8_t a[ETH_ADDR_LEN], const uint8_t b[ETH_ADDR_LEN])
{
	for (int i = 0; i < ETH_ADDR_LEN; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

bool eth_addr_is_multicast(const uint8_t a[ETH_ADDR_LEN])
{
	return a[0] & 1; /* the group bit; broadcast included */
}
