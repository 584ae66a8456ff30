/*
 * pvclock.h - the paravirtual clock page that KVM (kvmclock) and Xen
 * (vcpu_time_info in the shared-info page) publish with the same layout:
 * a system time in nanoseconds at a TSC stamp, and the TSC-to-ns scale.
 * Read at CPL 3 without leaving the guest.
 */
#ifndef X86_64_PVCLOCK_H
#define X86_64_PVCLOCK_H

#include <stdint.h>

/* The layout both hypervisors' ABIs fix (KVM's pvclock_vcpu_time_info,
 * Xen's struct vcpu_time_info). */
struct pvclock_time {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};

static inline uint64_t pvclock_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Nanoseconds of the hypervisor's system time now. The host bumps
 * version to odd while it updates the page; read until a stable, even
 * version brackets the read. */
static inline uint64_t pvclock_read(const volatile struct pvclock_time *p)
{
	uint32_t version;
	uint64_t ns;
	do {
		version = p->version;
		__asm__ volatile("" ::: "memory");
		uint64_t delta = pvclock_rdtsc() - p->tsc_timestamp;
		int8_t shift = p->tsc_shift;
		if (shift < 0)
			delta >>= -shift;
		else
			delta <<= shift;
		ns = p->system_time + (uint64_t)((unsigned __int128)delta *
		                                         p->tsc_to_system_mul >>
		                                 32);
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != p->version);
	return ns;
}

#endif /* X86_64_PVCLOCK_H */
