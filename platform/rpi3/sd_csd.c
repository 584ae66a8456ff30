/*
 * sd_csd.c - the card's capacity from its CSD (see sd_csd.h).
 */
#include "sd_csd.h"

/* Bits hi..lo (inclusive, CSD numbering, lo >= 8) of the response. */
static uint32_t bits(const uint32_t r[4], unsigned hi, unsigned lo)
{
	uint32_t v = 0;
	for (unsigned b = hi + 1; b-- > lo;) {
		unsigned n = b - 8;
		v = v << 1 | ((r[n / 32] >> (n % 32)) & 1);
	}
	return v;
}

uint64_t sd_csd_capacity(const uint32_t resp[4])
{
	unsigned structure = bits(resp, 127, 126);
	if (structure == 0) {
		/* 1.0 (standard capacity): (C_SIZE + 1) * 2^(C_SIZE_MULT +
		 * 2) blocks of 2^READ_BL_LEN bytes, READ_BL_LEN 9..11. */
		unsigned read_bl_len = bits(resp, 83, 80);
		unsigned c_size = bits(resp, 73, 62);
		unsigned mult = bits(resp, 49, 47);
		if (read_bl_len < 9 || read_bl_len > 11)
			return 0;
		return (uint64_t)(c_size + 1) << (mult + 2 + read_bl_len);
	}
	if (structure == 1) {
		/* 2.0 (high and extended capacity): (C_SIZE + 1) * 512 KiB. */
		uint32_t c_size = bits(resp, 69, 48);
		return ((uint64_t)c_size + 1) << 19;
	}
	return 0;
}
