/*
 * lib/net/wire/checksum.c - the Internet checksum (RFC 1071).
 */
#include "checksum.h"
#include <string.h>

uint32_t net_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = 0;

	/* The bulk, 8 bytes at a time in the host's byte order: a one's
	 * complement sum of 32-bit words folds to the same value as one of
	 * 16-bit words, and summing in the other byte order gives the
	 * byte-swapped sum (RFC 1071, 2.(B) and 2.(C)). The 64-bit
	 * accumulator takes 2^32 additions before it could overflow. */
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, sizeof(w));
		acc += (w & 0xffffffff) + (w >> 32);
		p += 8;
		len -= 8;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	acc = (acc & 0xff) << 8 | acc >> 8;
#endif
	acc += sum;

	/* The tail as big-endian 16-bit words. */
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
