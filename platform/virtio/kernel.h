/*
 * kernel.h - what the supervisor (CPL 0) and the platform code running at
 * CPL 3 share: the boot information the supervisor hands over, and the
 * supervisor calls (int $0x80) user code makes.
 */
#ifndef VIRTIO_KERNEL_H
#define VIRTIO_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

/* Files holding ring-0 code begin with RING0_CODE: they must not touch
 * SSE registers (user state the supervisor never saves) and gcc must not
 * turn loops into calls to memset/memcpy built with SSE. */
#if defined(__clang__) || defined(KILN_FUZZ)
#define RING0_CODE /* host builds (fuzzing): plain code */
#else
#define RING0_CODE                                                             \
	_Pragma("GCC target(\"general-regs-only\")")                           \
	        _Pragma("GCC optimize(\"no-tree-loop-distribute-patterns\")")
#endif

/* Supervisor-only zeroed memory (page tables, descriptor tables, stacks).
 * The trailing '#' comments out the flags gcc would append, so the section
 * stays NOBITS (zeroed by the loader, not stored in the image). */
#define KERNEL_BSS __attribute__((section(".kbss,\"aw\",@nobits#")))

/* Segment selectors (GDT in supervisor.c). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23
#define SEL_TSS 0x28

/* Interrupt vectors. Devices get DEVICE_VECTOR_BASE + slot. */
#define TIMER_VECTOR 32
#define DEVICE_VECTOR_BASE 33
#define DEVICE_VECTORS 16
#define SYSCALL_VECTOR 0x80
#define SPURIOUS_VECTOR 0xff

/* Supervisor calls: number in %rax, arguments in %rdi and %rsi, result
 * in %rax (negative on error). Made with ud2 followed by the marker "KS"
 * (the #UD handler recognises the four bytes and resumes after them):
 * KVMs that run guest user mode in host ring 3 (PVM) do not deliver
 * "int n" to the guest. int $0x80 is accepted too. Same convention as the
 * hvt target's supervisor. */
#define SUPERVISOR_CALL_INSN 0x534b0b0fu
enum {
	SYS_SLEEP = 1,     /* rdi: TSC deadline (UINT64_MAX: none); returns
	                      the mask of device slots that interrupted */
	SYS_MAP_MMIO = 2,  /* rdi: physical address, rsi: length */
	SYS_IRQ_ROUTE = 3, /* rdi: IOAPIC input (GSI), rsi: device slot */
	SYS_GUARD = 4,     /* rdi: page, rsi: 1 = guard, 0 = read-write */
	SYS_HALT = 5       /* stop the CPU for good (no exit device left) */
};

static inline int64_t supervisor_call(uint64_t nr, uint64_t a, uint64_t b)
{
	int64_t ret;
	__asm__ volatile("ud2; .byte 0x4b, 0x53"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a), "S"(b)
	                 : "memory", "rcx", "rdx", "r8", "r9", "r10", "r11");
	return ret;
}

/* The guest's RAM as the PVH loader described it (RAM ranges only). */
#define BOOT_RAM_MAX 32
#define BOOT_CMDLINE_MAX 4096

enum {
	BOOT_KVMCLOCK = 1 << 0,     /* pvclock below is live */
	BOOT_TSC_DEADLINE = 1 << 1, /* the LAPIC timer takes TSC deadlines */
	BOOT_LAPIC_TIMER = 1 << 2,  /* one-shot LAPIC timer calibrated */
	BOOT_IOAPIC = 1 << 3        /* an IOAPIC answered */
};

/* KVM's paravirtual clock (layout fixed by the KVM ABI). */
struct pvclock_time {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};

struct pvclock_wall {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
};

/* Filled in by the supervisor before it enters user code; user code only
 * reads it. Lives in user memory. */
struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	uint64_t heap_start, heap_size;
	uint32_t flags;
	uint32_t lapic_id;
	uint64_t rsdp;
	unsigned ram_count;
	struct {
		uint64_t base, size;
	} ram[BOOT_RAM_MAX];
	/* KVM clock pages, written by the host when BOOT_KVMCLOCK. */
	struct pvclock_time pvclock __attribute__((aligned(64)));
	struct pvclock_wall pvwall __attribute__((aligned(64)));
};

extern struct boot_info boot_info;

/* How many times platform_yield has asked the supervisor to sleep (each
 * SYS_SLEEP). A sleep that really halts costs one per wake-up; a spin
 * would cost thousands, which is how the tests tell them apart. */
extern uint64_t yield_sleeps;

/* Supervisor-only initialised data (built at compile time, so that the
 * slow ring-0 boot does not have to fill it). */
#define KERNEL_DATA __attribute__((section(".kdata")))

/* Linker-script symbols. */
extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char __kbss_start[], __kbss_end[], __user_stack_guard[];
extern char __kdata_start[], __kdata_end[];
extern char __user_stack_top[];

/* Ends the guest with status through the exit devices (shared by both
 * rings; see exit.c). */
_Noreturn void hw_exit(int status);

/* CPL 3 entry point (main.c). */
_Noreturn void user_main(void);

#endif /* VIRTIO_KERNEL_H */
