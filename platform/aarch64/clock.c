/*
 * clock.c - the monotonic and wall clocks of kiln/platform.h on the
 * aarch64 targets, at EL0.
 *
 * Monotonic time is the virtual counter (CNTVCT_EL0, offset 0 from EL2)
 * scaled by its frequency (CNTFRQ_EL0: 62.5 MHz under QEMU, 19.2 MHz on a
 * Raspberry Pi 3) with 32.32 fixed-point factors, so that no division is
 * needed per reading. Wall time is what the board knew at boot
 * (boot_info.wall_at_boot, from the PL031 on arm64) plus the time since.
 */
#include "clock.h"
#include "hw.h"
#include "kernel.h"

static uint64_t start, to_ns, to_counter;

void clock_init(void)
{
	uint64_t freq = counter_frequency();
	if (freq == 0)
		platform_abort("the generic timer reports a frequency of 0");
	/* 10^9 * 2^32 fits in 64 bits; so does freq * 2^32 for any
	 * frequency below 4 GHz. */
	to_ns = (1000000000ull << 32) / freq;
	to_counter = (freq << 32) / 1000000000ull + 1;
	start = counter_now();
}

static platform_time ticks_to_ns(uint64_t ticks)
{
	return (platform_time)(((unsigned __int128)ticks * to_ns) >> 32);
}

platform_time platform_clock_monotonic(void)
{
	return ticks_to_ns(counter_now() - start);
}

platform_time platform_clock_wall(void)
{
	if (boot_info.wall_at_boot == 0)
		return platform_clock_monotonic();
	return boot_info.wall_at_boot +
	       ticks_to_ns(counter_now() - boot_info.counter_at_boot);
}

uint64_t clock_deadline_counter(platform_time t)
{
	if (t <= 0)
		return start;
	return start + (uint64_t)(((unsigned __int128)t * to_counter) >> 32) +
	       1;
}
