/*
 * kernel.h - what the aarch64 targets (arm64, rpi3) share between their
 * EL1 supervisor and their platform code at EL0: the boot information the
 * supervisor hands over, the supervisor-call convention, the supervisor's
 * services, and the hooks each board's own EL1 code (machine.h) provides.
 *
 * The model is the x86 targets': the application and the libraries run
 * at EL0; a small supervisor at EL1 owns the translation tables (W^X,
 * page 0 unmapped, guard pages; EL0 cannot change them), the exception
 * vectors and the interrupt controller, and runs only for exceptions and
 * the few calls user code makes.
 */
#ifndef AARCH64_KERNEL_H
#define AARCH64_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "el1.h"

#define PAGE_SIZE 4096

/*
 * Supervisor calls: "svc #0" with the number in x8, arguments in x0-x2,
 * the result in x0 (negative on error); every other register is kept.
 * Numbers below 16 are the shared supervisor's (SYS_SLEEP's meaning is
 * the board's); 16 and up are the board's own (machine.h).
 */
enum {
	SYS_SLEEP = 1, /* the board's sleep (see machine.h) */
	SYS_GUARD = 4, /* x0: page, x1: 1 = guard, 0 = read-write */
	SYS_EXIT = 5,  /* x0: status; does not return */
	SYS_MACHINE = 16
};

static inline int64_t supervisor_call(uint64_t nr, uint64_t a, uint64_t b)
{
	register uint64_t x0 __asm__("x0") = a;
	register uint64_t x1 __asm__("x1") = b;
	register uint64_t x8 __asm__("x8") = nr;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x1), "r"(x8) : "memory");
	return (int64_t)x0;
}

/* The registers of the interrupted code, as vectors.S saves them. */
struct trap_frame {
	uint64_t x[31];
	uint64_t sp; /* SP_EL0 */
	uint64_t elr, spsr, esr, far;
};

/* Which vector entry was taken (vectors.S). */
enum trap_kind {
	TRAP_EL0_SYNC = 0, /* svc, or a fault in user code */
	TRAP_EL1_SYNC = 1, /* a fault in the supervisor */
	TRAP_OTHER = 2     /* IRQ, FIQ, SError: never expected */
};

#define BOOT_CMDLINE_MAX 4096

enum {
	BOOT_RNDR = 1 << 0 /* the CPU has RNDR (ARMv8.5 FEAT_RNG) */
};

/* The board's own EL1 side: its boot_info fields and its hooks. */
#include "machine.h"

/* Filled in by the supervisor before it enters user code; user code only
 * reads it. Lives in user memory. */
struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	uint64_t heap_start, heap_size;
	uint64_t ram_base, ram_size;
	uint64_t console;     /* the PL011, mapped for EL0 */
	int64_t wall_at_boot; /* ns since 1970 at counter_at_boot; 0 if
	                         the board has no clock */
	uint64_t counter_at_boot;
	uint32_t flags; /* BOOT_* */
	/* The board's fields (machine.h). */
	MACHINE_BOOT_INFO
};

extern struct boot_info boot_info;

/* Linker-script symbols (image.ld), all page-aligned. */
extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char __user_stack_guard[], __user_stack_top[];
extern char __kbss_start[], __kbss_end[];

/* EL0 entry point (the board's main.c). */
_Noreturn void user_main(void);

/* ------------------------------------------- the shared supervisor's side */

/* RAM the board found (one range), and the heap the supervisor chose
 * (the rest of that range after the image). */
extern uint64_t supervisor_ram_base, supervisor_ram_size;
/* The PL011 the supervisor reports on (its own copy; set by the board). */
extern uint64_t supervisor_console;

/* Translation tables (mmu.c). Ranges are page-aligned. */
enum map_kind {
	MAP_USER_DEVICE,  /* device registers EL0 uses: read/write, never
	                     executable */
	MAP_KERNEL_DEVICE /* device registers only the supervisor uses */
};
/* Map [base, base + size) identity, or stop the boot with a report. */
void mmu_map_device(uint64_t base, uint64_t size, enum map_kind kind);
/* Make a heap page a guard page (unmapped, reported as such on a fault)
 * or ordinary user memory again. 0, or -1 for a page outside the heap or
 * no table memory left. */
int mmu_guard(uint64_t page, bool guard);
/* Is the page holding va a guard page? Not mapped at all? */
bool mmu_is_guard(uint64_t va);

/* End the guest with status (0..255): the status mark for the launcher
 * on the console (exit.c), then machine_poweroff(). */
_Noreturn void supervisor_exit(int status);

/* Stop the boot: "kiln: NAME: cannot boot: why", exit 255. */
_Noreturn void supervisor_boot_fail(const char *why);

/* Reports through machine_console_write. */
void kputs(const char *s);
void kput_hex(uint64_t v);
void kput_dec(uint64_t v);

/* --------------------------------------- what each board provides (EL1) */

/* The target's name in reports ("arm64", "rpi3"). */
extern const char machine_name[];

/* The supervisor's console (reports; also before the MMU is on). */
void machine_console_write(const char *s, size_t n);

/* First thing at boot, MMU off: read the board's description (x0 as the
 * loader left it: a device tree, ATAGs, or nothing), fill in
 * supervisor_ram_base/size, boot_info.cmdline and boot_info.console, and
 * whatever else the board needs later. Stops the boot when it cannot. */
void machine_boot(uint64_t x0);

/* After the image and heap are mapped, before the MMU is on: map the
 * board's devices (mmu_map_device). */
void machine_map(void);

/* MMU on, vectors set, just before EL0 is entered: interrupt controller,
 * timer, wall clock (boot_info.wall_at_boot). */
void machine_setup(void);

/* A supervisor call numbered SYS_SLEEP or >= SYS_MACHINE: set f->x[0].
 * Unknown numbers return -1. */
void machine_call(struct trap_frame *f);

/* Switch the machine off (console output drained first). */
_Noreturn void machine_poweroff(void);

#endif /* AARCH64_KERNEL_H */
