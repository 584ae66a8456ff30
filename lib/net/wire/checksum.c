/*
 * lib/net/wire/checksum.c - the Internet checksum (RFC 1071).
 */
#include "checksum.h"

uint32_t net_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	/* Sum 16-bit big-endian words; a 64-bit accumulator cannot overflow
	 * for any packet size this stack handles. */
	while (len >= 2) {
		acc += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint32_t net_csum_pseudo(uint32_t sum, uint32_t src, uint32_t dst,
                         uint8_t proto, uint16_t len)
{
	uint64_t acc = sum;
	acc += src >> 16;
	acc += src & 0xffff;
	acc += dst >> 16;
	acc += dst & 0xffff;
	acc += proto;
	acc += len;
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t net_csum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
