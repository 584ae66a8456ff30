/*
 * fuzz/sd_csd.c - libFuzzer harness for the rpi3 SD driver's reading of
 * the card's CSD register: any 16 bytes give a capacity that is 0
 * (refused) or a whole number of 512-byte sectors no larger than the
 * format allows (2 TiB).
 */
#include "../platform/rpi3/sd_csd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t resp[4] = {0};
	memcpy(resp, data, size < sizeof(resp) ? size : sizeof(resp));
	uint64_t c = sd_csd_capacity(resp);
	if (c % 512 != 0 || c > (2ull << 40))
		abort();
	return 0;
}
