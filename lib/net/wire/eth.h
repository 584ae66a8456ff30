/*
 * lib/net/wire/eth.h - Ethernet II frames (no FCS, no VLAN tags).
 */
#ifndef KILN_NET_WIRE_ETH_H
#define KILN_NET_WIRE_ETH_H

#include "wire.h"
#include <stdbool.h>

#define ETH_ADDR_LEN 6
#define ETH_HDR_LEN 14
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806

struct eth_hdr {
	uint8_t dst[ETH_ADDR_LEN];
	uint8_t src[ETH_ADDR_LEN];
	uint16_t type;
	struct kiln_view payload; /* everything after the header */
};

extern const uint8_t eth_broadcast[ETH_ADDR_LEN];

/* Parse a frame's header. Types below 0x0600 (802.3 lengths) are
 * WIRE_UNSUPPORTED; a frame shorter than the header is WIRE_TRUNCATED. */
int eth_parse(struct kiln_view frame, struct eth_hdr *h);

/* Write the 14-byte header; returns 14, or 0 when size is too small. */
size_t eth_emit(uint8_t *buf, size_t size, const uint8_t dst[ETH_ADDR_LEN],
                const uint8_t src[ETH_ADDR_LEN], uint16_t type);

bool eth_addr_eq(const uint8_t a[ETH_ADDR_LEN], const uint8_t b[ETH_ADDR_LEN]);
bool eth_addr_is_multicast(const uint8_t a[ETH_ADDR_LEN]);

#endif /* KILN_NET_WIRE_ETH_H */
