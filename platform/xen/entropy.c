/*
 * entropy.c - platform_entropy() on the xen target: the CPU's RDSEED or
 * RDRAND (platform/x86_64/cpu_random.h), as on virtio.
 */
#include "cpu_random.h"

enum platform_result platform_entropy(void *buf, size_t len)
{
	return cpu_random_fill(buf, len);
}
