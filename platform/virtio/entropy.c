/*
 * entropy.c - platform_entropy() on the virtio target: a virtio-rng device
 * (the host's randomness; kiln run's QEMU has one) XORed with the CPU's
 * RDSEED or RDRAND (platform/x86_64/cpu_random.h) when CPUID says the CPU
 * has them. Either alone serves when the other is missing or fails; the
 * XOR of the two is no weaker than the better one. Neither: the target
 * has no source.
 */
#include "cpu_random.h"
#include "virtio_devices.h"

enum platform_result platform_entropy(void *buf, size_t len)
{
	if (len > PLATFORM_ENTROPY_MAX)
		return PLATFORM_EINVAL;
	uint8_t *out = buf, cpu[PLATFORM_ENTROPY_MAX];
	enum platform_result dev = virtio_rng_read(out, len);
	enum platform_result own = cpu_random_fill(cpu, len);
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
	const char *cpu = cpu_random_name();
	if (!virtio_rng_present())
		return cpu ? cpu : "none";
	if (!cpu)
		return "virtio-rng";
	return cpu_has_rdseed ? "virtio-rng+rdseed" : "virtio-rng+rdrand";
}
