/*
 * rng.c - platform_entropy() on rpi3: the BCM2835 hardware random number
 * generator (mapped for EL0 by the supervisor).
 */
#include "hw.h"
#include "kernel.h"
#include <kiln/platform.h>

#define RNG_CTRL 0x00
#define RNG_STATUS 0x04
#define RNG_DATA 0x08
#define RNG_INT_MASK 0x10
#define RNG_CTRL_ENABLE 1u
#define RNG_INT_OFF 1u
/* Numbers thrown away after enabling, as the vendor's driver does. */
#define RNG_WARMUP 0x40000u
#define RNG_TIMEOUT 100000000 /* ns: the generator gives a word in us */

static bool started;

enum platform_result platform_entropy(void *buf, size_t len)
{
	uint64_t rng = boot_info.rng;
	if (len > PLATFORM_ENTROPY_MAX)
		return PLATFORM_EINVAL;
	if (!started) {
		mmio_write32(rng + RNG_STATUS, RNG_WARMUP);
		mmio_write32(rng + RNG_INT_MASK,
		             mmio_read32(rng + RNG_INT_MASK) | RNG_INT_OFF);
		mmio_write32(rng + RNG_CTRL, RNG_CTRL_ENABLE);
		started = true;
	}
	uint8_t *out = buf;
	platform_time give_up = platform_clock_monotonic() + RNG_TIMEOUT;
	while (len > 0) {
		/* Bits 31:24 of the status: words ready to read. */
		if ((mmio_read32(rng + RNG_STATUS) >> 24) == 0) {
			if (platform_clock_monotonic() > give_up)
				return PLATFORM_EUNSPEC;
			cpu_pause();
			continue;
		}
		uint32_t v = mmio_read32(rng + RNG_DATA);
		size_t n = len < 4 ? len : 4;
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)(v >> (8 * i));
		out += n;
		len -= n;
	}
	return PLATFORM_OK;
}

const char *platform_entropy_source(void)
{
	return "bcm2835-rng";
}
