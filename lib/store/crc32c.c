/*
 * lib/store/crc32c.c - CRC-32C (Castagnoli), the checksum of every
 * record and superblock; a table built on first use.
 */
#include "store_int.h"

static uint32_t table[256];
static bool ready;

uint32_t store_crc32c(uint32_t crc, const void *data, size_t len)
{
	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
			table[i] = c;
		}
		ready = true;
	}
	const uint8_t *p = data;
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}
