/*
 * apic.c - local APIC timer and I/O APIC routing (xAPIC, memory-mapped).
 */
#include "kernel.h"
RING0_CODE

#include "apic.h"
#include "hw.h"
#include "paging.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define MSR_TSC_DEADLINE 0x6e0

#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)

static uintptr_t lapic KERNEL_BSS;
static bool tsc_deadline_mode KERNEL_BSS;
static bool oneshot_mode KERNEL_BSS;
/* One-shot mode: LAPIC timer ticks per TSC tick, as 32.32 fixed point. */
static uint64_t ticks_per_tsc_q32 KERNEL_BSS;

static uint32_t lapic_read(unsigned reg)
{
	return mmio_read32(lapic + reg);
}

static void lapic_write(unsigned reg, uint32_t v)
{
	mmio_write32(lapic + reg, v);
}

/* Count how fast the LAPIC timer runs against the TSC: let it count down
 * for about a million ticks (1 ms at QEMU's and KVM's 1 GHz). */
static bool calibrate_oneshot(void)
{
	lapic_write(LAPIC_TIMER_DIVIDE, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INITIAL, 0xffffffffu);
	uint64_t t0 = rdtsc();
	uint32_t now;
	do {
		now = lapic_read(LAPIC_TIMER_CURRENT);
		if (rdtsc() - t0 > 20000000000ull) /* seconds: timer dead */
			return false;
	} while (0xffffffffu - now < 1000000u);
	uint64_t t1 = rdtsc();
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	uint64_t ticks = 0xffffffffu - now;
	if (t1 == t0)
		return false;
	ticks_per_tsc_q32 = (ticks << 32) / (t1 - t0);
	return ticks_per_tsc_q32 != 0;
}

uint32_t apic_init(uint32_t *lapic_id)
{
	uint32_t r[4];
	uint32_t flags = 0;

	cpuid(1, 0, r);
	if (!(r[3] & (1u << 9))) /* no local APIC: no timer, no interrupts */
		return 0;
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = (uintptr_t)(base & 0xffffff000ull);
	if (!paging_map(lapic, PAGE_SIZE, PTE_RW | PTE_NX | PTE_PCD))
		return 0;
	paging_flush();

	lapic_write(LAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	*lapic_id = lapic_read(LAPIC_ID) >> 24;

	if (r[2] & (1u << 24)) {
		tsc_deadline_mode = true;
		lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | TIMER_VECTOR);
		flags |= BOOT_TSC_DEADLINE;
	} else if (calibrate_oneshot()) {
		oneshot_mode = true;
		lapic_write(LAPIC_LVT_TIMER, TIMER_VECTOR);
		flags |= BOOT_LAPIC_TIMER;
	}

	/* The I/O APICs: map them; routing checks they answer. */
	if (paging_map(IOAPIC_BASE, PAGE_SIZE, PTE_RW | PTE_NX | PTE_PCD) &&
	    paging_map(IOAPIC2_BASE, PAGE_SIZE, PTE_RW | PTE_NX | PTE_PCD)) {
		paging_flush();
		mmio_write32(IOAPIC_BASE, 1);
		uint32_t ver = mmio_read32(IOAPIC_BASE + 0x10);
		if (ver != 0 && ver != 0xffffffffu)
			flags |= BOOT_IOAPIC;
	}
	return flags;
}

bool apic_timer_available(void)
{
	return tsc_deadline_mode || oneshot_mode;
}

void apic_timer_arm(uint64_t deadline)
{
	if (tsc_deadline_mode) {
		wrmsr(MSR_TSC_DEADLINE, deadline ? deadline : 1);
	} else if (oneshot_mode) {
		uint64_t now = rdtsc();
		uint64_t delta = deadline > now ? deadline - now : 1;
		unsigned __int128 t =
		        (unsigned __int128)delta * ticks_per_tsc_q32 >> 32;
		/* Too far ahead for the counter: wake early; the caller
		 * sleeps again. */
		uint32_t ticks = t > 0xffffffffu ? 0xffffffffu : (uint32_t)t;
		lapic_write(LAPIC_TIMER_INITIAL, ticks ? ticks : 1);
	}
}

void apic_timer_disarm(void)
{
	if (tsc_deadline_mode)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else if (oneshot_mode)
		lapic_write(LAPIC_TIMER_INITIAL, 0);
}

uint64_t apic_eoi_register(void)
{
	return lapic + LAPIC_EOI;
}

static uint32_t ioapic_read(uintptr_t base, uint32_t reg)
{
	mmio_write32(base, reg);
	return mmio_read32(base + 0x10);
}

static void ioapic_write(uintptr_t base, uint32_t reg, uint32_t v)
{
	mmio_write32(base, reg);
	mmio_write32(base + 0x10, v);
}

bool ioapic_route(uint32_t gsi, uint8_t vector)
{
	/* QEMU's microvm has a second I/O APIC for inputs past the first
	 * one's (24) when it has more virtio-mmio slots. */
	uintptr_t bases[2] = {IOAPIC_BASE, IOAPIC2_BASE};
	uint32_t first = 0;
	for (int i = 0; i < 2; i++) {
		uint32_t ver = ioapic_read(bases[i], 1);
		if (ver == 0 || ver == 0xffffffffu)
			return false;
		uint32_t count = ((ver >> 16) & 0xff) + 1;
		if (gsi < first + count) {
			uint32_t pin = gsi - first;
			uint32_t id = lapic ? lapic_read(LAPIC_ID) >> 24 : 0;
			ioapic_write(bases[i], 0x11 + 2 * pin, id << 24);
			ioapic_write(bases[i], 0x10 + 2 * pin, vector);
			return true;
		}
		first += count;
	}
	return false;
}
