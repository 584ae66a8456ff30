/*
 * machine.c - the arm64 target's EL1 side (QEMU virt): the board's
 * description from the device tree, its devices' mappings, the GIC and
 * the virtual timer (the sleep), the PL031 wall clock, PSCI power-off.
 * Hooks of the shared supervisor (platform/aarch64/kernel.h).
 */
#include "kernel.h"
EL1_CODE

#include "fdt.h"
#include "gic.h"
#include "hw.h"
#include "pl011.h"

const char machine_name[] = "arm64";

/* QEMU virt: RAM from 1 GiB; an ELF image is entered with x0 = 0 and the
 * device tree at the start of RAM, a raw Image with x0 = its address. */
#define VIRT_RAM_BASE 0x40000000ull
#define VIRT_UART 0x09000000ull /* for reports until the tree is read */
#define FDT_MAX (2u << 20)
#define TIMER_DEFAULT_INTID 27 /* the virtual timer's PPI 11 */
#define PSCI_SYSTEM_OFF 0x84000008u
#define CNTV_CTL_ENABLE 1u
#define CNTV_CTL_ISTATUS 4u
#define PL031_DR 0x000

static struct fdt_info dt KERNEL_BSS;
static uint32_t timer_intid KERNEL_BSS;
/* Device slot of each SPI the application routed (slot + 1; 0: none). */
static uint8_t spi_slot[1020] KERNEL_BSS;

void machine_boot(uint64_t x0)
{
	char err[96];
	supervisor_console = VIRT_UART;
	uint64_t blob = x0 && fdt_total_size((void *)(uintptr_t)x0)
	                        ? x0
	                        : VIRT_RAM_BASE;
	if (fdt_parse((const void *)(uintptr_t)blob, FDT_MAX, &dt, err,
	              sizeof(err)) != 0)
		supervisor_boot_fail(err);
	if (dt.uart.size == 0)
		supervisor_boot_fail("no PL011 in the device tree");
	supervisor_console = dt.uart.base;
	pl011_init(supervisor_console, 0);
	/* The RAM range that holds the image. */
	uint64_t image = (uintptr_t)__image_start;
	for (unsigned i = 0; i < dt.memory_count; i++) {
		if (image >= dt.memory[i].base &&
		    image - dt.memory[i].base < dt.memory[i].size) {
			supervisor_ram_base = dt.memory[i].base;
			supervisor_ram_size = dt.memory[i].size;
		}
	}
	if (supervisor_ram_size == 0)
		supervisor_boot_fail("no memory range in the device tree holds "
		                     "the image");
	if (dt.bootargs_truncated)
		supervisor_boot_fail("boot arguments longer than 4095 bytes");
	for (unsigned i = 0; i < sizeof(dt.bootargs); i++) {
		boot_info.cmdline[i] = dt.bootargs[i];
		if (!dt.bootargs[i])
			break;
	}
	if (dt.gic_version == 0)
		supervisor_boot_fail("no GICv2 or GICv3 in the device tree");
	timer_intid =
	        dt.timer_virt_intid ? dt.timer_virt_intid : TIMER_DEFAULT_INTID;
	for (unsigned i = 0; i < dt.virtio_count; i++) {
		if (dt.virtio[i].size < 0x200 || dt.virtio[i].size > 0x10000)
			continue; /* not a virtio-mmio register window */
		unsigned n = boot_info.virtio_count++;
		boot_info.virtio[n].base = dt.virtio[i].base;
		boot_info.virtio[n].size = dt.virtio[i].size;
		boot_info.virtio[n].intid = dt.virtio[i].intid;
	}
	boot_info.gic_version = dt.gic_version;
}

void machine_map(void)
{
	mmu_map_device(dt.gic_dist.base, 0x10000, MAP_KERNEL_DEVICE);
	if (dt.gic_version == 3)
		mmu_map_device(dt.gic_redist.base, 0x20000, MAP_KERNEL_DEVICE);
	else
		mmu_map_device(dt.gic_cpu.base, 0x2000, MAP_KERNEL_DEVICE);
	if (dt.rtc.size)
		mmu_map_device(dt.rtc.base, PAGE_SIZE, MAP_KERNEL_DEVICE);
	for (unsigned i = 0; i < boot_info.virtio_count; i++)
		mmu_map_device(boot_info.virtio[i].base,
		               boot_info.virtio[i].size, MAP_USER_DEVICE);
}

void machine_setup(void)
{
	gic_init(dt.gic_version, dt.gic_dist.base,
	         dt.gic_version == 3 ? dt.gic_redist.base : dt.gic_cpu.base);
	write_sysreg(cntv_ctl_el0, 0);
	gic_enable(timer_intid);
	if (dt.rtc.size) {
		/* The PL031 counts seconds since 1970. */
		uint32_t sec = mmio_read32(dt.rtc.base + PL031_DR);
		boot_info.counter_at_boot = counter_now();
		boot_info.wall_at_boot = (int64_t)sec * 1000000000;
	}
}

/*
 * Sleep until the virtual counter reaches deadline (UINT64_MAX: no
 * deadline) or a routed device interrupts; return the slots that did.
 * WFI with interrupts masked still wakes on a pending one; they are then
 * collected from the GIC, never taken. A device's line is level-
 * triggered and stays high until the application acknowledges the
 * device, so the SPI is disabled once seen and enabled again on the next
 * sleep (the application acknowledges before it sleeps).
 */
static uint64_t sleep_until(uint64_t deadline)
{
	uint64_t slots = 0;
	bool fired = false;
	for (unsigned id = 32; id < sizeof(spi_slot); id++)
		if (spi_slot[id])
			gic_enable(id);
	if (deadline != UINT64_MAX) {
		write_sysreg(cntv_cval_el0, deadline);
		write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	}
	isb();
	for (;;) {
		uint32_t id;
		while ((id = gic_ack()) != GIC_SPURIOUS) {
			if (id == timer_intid) {
				write_sysreg(cntv_ctl_el0, 0);
				fired = true;
			} else if (id < sizeof(spi_slot) && spi_slot[id]) {
				slots |= 1ull << (spi_slot[id] - 1);
				gic_disable(id);
			}
			gic_eoi(id);
		}
		if (slots || fired)
			break;
		if (deadline != UINT64_MAX &&
		    (read_sysreg(cntv_ctl_el0) & CNTV_CTL_ISTATUS))
			break;
		__asm__ volatile("dsb sy\n\twfi" ::: "memory");
	}
	write_sysreg(cntv_ctl_el0, 0);
	return slots;
}

/* Route a virtio transport's SPI to a device slot: only the interrupts
 * the device tree gave virtio transports. */
static int64_t irq_route(uint64_t intid, uint64_t slot)
{
	if (slot >= 32 || intid < 32 || intid >= sizeof(spi_slot))
		return -1;
	bool known = false;
	for (unsigned i = 0; i < dt.virtio_count; i++)
		known |= dt.virtio[i].intid == intid;
	if (!known)
		return -1;
	spi_slot[intid] = (uint8_t)(slot + 1);
	return 0;
}

void machine_call(struct trap_frame *f)
{
	switch (f->x[8]) {
	case SYS_SLEEP:
		f->x[0] = sleep_until(f->x[0]);
		break;
	case SYS_IRQ_ROUTE:
		f->x[0] = (uint64_t)irq_route(f->x[0], f->x[1]);
		break;
	default:
		f->x[0] = (uint64_t)-1;
	}
}

_Noreturn void machine_poweroff(void)
{
	pl011_drain(supervisor_console);
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	if (dt.psci == FDT_PSCI_SMC)
		__asm__ volatile("smc #0"
		                 : "+r"(x0)::"x1", "x2", "x3", "memory");
	else if (dt.psci == FDT_PSCI_HVC)
		__asm__ volatile("hvc #0"
		                 : "+r"(x0)::"x1", "x2", "x3", "memory");
	for (;;)
		__asm__ volatile("wfi");
}
