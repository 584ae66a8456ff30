/*
 * A bare hvt guest that times the two ways out of CPL 3: a hypercall (an
 * exit to kiln-hvt: walltime, the cheapest) and a supervisor call (ring 0
 * inside the guest: guard and unguard a heap page). Prints the mean cost
 * of each, by the TSC, and exits 0. Built and run by bench/boot/run.sh.
 */
#include "hvt_abi.h"

#include <stddef.h>

#define N 2000

static void call(unsigned nr, const void *arg)
{
	__asm__ volatile("outl %0, %w1"
	                 :
	                 : "a"((uint32_t)(uintptr_t)arg),
	                   "Nd"((uint16_t)(HVT_PORT_BASE + nr))
	                 : "memory");
}

static uint64_t guard(uint64_t page, uint64_t on)
{
	uint64_t r = HVT_SUPER_GUARD_PAGE;
	__asm__ volatile("ud2\n\t.byte 0x4b, 0x53"
	                 : "+a"(r)
	                 : "D"(page), "S"(on)
	                 : "memory");
	return r;
}

static char line[128];
static size_t used;

static void put(const char *s)
{
	while (*s && used < sizeof(line))
		line[used++] = *s++;
}

static void put_u(uint64_t v)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 24);
	while (n > 0 && used < sizeof(line))
		line[used++] = d[--n];
}

static void flush(void)
{
	struct hvt_console c = {(uintptr_t)line, used};
	call(HVT_CALL_CONSOLE, &c);
	used = 0;
}

static uint64_t ns(const struct hvt_boot_info *bi, uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * bi->tsc_mult) >> 32);
}

void _start(const struct hvt_boot_info *bi)
{
	struct hvt_walltime w;
	uint64_t t0 = __builtin_ia32_rdtsc();
	for (int i = 0; i < N; i++)
		call(HVT_CALL_WALLTIME, &w);
	uint64_t t1 = __builtin_ia32_rdtsc();
	uint64_t bad = 0;
	for (int i = 0; i < N / 2; i++)
		bad |= guard(bi->heap_start, 1) | guard(bi->heap_start, 0);
	uint64_t t2 = __builtin_ia32_rdtsc();
	put("hypercall (exit to kiln-hvt): ");
	put_u(ns(bi, t1 - t0) / N);
	put(" ns; supervisor call (CPL 0 in the guest): ");
	put_u(ns(bi, t2 - t1) / N);
	put(bad ? " ns (FAILED)\n" : " ns\n");
	flush();
	struct hvt_exit e = {bad ? 1 : 0};
	call(HVT_CALL_EXIT, &e);
	__builtin_trap();
}
