/*
 * kernel.h - what the x86_64 PVH targets (virtio, xen) share between their
 * supervisor (CPL 0) and their platform code at CPL 3: the boot
 * information the supervisor hands over, the supervisor-call convention,
 * and the hooks each target's own ring-0 code (machine.h) provides to the
 * shared supervisor in supervisor.c.
 */
#ifndef X86_64_KERNEL_H
#define X86_64_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ring0.h"

/* Segment selectors (GDT in supervisor.c). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23
#define SEL_TSS 0x28

/* Interrupt vectors: 0-31 exceptions; 32 and up are the target's. */
#define TIMER_VECTOR 32
#define DEVICE_VECTOR_BASE 33
#define DEVICE_VECTORS 16
#define SYSCALL_VECTOR 0x80
#define SPURIOUS_VECTOR 0xff

/* Supervisor calls: number in %rax, arguments in %rdi, %rsi and %rdx,
 * result in %rax (negative on error). Made with ud2 followed by the marker
 * "KS" (the #UD handler recognises the four bytes and resumes after them):
 * KVMs that run guest user mode in host ring 3 (PVM) do not deliver
 * "int n" to the guest. int $0x80 is accepted too. Same convention as the
 * hvt target's supervisor. Numbers below 16 are the shared supervisor's
 * (SYS_SLEEP's meaning is the target's, but entry.S's fast path knows its
 * number); 16 and up are the target's own (machine.h). */
#define SUPERVISOR_CALL_INSN 0x534b0b0fu
enum {
	SYS_SLEEP = 1, /* the target's sleep (see machine.h) */
	SYS_GUARD = 4, /* rdi: page, rsi: 1 = guard, 0 = read-write */
	SYS_HALT = 5,  /* stop the CPU for good (no exit device left) */
	SYS_MACHINE = 16
};

static inline int64_t supervisor_call3(uint64_t nr, uint64_t a, uint64_t b,
                                       uint64_t c)
{
	int64_t ret;
	__asm__ volatile("ud2; .byte 0x4b, 0x53"
	                 : "=a"(ret), "+d"(c)
	                 : "a"(nr), "D"(a), "S"(b)
	                 : "memory", "rcx", "r8", "r9", "r10", "r11");
	return ret;
}

static inline int64_t supervisor_call(uint64_t nr, uint64_t a, uint64_t b)
{
	return supervisor_call3(nr, a, b, 0);
}

/* The register frame the supervisor sees on every trap (entry.S). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* The guest's RAM as the PVH loader described it (RAM ranges only). */
#define BOOT_RAM_MAX 32
#define BOOT_CMDLINE_MAX 4096

/* The target's own ring-0 side: its boot_info fields and its hooks. */
#include "machine.h"

/* Filled in by the supervisor before it enters user code; user code only
 * reads it. Lives in user memory. */
struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	uint64_t heap_start, heap_size;
	unsigned ram_count;
	struct {
		uint64_t base, size;
	} ram[BOOT_RAM_MAX];
	uint64_t rsdp;
	/* The target's fields (machine.h). */
	MACHINE_BOOT_INFO
};

extern struct boot_info boot_info;

/* Linker-script symbols. */
extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char __kbss_start[], __kbss_end[], __user_stack_guard[];
extern char __kdata_start[], __kdata_end[];
extern char __user_stack_top[];

/* Ends the guest with status (the target's exit path; both rings). */
_Noreturn void hw_exit(int status);

/* CPL 3 entry point (the target's main.c). */
_Noreturn void user_main(void);

/* ------------------------------------------- the shared supervisor's side */

/* The heap the supervisor chose (user memory the app may use). */
extern uint64_t supervisor_heap_lo, supervisor_heap_hi;

/* Is [a, a + len) inside RAM the loader listed? Overlapping any? */
bool supervisor_in_ram(uint64_t a, uint64_t len);
bool supervisor_overlaps_ram(uint64_t a, uint64_t len);

/* Point IDT entry vector at its stub (entry.S), for user code when dpl is
 * 3, on interrupt stack ist (0: none). */
void supervisor_set_gate(unsigned vector, unsigned dpl, unsigned ist);

/* Map [lo, hi) with flags or stop the boot with a report. */
void supervisor_map(uint64_t lo, uint64_t hi, uint64_t flags);

/* Stop the boot: "kiln: TARGET: cannot boot: why", exit 255. */
_Noreturn void supervisor_boot_fail(const char *why);

/* Report an exception (or an interrupt nobody expected) in one line and
 * end the guest with status 255. */
_Noreturn void supervisor_fault(struct trap_frame *f);

/* Reports through machine_console_write. */
void kputs(const char *s);
void kput_hex(uint64_t v);
void kput_dec(uint64_t v);

/* --------------------------------------- what each target provides (CPL 0) */

/* The target's name in reports ("virtio", "xen"). */
extern const char machine_name[];

/* Ring-0 console for the supervisor's reports (fault lines). */
void machine_console_write(const char *s, size_t n);

/* First thing at boot, before the start info is read (e.g. the UART). */
void machine_boot_early(void);

/* The start info had no memory map (version 0): fill ram[] (up to max
 * RAM ranges) from the hypervisor, if it can tell. False if not. */
struct pvh_ram;
bool machine_memory_map(struct pvh_ram *ram, unsigned max, unsigned *count);

/* After the W^X tables of the image and heap are built, before they are
 * loaded: map whatever else the target needs (shared pages, windows). */
void machine_map(void);

/* After the GDT, IDT and FPU are set up, just before CPL 3 is entered:
 * interrupt controllers, clocks, hypervisor interfaces, extra gates. */
void machine_setup(void);

/* A supervisor call numbered SYS_SLEEP or >= SYS_MACHINE: set f->rax.
 * Unknown numbers return -1. */
void machine_call(struct trap_frame *f);

/* An interrupt on a vector from 32 to 0xef that entry.S's fast paths did
 * not take. */
void machine_interrupt(struct trap_frame *f);

/* I/O ports CPL 3 may use (through the TSS I/O bitmap). */
struct port_range {
	uint16_t first, count;
};
extern const struct port_range machine_user_ports[];
extern const unsigned machine_user_port_count;

#endif /* X86_64_KERNEL_H */
