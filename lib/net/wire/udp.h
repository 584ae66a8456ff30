/*
 * lib/net/wire/udp.h - UDP headers (RFC 768).
 */
#ifndef KILN_NET_WIRE_UDP_H
#define KILN_NET_WIRE_UDP_H

#include "wire.h"
#include <kiln/net.h>

#define UDP_HDR_LEN 8

struct udp_hdr {
	uint16_t sport, dport;
	uint16_t len; /* header and data */
	uint16_t csum;
	struct kiln_view payload; /* len - 8 bytes */
};

/* Parse a datagram carried from src to dst: the length field must be at
 * least 8 and within the IP payload (bytes after it are ignored); a
 * non-zero checksum is verified with the pseudo-header. */
int udp_parse(struct kiln_view v, net_ipv4 src, net_ipv4 dst,
              struct udp_hdr *h);

/* Write the 8-byte header for data_len bytes of data that will follow
 * it, with the checksum over the pseudo-header, the header and data
 * (data need not be in buf). Returns 8, or 0 if too small/too long. */
size_t udp_emit(uint8_t *buf, size_t size, net_ipv4 src, net_ipv4 dst,
                uint16_t sport, uint16_t dport, const void *data,
                size_t data_len);

#endif /* KILN_NET_WIRE_UDP_H */
