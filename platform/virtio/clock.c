/*
 * clock.c - time on the virtio target, read at CPL 3 without exits.
 *
 * Monotonic time comes from the TSC. Its rate is taken, in order of
 * preference, from:
 *   1. KVM's paravirtual clock (kvmclock): the host publishes the scale
 *      in a page the supervisor registered at boot; exact under KVM;
 *   2. CPUID leaf 0x15 (TSC/crystal ratio and crystal frequency);
 *   3. CPUID leaf 0x40000010 (hypervisor timing leaf, TSC in kHz);
 *   4. CPUID leaf 0x16 (base frequency in MHz);
 *   5. counting TSC ticks over 10 ms of the PIT's channel 0.
 * Wall time is kvmclock's wall-clock base when there, else the CMOS RTC
 * read once at boot.
 */
#include "clock.h"
#include "hw.h"
#include "kernel.h"
#include "serial.h"

#define NSEC_PER_SEC 1000000000ull

static const char *source = "none";
static uint64_t tsc_hz;
static uint64_t tsc_boot;
static uint64_t ns_per_tsc_q32; /* TSC mode: ns = ticks * this >> 32 */
static uint64_t tsc_per_ns_q32; /* both modes, for timer deadlines */
static platform_time kvm_boot_ns;
static platform_time wall_at_boot;
static platform_time last_monotonic;

static uint64_t scale_q32(uint64_t v, uint64_t q32)
{
	return (uint64_t)((unsigned __int128)v * q32 >> 32);
}

/* kvmclock: nanoseconds since the host's reference, per the KVM ABI. */
static uint64_t kvmclock_read(void)
{
	return pvclock_read(&boot_info.pvclock);
}

/* Read PIT channel 0's counter (latched). */
static uint16_t pit_read(void)
{
	outb(0x43, 0x00);
	uint8_t lo = inb(0x40);
	uint8_t hi = inb(0x40);
	return (uint16_t)(hi << 8 | lo);
}

/* Count TSC ticks over about 10 ms of PIT channel 0 (1.193182 MHz),
 * reading its counter rather than waiting for an interrupt (the PICs are
 * masked) or using port 0x61 (absent on microvm). */
static uint64_t pit_calibrate(void)
{
	const uint64_t pit_hz = 1193182, want = pit_hz / 100;
	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2 (rate) */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	uint16_t prev = pit_read();
	uint64_t t0 = rdtsc(), elapsed = 0;
	unsigned long polls = 0, still = 0;
	while (elapsed < want) {
		uint16_t now = pit_read();
		if (now == prev) {
			/* A missing PIT reads 0xffff forever. */
			if (++still > 1000000)
				return 0;
			continue;
		}
		still = 0;
		/* Counts down and reloads at the top (mode 2). */
		elapsed += (uint16_t)(prev - now);
		prev = now;
		polls++;
	}
	uint64_t t1 = rdtsc();
	if (polls < 10)
		return 0;
	return (t1 - t0) * pit_hz / elapsed;
}

static uint64_t tsc_rate_from_cpuid(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	uint32_t max = r[0];
	if (max >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2]) {
			source = "tsc (cpuid 0x15)";
			return (uint64_t)r[2] * r[1] / r[0];
		}
	}
	cpuid(0x40000000, 0, r);
	if (r[0] >= 0x40000010 && r[0] < 0x40000100) {
		cpuid(0x40000010, 0, r);
		if (r[0]) {
			source = "tsc (cpuid 0x40000010)";
			return (uint64_t)r[0] * 1000;
		}
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, r);
		if (r[0] & 0xffff) {
			source = "tsc (cpuid 0x16)";
			return (uint64_t)(r[0] & 0xffff) * 1000000;
		}
	}
	return 0;
}

/* ----------------------------------------------------------- wall time */

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned from_bcd(uint8_t v, int binary)
{
	return binary ? v : (unsigned)((v >> 4) * 10 + (v & 0xf));
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static platform_time rtc_read_wall(void)
{
	for (unsigned i = 0; i < 100000 && (cmos_read(0x0a) & 0x80); i++)
		cpu_pause();
	uint8_t b = cmos_read(0x0b);
	if (b == 0xff)
		return 0; /* no RTC */
	int binary = b & 0x04;
	unsigned sec = from_bcd(cmos_read(0x00), binary);
	unsigned min = from_bcd(cmos_read(0x02), binary);
	uint8_t hraw = cmos_read(0x04);
	unsigned hour = from_bcd(hraw & 0x7f, binary);
	unsigned day = from_bcd(cmos_read(0x07), binary);
	unsigned mon = from_bcd(cmos_read(0x08), binary);
	unsigned year = from_bcd(cmos_read(0x09), binary);
	if (!(b & 0x02) && (hraw & 0x80))
		hour = (hour % 12) + 12; /* 12-hour mode, PM */
	if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 ||
	    mon < 1 || mon > 12 || year > 99)
		return 0;
	int64_t days = days_from_civil(2000 + year, mon, day);
	return (platform_time)(((days * 24 + hour) * 60 + min) * 60 + sec) *
	       (platform_time)NSEC_PER_SEC;
}

/* -------------------------------------------------------------- public */

void clock_init(void)
{
	tsc_boot = rdtsc();
	if (boot_info.flags & BOOT_KVMCLOCK) {
		source = "kvmclock";
		kvm_boot_ns = (platform_time)kvmclock_read();
		volatile struct pvclock_time *p = &boot_info.pvclock;
		/* ticks per ns = 2^32 / mul, adjusted by the shift. */
		uint64_t q = UINT64_MAX / p->tsc_to_system_mul;
		int8_t shift = p->tsc_shift;
		tsc_per_ns_q32 = shift >= 0 ? q >> shift : q << -shift;
		tsc_hz = scale_q32(NSEC_PER_SEC, tsc_per_ns_q32);
		volatile struct pvclock_wall *w = &boot_info.pvwall;
		wall_at_boot =
		        (platform_time)w->sec * (platform_time)NSEC_PER_SEC +
		        w->nsec + kvm_boot_ns;
	} else {
		tsc_hz = tsc_rate_from_cpuid();
		if (!tsc_hz) {
			tsc_hz = pit_calibrate();
			source = "tsc (PIT calibration)";
		}
		if (!tsc_hz) {
			/* Nothing to measure against: a guess, said aloud. */
			tsc_hz = 1000000000ull;
			source = "tsc (rate unknown, assuming 1 GHz)";
		}
		tsc_boot = rdtsc();
		ns_per_tsc_q32 = (uint64_t)((NSEC_PER_SEC << 32) / tsc_hz);
		tsc_per_ns_q32 = ((tsc_hz / 1000) << 32) / 1000000;
		wall_at_boot = rtc_read_wall();
	}
}

const char *clock_source(void)
{
	return source;
}

uint64_t clock_tsc_hz(void)
{
	return tsc_hz;
}

platform_time platform_clock_monotonic(void)
{
	platform_time now;
	if (boot_info.flags & BOOT_KVMCLOCK)
		now = (platform_time)kvmclock_read() - kvm_boot_ns;
	else
		now = (platform_time)scale_q32(rdtsc() - tsc_boot,
		                               ns_per_tsc_q32);
	if (now < last_monotonic)
		now = last_monotonic;
	last_monotonic = now;
	return now;
}

platform_time platform_clock_wall(void)
{
	return wall_at_boot + platform_clock_monotonic();
}

uint64_t clock_deadline_tsc(platform_time deadline)
{
	platform_time now = platform_clock_monotonic();
	uint64_t tsc = rdtsc();
	if (deadline <= now)
		return tsc;
	uint64_t delta = (uint64_t)(deadline - now);
	/* Beyond an hour, wake early and sleep again. */
	if (delta > 3600 * NSEC_PER_SEC)
		delta = 3600 * NSEC_PER_SEC;
	return tsc + scale_q32(delta, tsc_per_ns_q32);
}
