/*
 * lib/net/wire/icmp.h - ICMP for IPv4 (RFC 792): echo, destination
 * unreachable and the other errors that quote a datagram.
 */
#ifndef KILN_NET_WIRE_ICMP_H
#define KILN_NET_WIRE_ICMP_H

#include "ipv4.h"

#define ICMP_HDR_LEN 8
#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

/* Codes of ICMP_DEST_UNREACH. */
#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PROTOCOL 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_FRAG_NEEDED 4

/* How much of an offending datagram an error quotes: its IP header and
 * the first 8 bytes of its payload (RFC 792), as Linux does not go beyond
 * 576 bytes in all. */
#define ICMP_QUOTE_MAX (60 + 8)

struct icmp_msg {
	uint8_t type, code;
	uint16_t id, seq;      /* echo request and reply */
	uint32_t rest;         /* the second 32-bit word, raw */
	struct kiln_view body; /* after the 8-byte header */
	/* For errors (types 3, 4, 11, 12): the quoted datagram's header,
	 * with quoted.payload holding the quoted transport bytes. */
	struct ipv4_hdr quoted;
};

/* Parse and check the checksum over the whole message. An error type
 * whose quoted datagram is not a plausible IPv4 header is
 * WIRE_MALFORMED. */
int icmp_parse(struct kiln_view v, struct icmp_msg *m);

/* Write an echo reply (or request) header for id/seq followed by data and
 * its checksum. Returns 8 + data_len, or 0 when it does not fit. */
size_t icmp_emit_echo(uint8_t *buf, size_t size, uint8_t type, uint16_t id,
                      uint16_t seq, const void *data, size_t data_len);

/* Write an error (type/code) quoting the start of the offending datagram
 * (its IP header and first 8 payload bytes at most); rest is the second
 * header word (e.g. next-hop MTU). Returns the length, or 0. */
size_t icmp_emit_error(uint8_t *buf, size_t size, uint8_t type, uint8_t code,
                       uint32_t rest, const void *orig, size_t orig_len);

#endif /* KILN_NET_WIRE_ICMP_H */
