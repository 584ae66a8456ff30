/*
 * lib/net/wire/ipv4.h - IPv4 headers (RFC 791).
 */
#ifndef KILN_NET_WIRE_IPV4_H
#define KILN_NET_WIRE_IPV4_H

#include "wire.h"
#include <kiln/net.h>
#include <stdbool.h>

#define IPV4_HDR_LEN 20 /* without options */
#define IPV4_MAX_LEN 65535
#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_FLAG_RESERVED 0x8000
#define IPV4_FRAG_MASK 0x1fff

struct ipv4_hdr {
	uint8_t hdr_len; /* bytes, options included (20..60) */
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	bool df, mf;
	uint16_t frag_offset; /* in bytes (the field times 8) */
	uint8_t ttl;
	uint8_t proto;
	net_ipv4 src, dst;
	struct kiln_view payload; /* total_len - hdr_len bytes */
};

/*
 * Parse and validate a received packet: version 4; IHL at least 5 and
 * within the total length; total length within the data (link-layer
 * padding after it is ignored); header checksum; TTL not 0; the reserved
 * flag clear; a fragment (MF or offset set) whose end does not pass 65535
 * bytes and, unless it is the last, whose length is a multiple of 8.
 * Options are skipped as a block (never interpreted).
 */
int ipv4_parse(struct kiln_view v, struct ipv4_hdr *h);

/*
 * Parse the IP header quoted inside an ICMP error: the original datagram
 * is cut short, so only version, IHL and that the header itself is there
 * are checked; the payload view holds the quoted bytes after the header
 * (at least 8 of them, else WIRE_TRUNCATED).
 */
int ipv4_parse_quoted(struct kiln_view v, struct ipv4_hdr *h);

/* Write a 20-byte header (no options) with its checksum, for a payload of
 * payload_len bytes. frag_offset is in bytes (a multiple of 8). Returns 20
 * or 0 when size is too small or the packet would be too long. */
size_t ipv4_emit(uint8_t *buf, size_t size, const struct ipv4_hdr *h,
                 size_t payload_len);

#endif /* KILN_NET_WIRE_IPV4_H */
