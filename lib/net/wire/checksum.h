/*
 * lib/net/wire/checksum.h - the Internet checksum (RFC 1071).
 *
 * Sum data in any number of pieces with net_csum_add (each piece but the
 * last must have even length), add the pseudo-header for TCP and UDP, then
 * fold. A received packet is valid when the folded sum over it (checksum
 * field included) is 0.
 */
#ifndef KILN_NET_WIRE_CHECKSUM_H
#define KILN_NET_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add len bytes at data to a running 32-bit one's-complement sum. */
uint32_t net_csum_add(uint32_t sum, const void *data, size_t len);

/* The IPv4 pseudo-header of TCP and UDP (addresses in host order). */
uint32_t net_csum_pseudo(uint32_t sum, uint32_t src, uint32_t dst,
                         uint8_t proto, uint16_t len);

/* Fold to 16 bits and complement: the value to store in the header
 * (host order; store it big-endian). */
uint16_t net_csum_finish(uint32_t sum);

#endif /* KILN_NET_WIRE_CHECKSUM_H */
