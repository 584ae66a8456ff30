/*
 * supervisor.c - the EL1 part shared by the aarch64 targets (arm64, rpi3).
 *
 * kernel_main() runs once at boot, MMU off: the board reads its
 * description (machine_boot), the supervisor picks the heap (the RAM
 * after the image), builds the W^X translation tables (mmu.c) with the
 * board's devices (machine_map), turns the MMU on, installs the exception
 * vectors, opens the counter and FP/SIMD to EL0, lets the board set up
 * its interrupt controller and clocks (machine_setup) and drops to EL0 in
 * user_main(). After that it runs only for exceptions: supervisor calls
 * (guard a page, exit; the rest are the board's, machine_call) and
 * faults, which are reported in one line and end the guest with 255.
 */
#include "kernel.h"
EL1_CODE

#include "hw.h"
#include "mmu.h"
#include "pl011.h"

/* Filled in here, read by user code. */
struct boot_info boot_info;

uint64_t supervisor_ram_base KERNEL_BSS, supervisor_ram_size KERNEL_BSS;
uint64_t supervisor_console KERNEL_BSS;
static uint64_t heap_lo KERNEL_BSS, heap_hi KERNEL_BSS;

extern char exception_vectors[];
_Noreturn void enter_user(void (*pc)(void), uint64_t sp);
_Noreturn void kernel_main(uint64_t x0);
void supervisor_trap(struct trap_frame *f, uint64_t kind);

#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_FP 0x07
#define EC_ILLEGAL 0x0e
#define EC_SVC64 0x15
#define EC_SYSREG 0x18
#define EC_IABT_LOW 0x20
#define EC_IABT_CUR 0x21
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOW 0x24
#define EC_DABT_CUR 0x25
#define EC_SP_ALIGN 0x26
#define EC_BRK 0x3c

#define CPACR_FPEN (3ull << 20)
#define CNTKCTL_EL0VCTEN (1ull << 1)

/* ------------------------------------------------------------ reports */

void kputs(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	pl011_write(supervisor_console, s, n);
}

void kput_hex(uint64_t v)
{
	char b[19];
	unsigned i = 0;
	b[i++] = '0';
	b[i++] = 'x';
	int shift = 60;
	while (shift > 0 && !((v >> shift) & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		b[i++] = "0123456789abcdef"[(v >> shift) & 0xf];
	b[i] = 0;
	kputs(b);
}

void kput_dec(uint64_t v)
{
	char b[21];
	unsigned i = sizeof(b) - 1;
	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	kputs(b + i);
}

/*
 * The status mark: ESC ] k i l n - e x i t ; N BEL, an OSC sequence a
 * terminal ignores. PSCI SYSTEM_OFF and the Pi's watchdog end QEMU with
 * status 0 whatever the guest's was, so the launcher reads the status
 * from here (bin/kiln-console takes the mark out of the output).
 */
_Noreturn void supervisor_exit(int status)
{
	if (status < 0 || status > 255)
		status = 255;
	kputs("\x1b]kiln-exit;");
	kput_dec((uint64_t)status);
	kputs("\x07");
	machine_poweroff();
}

_Noreturn void supervisor_boot_fail(const char *why)
{
	kputs("kiln: ");
	kputs(machine_name);
	kputs(": cannot boot: ");
	kputs(why);
	kputs("\n");
	supervisor_exit(255);
}

static const char *exception_name(unsigned ec)
{
	switch (ec) {
	case EC_UNKNOWN:
		return "undefined instruction";
	case EC_WFX:
		return "WFI/WFE trapped";
	case EC_FP:
		return "FP/SIMD access trapped";
	case EC_ILLEGAL:
		return "illegal execution state";
	case EC_SYSREG:
		return "system register access";
	case EC_IABT_LOW:
	case EC_IABT_CUR:
		return "instruction abort";
	case EC_PC_ALIGN:
		return "misaligned pc";
	case EC_DABT_LOW:
	case EC_DABT_CUR:
		return "data abort";
	case EC_SP_ALIGN:
		return "misaligned stack pointer";
	case EC_BRK:
		return "breakpoint (brk)";
	default:
		return "exception";
	}
}

/* What the fault status code of an abort says, in words. */
static const char *abort_status(uint64_t esr)
{
	unsigned fsc = esr & 0x3f;
	if ((fsc & 0x3c) == 0x04)
		return "not mapped";
	if ((fsc & 0x3c) == 0x0c)
		return "permission";
	if ((fsc & 0x3c) == 0x08)
		return "access flag";
	if (fsc == 0x21)
		return "alignment";
	return "other fault";
}

/* One line for an exception nobody handles, then the end (255). */
static _Noreturn void report(struct trap_frame *f, uint64_t kind)
{
	unsigned ec = ESR_EC(f->esr);
	kputs("\nkiln: fault: ");
	if (kind == TRAP_OTHER) {
		kputs("unexpected interrupt or SError (esr ");
		kput_hex(f->esr);
		kputs(") at pc ");
		kput_hex(f->elr);
		kputs("\n");
		supervisor_exit(255);
	}
	kputs(exception_name(ec));
	if (ec == EC_UNKNOWN || exception_name(ec)[0] == 'e') {
		kputs(" (esr ");
		kput_hex(f->esr);
		kputs(")");
	}
	kputs(kind == TRAP_EL0_SYNC ? " in user mode at pc "
	                            : " in the supervisor at pc ");
	kput_hex(f->elr);
	bool data = ec == EC_DABT_LOW || ec == EC_DABT_CUR;
	bool insn = ec == EC_IABT_LOW || ec == EC_IABT_CUR;
	if (data || insn) {
		const char *status = abort_status(f->esr);
		kputs(": ");
		kputs(insn                 ? "execute at "
		      : f->esr & (1u << 6) ? "write to "
		                           : "read from ");
		kput_hex(f->far);
		kputs(" (");
		kputs(status);
		kputs(")");
		if (f->far < PAGE_SIZE)
			kputs(" - page 0: a NULL pointer?");
		else if (mmu_is_guard(f->far))
			kputs(" - a guard page: stack overflow?");
		else if (status[0] == 'p')
			kputs(insn                 ? " - not executable"
			      : f->esr & (1u << 6) ? " - read-only"
			                           : " - supervisor memory");
	}
	if (ec == EC_SP_ALIGN || ec == EC_PC_ALIGN) {
		kputs(": sp ");
		kput_hex(f->sp);
	}
	kputs("\n");
	supervisor_exit(255);
}

void supervisor_trap(struct trap_frame *f, uint64_t kind)
{
	if (kind != TRAP_EL0_SYNC || ESR_EC(f->esr) != EC_SVC64)
		report(f, kind);
	switch (f->x[8]) {
	case SYS_GUARD:
		f->x[0] = (uint64_t)(int64_t)mmu_guard(f->x[0], f->x[1] != 0);
		return;
	case SYS_EXIT:
		supervisor_exit((int)f->x[0]);
	default:
		machine_call(f);
		return;
	}
}

/* ----------------------------------------------------------------- boot */

_Noreturn void kernel_main(uint64_t x0)
{
	machine_boot(x0);
	uint64_t ram_end = supervisor_ram_base + supervisor_ram_size;
	heap_lo = ((uintptr_t)__image_end + PAGE_SIZE - 1) &
	          ~(uint64_t)(PAGE_SIZE - 1);
	heap_hi = ram_end & ~(uint64_t)(PAGE_SIZE - 1);
	if ((uintptr_t)__image_start < supervisor_ram_base || heap_lo > ram_end)
		supervisor_boot_fail("the image is not inside the RAM the "
		                     "board describes");
	if (heap_hi - heap_lo < (2u << 20))
		supervisor_boot_fail("less than 2 MiB of RAM after the image");
	if (heap_hi > 1ull << 39)
		heap_hi = 1ull << 39;
	mmu_build(heap_lo, heap_hi);
	mmu_map_device(supervisor_console, PAGE_SIZE, MAP_USER_DEVICE);
	machine_map();
	mmu_enable();

	write_sysreg(vbar_el1, (uintptr_t)exception_vectors);
	write_sysreg(cpacr_el1, CPACR_FPEN);
	write_sysreg(cntkctl_el1, CNTKCTL_EL0VCTEN);
	isb();
	/* RNDR: ID_AA64ISAR0_EL1.RNDR (bits 63:60), unreadable at EL0. */
	if (read_sysreg(id_aa64isar0_el1) >> 60)
		boot_info.flags |= BOOT_RNDR;
	boot_info.heap_start = heap_lo;
	boot_info.heap_size = heap_hi - heap_lo;
	boot_info.ram_base = supervisor_ram_base;
	boot_info.ram_size = supervisor_ram_size;
	boot_info.console = supervisor_console;
	machine_setup();
	enter_user(user_main, (uintptr_t)__user_stack_top);
}
