/*
 * lib/net/wire/arp.h - ARP for IPv4 over Ethernet (RFC 826).
 */
#ifndef KILN_NET_WIRE_ARP_H
#define KILN_NET_WIRE_ARP_H

#include "eth.h"
#include <kiln/net.h>

#define ARP_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

struct arp_pkt {
	uint16_t op;
	uint8_t sha[ETH_ADDR_LEN]; /* sender hardware address */
	net_ipv4 spa;              /* sender protocol address */
	uint8_t tha[ETH_ADDR_LEN];
	net_ipv4 tpa;
};

/* Parse an ARP packet (trailing padding is allowed). Anything other than
 * Ethernet/IPv4 with 6/4-byte addresses, or an op other than request and
 * reply, is WIRE_UNSUPPORTED. */
int arp_parse(struct kiln_view v, struct arp_pkt *a);

/* Write the 28-byte packet; returns 28 or 0 when size is too small. */
size_t arp_emit(uint8_t *buf, size_t size, const struct arp_pkt *a);

#endif /* KILN_NET_WIRE_ARP_H */
