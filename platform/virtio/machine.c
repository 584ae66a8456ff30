/*
 * machine.c - the virtio target's ring-0 side of the shared x86_64
 * supervisor (platform/x86_64/supervisor.c): the 16550 UART for reports,
 * the legacy PICs masked, the local APIC (timer and EOI) and I/O APIC,
 * KVM's paravirtual clock, and this target's supervisor calls (sleep in
 * hlt, map a device window, route a device interrupt).
 *
 * Everything here is ring-0 code: general registers only, kept short.
 */
#include "kernel.h"
RING0_CODE

#include "apic.h"
#include "hw.h"
#include "paging.h"
#include "serial.h"

#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)

const char machine_name[] = "virtio";

/* Ports CPL 3 uses: COM1, COM2 (the host's stop request, stop.c),
 * isa-debug-exit, the i8042 reset, the CMOS RTC, the PIT (calibration),
 * PCI configuration. */
const struct port_range machine_user_ports[] = {
        {0x3f8, 8}, {0x2f8, 8}, {0xf4, 4}, {0x64, 1},
        {0x70, 2},  {0x40, 4},  {0xcf8, 8}};
const unsigned machine_user_port_count =
        sizeof(machine_user_ports) / sizeof(machine_user_ports[0]);

/* entry.S's fast paths (supervisor.c). */
extern volatile uint32_t supervisor_irq_pending;
extern uint8_t supervisor_fast_sleep;
extern uint64_t supervisor_eoi_register;

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void machine_console_write(const char *s, size_t n)
{
	serial_write(s, n);
}

void machine_boot_early(void)
{
	serial_init();
}

bool machine_memory_map(struct pvh_ram *ram, unsigned max, unsigned *count)
{
	(void)ram;
	(void)max;
	(void)count;
	return false; /* QEMU and Firecracker always pass a map */
}

void machine_map(void)
{
	/* Device windows are mapped on request (SYS_MAP_MMIO). */
}

/* Remap the legacy PICs away from the exception vectors and mask them:
 * interrupts come through the APICs. */
static void disable_pic(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0xf0);
	outb(0xa1, 0xf8);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/* KVM's paravirtual clock, when the hypervisor is KVM. */
static void setup_kvmclock(void)
{
	uint32_t r[4];
	cpuid(0x40000000, 0, r);
	if (r[1] != 0x4b4d564b || r[2] != 0x564b4d56 || r[3] != 0x4d)
		return; /* "KVMKVMKVM\0\0\0" */
	cpuid(0x40000001, 0, r);
	if (!(r[0] & KVM_FEATURE_CLOCKSOURCE2))
		return;
	wrmsr(MSR_KVM_WALL_CLOCK_NEW, (uint64_t)(uintptr_t)&boot_info.pvwall);
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW,
	      (uint64_t)(uintptr_t)&boot_info.pvclock | 1);
	boot_info.flags |= BOOT_KVMCLOCK;
}

void machine_setup(void)
{
	/* The timer and device vectors: entry.S acknowledges them itself. */
	for (unsigned v = TIMER_VECTOR; v < DEVICE_VECTOR_BASE + DEVICE_VECTORS;
	     v++)
		supervisor_set_gate(v, 0, 0);
	disable_pic();
	boot_info.flags |= apic_init(&boot_info.lapic_id);
	supervisor_eoi_register = apic_eoi_register();
	supervisor_fast_sleep = (boot_info.flags & BOOT_TSC_DEADLINE) != 0;
	setup_kvmclock();
}

void machine_interrupt(struct trap_frame *f)
{
	/* Only the timer and device vectors have gates, and entry.S takes
	 * those: anything else is a surprise worth reporting. */
	supervisor_fault(f);
}

/* ------------------------------------------------------------- calls */

static int64_t sys_sleep(uint64_t deadline)
{
	if (!supervisor_irq_pending) {
		if (deadline != UINT64_MAX) {
			if (!apic_timer_available())
				return 0; /* no timer: the caller polls */
			if (rdtsc() >= deadline)
				return 0;
			apic_timer_arm(deadline);
		}
		/* sti's one-instruction shadow covers hlt: an interrupt
		 * already pending wakes the hlt instead of being lost. */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		if (deadline != UINT64_MAX)
			apic_timer_disarm();
	}
	uint64_t ready = supervisor_irq_pending;
	supervisor_irq_pending = 0;
	return (int64_t)ready;
}

static int64_t sys_map_mmio(uint64_t a, uint64_t len)
{
	uint64_t lo = a & ~(PAGE_SIZE - 1);
	uint64_t hi = align_up(a + len, PAGE_SIZE);
	if (len == 0 || len > (1ull << 30) || hi < lo || hi > (1ull << 52) ||
	    supervisor_overlaps_ram(lo, hi - lo))
		return -1;
	/* The APICs stay the supervisor's. */
	if (lo < IOAPIC2_BASE + PAGE_SIZE && IOAPIC_BASE < hi)
		return -1;
	if (lo < LAPIC_DEFAULT_BASE + PAGE_SIZE && LAPIC_DEFAULT_BASE < hi)
		return -1;
	if (!paging_map(lo, hi - lo, PTE_US | PTE_RW | PTE_NX | PTE_PCD))
		return -1;
	paging_flush();
	return 0;
}

void machine_call(struct trap_frame *f)
{
	switch (f->rax) {
	case SYS_SLEEP:
		f->rax = (uint64_t)sys_sleep(f->rdi);
		break;
	case SYS_MAP_MMIO:
		f->rax = (uint64_t)sys_map_mmio(f->rdi, f->rsi);
		break;
	case SYS_IRQ_ROUTE:
		f->rax = f->rsi < DEVICE_VECTORS &&
		                         ioapic_route(
		                                 (uint32_t)f->rdi,
		                                 (uint8_t)(DEVICE_VECTOR_BASE +
		                                           f->rsi))
		                 ? 0
		                 : (uint64_t)-1;
		break;
	default:
		f->rax = (uint64_t)-1;
	}
}
