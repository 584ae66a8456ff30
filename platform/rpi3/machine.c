/*
 * machine.c - the rpi3 target's EL1 side (Raspberry Pi 3, QEMU raspi3b):
 * memory and command line from the device tree the firmware passes, or
 * from the ATAG list QEMU passes; secondary cores parked; the PL011 on
 * GPIO 14/15; the virtual timer through the BCM2836 local interrupt
 * controller (the sleep); the watchdog to end. Hooks of the shared
 * supervisor (platform/aarch64/kernel.h).
 */
#include "kernel.h"
EL1_CODE

#include "atags.h"
#include "fdt.h"
#include "hw.h"
#include "pl011.h"

const char machine_name[] = "rpi3";

/* The PL011's reference clock as the firmware sets it (init_uart_clock,
 * 48 MHz by default); QEMU ignores baud rates. */
#define UART_CLOCK 48000000u
#define ATAGS_DEFAULT 0x100
#define ATAGS_MAX 0x3f00 /* below the image at 0x80000, well clear */
#define FDT_MAX (1u << 20)
/* The firmware's (and QEMU's) spin table: cores 1-3 wait for an address
 * at these words and jump to it. */
static const uint64_t spin_table[3] = {0xe0, 0xe8, 0xf0};

#define GPFSEL1 0x04
#define LOCAL_TIMER_INT_CTRL0 0x40 /* core 0's timer interrupt control */
#define LOCAL_CNTV_IRQ (1u << 3)
#define PM_RSTC 0x1c
#define PM_RSTS 0x20
#define PM_WDOG 0x24
#define PM_PASSWORD 0x5a000000u
#define PM_RSTC_FULL_RESET 0x20u
#define PM_RSTS_HALT 0x555u /* "partition 63": the firmware halts */
#define CNTV_CTL_ENABLE 1u
#define CNTV_CTL_ISTATUS 4u

extern char aarch64_park[];

static union {
	struct fdt_info dt;
	struct atags_info atags;
} desc KERNEL_BSS;

static void copy_cmdline(const char *s)
{
	for (unsigned i = 0; i < BOOT_CMDLINE_MAX; i++) {
		boot_info.cmdline[i] = s[i];
		if (!s[i])
			return;
	}
	boot_info.cmdline[BOOT_CMDLINE_MAX - 1] = 0;
}

/* GPIO 14 and 15 to ALT0: the PL011's TXD0 and RXD0 (the firmware does
 * this with enable_uart=1; done again so that the console does not
 * depend on config.txt). */
static void uart_pins(void)
{
	uint32_t sel = mmio_read32(RPI3_GPIO + GPFSEL1);
	sel &= ~((7u << 12) | (7u << 15));
	sel |= (4u << 12) | (4u << 15);
	mmio_write32(RPI3_GPIO + GPFSEL1, sel);
}

void machine_boot(uint64_t x0)
{
	char err[96];
	uart_pins();
	supervisor_console = RPI3_UART;
	pl011_init(supervisor_console, UART_CLOCK);

	/* Cores 1-3: from the spin table to a WFI loop of our own (the
	 * table's WFE loop spins under emulation). */
	for (unsigned i = 0; i < 3; i++) {
		uint64_t park = (uintptr_t)aarch64_park;
		mmio_write32(spin_table[i], (uint32_t)park);
		mmio_write32(spin_table[i] + 4, (uint32_t)(park >> 32));
	}
	__asm__ volatile("dsb sy\n\tsev" ::: "memory");

	uint64_t base = 0, size = 0;
	if (x0 && fdt_total_size((const void *)(uintptr_t)x0)) {
		/* A real Pi's firmware: a device tree. */
		if (fdt_parse((const void *)(uintptr_t)x0, FDT_MAX, &desc.dt,
		              err, sizeof(err)) != 0)
			supervisor_boot_fail(err);
		if (desc.dt.bootargs_truncated)
			supervisor_boot_fail("boot arguments longer than 4095 "
			                     "bytes");
		for (unsigned i = 0; i < desc.dt.memory_count; i++)
			if (desc.dt.memory[i].base <= (uintptr_t)__image_start)
				base = desc.dt.memory[i].base,
				size = desc.dt.memory[i].size;
		copy_cmdline(desc.dt.bootargs);
	} else {
		/* QEMU's raspi machines: ATAGs (x0, else at 0x100). */
		uint64_t at = x0 ? x0 : ATAGS_DEFAULT;
		if (at >= (uintptr_t)__image_start ||
		    !atags_present((const void *)(uintptr_t)at))
			supervisor_boot_fail("neither a device tree nor ATAGs "
			                     "from the loader");
		if (atags_parse((const void *)(uintptr_t)at, ATAGS_MAX,
		                &desc.atags, err, sizeof(err)) != 0)
			supervisor_boot_fail(err);
		if (desc.atags.cmdline_truncated)
			supervisor_boot_fail("boot arguments longer than 4095 "
			                     "bytes");
		base = desc.atags.mem_base;
		size = desc.atags.mem_size;
		copy_cmdline(desc.atags.cmdline);
	}
	/* RAM stops where the peripherals start. */
	if (base + size > RPI3_PERIPHERALS)
		size = base < RPI3_PERIPHERALS ? RPI3_PERIPHERALS - base : 0;
	if (size == 0)
		supervisor_boot_fail("no memory range from the loader");
	supervisor_ram_base = base;
	supervisor_ram_size = size;
}

void machine_map(void)
{
	mmu_map_device(RPI3_PM, PAGE_SIZE, MAP_KERNEL_DEVICE);
	mmu_map_device(RPI3_LOCAL, PAGE_SIZE, MAP_KERNEL_DEVICE);
	mmu_map_device(RPI3_RNG, PAGE_SIZE, MAP_USER_DEVICE);
	mmu_map_device(RPI3_EMMC, PAGE_SIZE, MAP_USER_DEVICE);
	boot_info.rng = RPI3_RNG;
	boot_info.emmc = RPI3_EMMC;
}

void machine_setup(void)
{
	/* The virtual timer raises core 0's IRQ line; no wall clock. */
	write_sysreg(cntv_ctl_el0, 0);
	mmio_write32(RPI3_LOCAL + LOCAL_TIMER_INT_CTRL0, LOCAL_CNTV_IRQ);
}

/* Wait in WFI (interrupts masked: a pending one still wakes it) until
 * the virtual timer passes deadline. */
static void sleep_until(uint64_t deadline)
{
	if (deadline == UINT64_MAX) {
		/* Nothing can ever wake us: the runtime reports a deadlock
		 * before it asks for this; sleep for good. */
		write_sysreg(cntv_ctl_el0, 0);
		for (;;)
			__asm__ volatile("wfi");
	}
	write_sysreg(cntv_cval_el0, deadline);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	while (!(read_sysreg(cntv_ctl_el0) & CNTV_CTL_ISTATUS))
		__asm__ volatile("dsb sy\n\twfi" ::: "memory");
	write_sysreg(cntv_ctl_el0, 0);
}

void machine_call(struct trap_frame *f)
{
	if (f->x[8] == SYS_SLEEP) {
		sleep_until(f->x[0]);
		f->x[0] = 0;
		return;
	}
	f->x[0] = (uint64_t)-1;
}

_Noreturn void machine_poweroff(void)
{
	pl011_drain(supervisor_console);
	/* The watchdog's reset with the halt partition: the firmware stops
	 * instead of booting again; QEMU (with -no-reboot) exits. */
	uint32_t rsts = mmio_read32(RPI3_PM + PM_RSTS);
	mmio_write32(RPI3_PM + PM_RSTS,
	             PM_PASSWORD | (rsts & ~0xfffu) | PM_RSTS_HALT);
	mmio_write32(RPI3_PM + PM_WDOG, PM_PASSWORD | 10);
	mmio_write32(RPI3_PM + PM_RSTC, PM_PASSWORD | PM_RSTC_FULL_RESET);
	for (;;)
		__asm__ volatile("wfi");
}
