/*
 * entropy.c - platform_entropy() on the xen target: the CPU's RDSEED or
 * RDRAND (platform/x86_64/cpu_random.h), when CPUID says the CPU has
 * them. Xen offers a PVH guest no entropy device of its own, so on a CPU
 * without either the target has no source and a TLS image ends at start
 * (kiln_random_require).
 */
#include "cpu_random.h"

enum platform_result platform_entropy(void *buf, size_t len)
{
	return cpu_random_fill(buf, len);
}

const char *platform_entropy_source(void)
{
	const char *cpu = cpu_random_name();
	return cpu ? cpu : "none";
}
