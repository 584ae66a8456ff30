/*
 * cpu_random.h - platform_entropy() from the CPU's generator, for the
 * x86_64 targets that have no host to ask (virtio, xen): RDSEED (a
 * conditioned seed, the better source) else RDRAND, each only when CPUID
 * says the CPU has it. Both are user-mode instructions. CPUID is asked
 * once (it exits to the hypervisor, slowly on some).
 */
#ifndef X86_64_CPU_RANDOM_H
#define X86_64_CPU_RANDOM_H

#include "hw.h"
#include <kiln/platform.h>
#include <stdbool.h>
#include <stdint.h>

/* Tries per word: RDRAND fails only when its generator is starved (Intel
 * advises 10 tries); RDSEED more often under load, and then RDRAND takes
 * over for that word. */
#define CPU_RANDOM_TRIES 32

/* One 64-bit value from RDSEED (seed) or RDRAND into *out; false when the
 * instruction keeps reporting no value ready (carry clear). All ones with
 * the carry set is a known failure mode (some AMD parts after a resume)
 * and is retried like a miss. */
static inline bool cpu_random_word(bool seed, uint64_t *out)
{
	for (int tries = 0; tries < CPU_RANDOM_TRIES; tries++) {
		uint64_t v;
		uint8_t ok;
		if (seed)
			__asm__ volatile("rdseed %0; setc %1"
			                 : "=r"(v), "=qm"(ok)
			                 :
			                 : "cc");
		else
			__asm__ volatile("rdrand %0; setc %1"
			                 : "=r"(v), "=qm"(ok)
			                 :
			                 : "cc");
		if (ok && v != UINT64_MAX) {
			*out = v;
			return true;
		}
		cpu_pause();
	}
	return false;
}

static int cpu_has_rdseed = -1, cpu_has_rdrand = -1;

/* CPUID.1:ECX[30] RDRAND, CPUID.(7,0):EBX[18] RDSEED. */
static inline void cpu_random_probe(void)
{
	if (cpu_has_rdrand >= 0)
		return;
	uint32_t r[4];
	cpuid(0, 0, r);
	uint32_t max = r[0];
	cpuid(1, 0, r);
	cpu_has_rdrand = (r[2] >> 30) & 1;
	cpu_has_rdseed = 0;
	if (max >= 7) {
		cpuid(7, 0, r);
		cpu_has_rdseed = (r[1] >> 18) & 1;
	}
}

/* "rdseed", "rdrand" (the instruction tried first), or NULL. */
static inline const char *cpu_random_name(void)
{
	cpu_random_probe();
	return cpu_has_rdseed ? "rdseed" : cpu_has_rdrand ? "rdrand" : NULL;
}

static inline enum platform_result cpu_random_fill(void *buf, size_t len)
{
	if (len > PLATFORM_ENTROPY_MAX)
		return PLATFORM_EINVAL;
	cpu_random_probe();
	if (!cpu_has_rdseed && !cpu_has_rdrand)
		return PLATFORM_EUNSUPPORTED;
	uint8_t *out = buf;
	while (len > 0) {
		uint64_t v;
		if (!(cpu_has_rdseed && cpu_random_word(true, &v)) &&
		    !(cpu_has_rdrand && cpu_random_word(false, &v)))
			return PLATFORM_EUNSPEC;
		size_t n = len < 8 ? len : 8;
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)(v >> (8 * i));
		out += n;
		len -= n;
	}
	return PLATFORM_OK;
}

#endif /* X86_64_CPU_RANDOM_H */
