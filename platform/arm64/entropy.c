/*
 * entropy.c - platform_entropy() on arm64: a virtio-rng device (the
 * host's randomness; kiln run's QEMU has one) XORed with RNDR (ARMv8.5
 * FEAT_RNG, readable at EL0) when the supervisor found it in
 * ID_AA64ISAR0_EL1 (QEMU's "max" CPU has it). Either alone serves when
 * the other is missing or fails; neither: the target has no source.
 */
#include "hw.h"
#include "kernel.h"
#include "virtio_devices.h"
#include <kiln/platform.h>

static enum platform_result rndr_fill(uint8_t *out, size_t len)
{
	if (!(boot_info.flags & BOOT_RNDR))
		return PLATFORM_EUNSUPPORTED;
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

enum platform_result platform_entropy(void *buf, size_t len)
{
	if (len > PLATFORM_ENTROPY_MAX)
		return PLATFORM_EINVAL;
	uint8_t *out = buf, cpu[PLATFORM_ENTROPY_MAX];
	enum platform_result dev = virtio_rng_read(out, len);
	enum platform_result own = rndr_fill(cpu, len);
	if (own == PLATFORM_OK) {
		for (size_t i = 0; i < len; i++)
			out[i] = dev == PLATFORM_OK ? out[i] ^ cpu[i] : cpu[i];
		virtio_zero(cpu, len);
	}
	if (dev == PLATFORM_OK || own == PLATFORM_OK)
		return PLATFORM_OK;
	if (dev == PLATFORM_EUNSUPPORTED && own == PLATFORM_EUNSUPPORTED)
		return PLATFORM_EUNSUPPORTED;
	return PLATFORM_EUNSPEC;
}

const char *platform_entropy_source(void)
{
	bool rndr = boot_info.flags & BOOT_RNDR;
	if (virtio_rng_present())
		return rndr ? "virtio-rng+rndr" : "virtio-rng";
	return rndr ? "rndr" : "none";
}
