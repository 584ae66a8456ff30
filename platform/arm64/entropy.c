/*
 * entropy.c - platform_entropy() on arm64: RNDR (ARMv8.5 FEAT_RNG),
 * readable at EL0, when the supervisor found it in ID_AA64ISAR0_EL1
 * (QEMU's "max" CPU has it). Without it the target has no source.
 */
#include "hw.h"
#include "kernel.h"
#include <kiln/platform.h>

enum platform_result platform_entropy(void *buf, size_t len)
{
	if (len > PLATFORM_ENTROPY_MAX)
		return PLATFORM_EINVAL;
	if (!(boot_info.flags & BOOT_RNDR))
		return PLATFORM_EUNSUPPORTED;
	uint8_t *out = buf;
	while (len > 0) {
		uint64_t v;
		if (!rndr_word(&v))
			return PLATFORM_EUNSPEC;
		size_t n = len < 8 ? len : 8;
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)(v >> (8 * i));
		out += n;
		len -= n;
	}
	return PLATFORM_OK;
}
