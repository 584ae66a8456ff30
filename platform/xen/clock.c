/*
 * clock.c - time on the xen target, read at CPL 3 without exits.
 *
 * Monotonic time is Xen's system time for vCPU 0 (vcpu_time_info in the
 * shared-info page: a pvclock, scaled from the TSC), less its value at
 * boot. Wall time is the shared-info wall clock (the time of day at
 * system time 0, kept by Xen) plus the system time now.
 */
#include "clock.h"
#include "kernel.h"
#include "pvclock.h"
#include "xen.h"

#define NSEC_PER_SEC 1000000000ull

static uint64_t boot_system_time;
static platform_time last_monotonic;

static const volatile shared_info_t *shared(void)
{
	return (const volatile shared_info_t *)(uintptr_t)boot_info.shared_info;
}

static uint64_t system_time(void)
{
	return pvclock_read((const volatile struct pvclock_time *)&shared()
	                            ->vcpu_info[0]
	                            .time);
}

void clock_init(void)
{
	boot_system_time = system_time();
}

platform_time platform_clock_monotonic(void)
{
	platform_time now = (platform_time)(system_time() - boot_system_time);
	if (now < last_monotonic)
		now = last_monotonic;
	last_monotonic = now;
	return now;
}

platform_time platform_clock_wall(void)
{
	const volatile shared_info_t *s = shared();
	uint32_t version;
	uint64_t sec, nsec;
	do {
		version = s->wc_version;
		__asm__ volatile("" ::: "memory");
		sec = (uint64_t)s->wc_sec | (uint64_t)s->wc_sec_hi << 32;
		nsec = s->wc_nsec;
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != s->wc_version);
	return (platform_time)(sec * NSEC_PER_SEC + nsec + system_time());
}

uint64_t clock_xen_deadline(platform_time deadline)
{
	if (deadline < 0)
		deadline = 0;
	return boot_system_time + (uint64_t)deadline;
}
