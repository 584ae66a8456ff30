/*
 * supervisor.c - the CPL 0 part shared by the PVH targets (virtio, xen).
 *
 * kernel_main() runs once at boot: it reads the PVH start info, builds the
 * W^X page tables from the linker-script symbols (plus whatever the target
 * maps, machine_map()), sets up the GDT, TSS and IDT, lets the target set
 * up its interrupt controllers and hypervisor interfaces (machine_setup())
 * and drops to CPL 3 in user_main() with IOPL 3 and interrupts off. After
 * that the supervisor only runs for exceptions (reported, then the guest
 * exits with 255), for interrupts (the target's, machine_interrupt()) and
 * for the few calls user code makes (guard a page; the rest are the
 * target's, machine_call()).
 *
 * Everything here is ring-0 code: general registers only, kept short.
 */
#include "kernel.h"
RING0_CODE

#include "hw.h"
#include "paging.h"
#include "startinfo.h"

/* CPL 3 runs with interrupts off; IOPL 3 unless the target says otherwise
 * (a target whose user code needs no port I/O keeps it at 0). */
#ifndef MACHINE_RFLAGS_USER
#define MACHINE_RFLAGS_USER 0x3002 /* IOPL 3, reserved bit 1, IF clear */
#endif
#define KSTACK_SIZE 16384
#define ISTACK_SIZE 8192

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* The TSS with its I/O permission bitmap: KVMs that run guest user mode
 * in host ring 3 (PVM) do not keep RFLAGS.IOPL and check port access
 * against this bitmap instead. A clear bit opens a port to CPL 3. */
#define IOMAP_BYTES (65536 / 8)
struct tss_iomap {
	struct tss tss;
	uint8_t iomap[IOMAP_BYTES + 1]; /* the CPU reads one byte past */
} __attribute__((packed));

struct descriptor_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Each stack has an unmapped guard page below it. */
static uint8_t kernel_stack[PAGE_SIZE + KSTACK_SIZE] KERNEL_BSS
        __attribute__((aligned(4096)));
/* Also the boot stack (boot.S knows its size). */
uint8_t supervisor_fault_stack[PAGE_SIZE + ISTACK_SIZE] KERNEL_BSS
        __attribute__((aligned(4096)));
_Static_assert(sizeof(supervisor_fault_stack) == 12288, "see boot.S");
static uint64_t gdt[7] KERNEL_BSS __attribute__((aligned(16)));
static uint64_t idt[512] KERNEL_BSS __attribute__((aligned(4096)));
/* Every port closed (bits set) at build time; boot opens user_ports. */
static struct tss_iomap tss KERNEL_DATA
        __attribute__((aligned(16))) = {.iomap = {[0 ... IOMAP_BYTES] = 0xff}};
static struct pvh_boot pvh KERNEL_BSS;
/* The supervisor's own copy of what user code may not change. */
uint64_t supervisor_heap_lo KERNEL_BSS, supervisor_heap_hi KERNEL_BSS;
/* Shared with entry.S: device slots that interrupted, the fast sleep
 * path's switch, the EOI register's address (set by a target whose
 * interrupts come through a local APIC; zero otherwise). */
volatile uint32_t supervisor_irq_pending KERNEL_BSS;
uint8_t supervisor_fast_sleep KERNEL_BSS;
uint64_t supervisor_eoi_register KERNEL_BSS;

extern char trap_stubs[];
void enter_user(void (*rip)(void), uint64_t rsp, uint64_t rflags);
void switch_tables(uint64_t cr3, uint64_t rsp, void (*fn)(void));
void load_gdt(struct descriptor_pointer *p);
void kernel_main(uint32_t start_info);
void trap(struct trap_frame *f);

struct boot_info boot_info __attribute__((aligned(4096)));

void kputs(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	machine_console_write(s, n);
}

void kput_hex(uint64_t v)
{
	char b[18] = "0x";
	for (int i = 0; i < 16; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	machine_console_write(b, sizeof(b));
}

void kput_dec(uint64_t v)
{
	char b[20];
	unsigned n = sizeof(b);
	do {
		b[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	machine_console_write(b + n, sizeof(b) - n);
}

void supervisor_boot_fail(const char *why)
{
	kputs("kiln: ");
	kputs(machine_name);
	kputs(": cannot boot: ");
	kputs(why);
	kputs("\n");
	hw_exit(255);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* ------------------------------------------------------------- memory */

/* Pick the heap: the rest of the RAM range holding the image. */
static void choose_heap(void)
{
	uint64_t image_lo = (uint64_t)(uintptr_t)__image_start;
	uint64_t image_hi = (uint64_t)(uintptr_t)__image_end;
	for (unsigned i = 0; i < pvh.ram_count; i++) {
		uint64_t lo = pvh.ram[i].base, hi = lo + pvh.ram[i].size;
		if (lo <= image_lo && image_hi <= hi) {
			supervisor_heap_lo = align_up(image_hi, PAGE_SIZE);
			supervisor_heap_hi = hi & ~(PAGE_SIZE - 1);
			/* The tables cover what the pool can describe;
			 * 64 GiB is far beyond any unikernel's needs. */
			if (supervisor_heap_hi > (64ull << 30))
				supervisor_heap_hi = 64ull << 30;
			return;
		}
	}
	supervisor_boot_fail(
	        "the image is not inside RAM listed by the memory map");
}

void supervisor_map(uint64_t lo, uint64_t hi, uint64_t flags)
{
	if (hi > lo && !paging_map(lo, hi - lo, flags))
		supervisor_boot_fail("out of page tables");
}

static void map_or_fail(char *lo, char *hi, uint64_t flags)
{
	supervisor_map((uint64_t)(uintptr_t)lo, (uint64_t)(uintptr_t)hi, flags);
}

/* W^X: text RX, rodata R, data/bss/heap RW+NX (user); supervisor data
 * RW+NX without the user bit; page 0 and the boot code unmapped. */
static void build_page_tables(void)
{
	map_or_fail(__text_start, __text_end, PTE_US);
	map_or_fail(__rodata_start, __rodata_end, PTE_US | PTE_NX);
	map_or_fail(__data_start, __data_end, PTE_US | PTE_RW | PTE_NX);
	map_or_fail(__kdata_start, __kdata_end, PTE_RW | PTE_NX);
	map_or_fail(__kbss_start, __kbss_end, PTE_RW | PTE_NX);
	if (supervisor_heap_hi > supervisor_heap_lo &&
	    !paging_map(supervisor_heap_lo,
	                supervisor_heap_hi - supervisor_heap_lo,
	                PTE_US | PTE_RW | PTE_NX))
		supervisor_boot_fail("out of page tables for the heap");
	if (!paging_unmap_page((uint64_t)(uintptr_t)__user_stack_guard) ||
	    !paging_unmap_page((uint64_t)(uintptr_t)kernel_stack) ||
	    !paging_unmap_page((uint64_t)(uintptr_t)supervisor_fault_stack))
		supervisor_boot_fail("cannot place guard pages");
	machine_map();
}

static bool is_guard_page(uint64_t a)
{
	a &= ~(PAGE_SIZE - 1);
	return a == (uint64_t)(uintptr_t)__user_stack_guard ||
	       a == (uint64_t)(uintptr_t)kernel_stack ||
	       a == (uint64_t)(uintptr_t)supervisor_fault_stack ||
	       (a >= supervisor_heap_lo && a < supervisor_heap_hi &&
	        !paging_lookup(a));
}

/* ------------------------------------------------- descriptor tables */

void supervisor_set_gate(unsigned vector, unsigned dpl, unsigned ist)
{
	uint64_t handler = (uint64_t)(uintptr_t)trap_stubs + 16 * vector;
	idt[2 * vector] = (handler & 0xffff) | (uint64_t)SEL_KCODE << 16 |
	                  (uint64_t)ist << 32 |
	                  (uint64_t)(0x8e | dpl << 5) << 40 |
	                  ((handler >> 16) & 0xffff) << 48;
	idt[2 * vector + 1] = handler >> 32;
}

static void setup_descriptors(void)
{
	gdt[1] = 0x00af9a000000ffffull; /* 0x08 code, ring 0 */
	gdt[2] = 0x00cf92000000ffffull; /* 0x10 data, ring 0 */
	gdt[3] = 0x00cff2000000ffffull; /* 0x18 data, ring 3 */
	gdt[4] = 0x00affa000000ffffull; /* 0x20 code, ring 3 */
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	uint64_t limit = sizeof(tss) - 1;
	gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
	         ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[6] = base >> 32;

	tss.tss.rsp[0] =
	        (uint64_t)(uintptr_t)(kernel_stack + sizeof(kernel_stack));
	tss.tss.ist[0] = (uint64_t)(uintptr_t)(supervisor_fault_stack +
	                                       sizeof(supervisor_fault_stack));
	tss.tss.iomap_base = sizeof(struct tss);
	for (unsigned r = 0; r < machine_user_port_count; r++) {
		const struct port_range *u = &machine_user_ports[r];
		for (unsigned p = u->first; p < (unsigned)u->first + u->count;
		     p++)
			tss.iomap[p / 8] &= (uint8_t) ~(1u << (p % 8));
	}

	struct descriptor_pointer gp = {sizeof(gdt) - 1,
	                                (uint64_t)(uintptr_t)gdt};
	load_gdt(&gp);
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));

	/* Only the vectors in use get gates: on emulating KVMs every ring-0
	 * instruction at boot counts. Any other vector faults (#GP naming
	 * the IDT entry) and is reported. The target adds its own
	 * (machine_setup). */
	for (unsigned v = 0; v < 32; v++)
		supervisor_set_gate(v, 0, 0);
	for (unsigned v = 0xf0; v < 256; v++)
		supervisor_set_gate(v, 0, 0);
	supervisor_set_gate(2, 0, 1);  /* NMI */
	supervisor_set_gate(8, 0, 1);  /* double fault */
	supervisor_set_gate(18, 0, 1); /* machine check */
	supervisor_set_gate(SYSCALL_VECTOR, 3, 0);
	struct descriptor_pointer ip = {sizeof(idt) - 1,
	                                (uint64_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(ip));
}

/* SSE for user code: CR0.EM off, MP and NE on; CR4.OSFXSR, OSXMMEXCPT. */
static void setup_fpu(void)
{
	uint64_t cr0, cr4;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 & ~(1ull << 2)) | (1ull << 1) | (1ull << 5);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1ull << 9) | (1ull << 10);
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
}

/* ---------------------------------------------------------------- boot */

static _Noreturn void kernel_main_final(void)
{
	setup_descriptors();
	setup_fpu();
	machine_setup();
	/* As if called: the ABI wants %rsp + 8 16-byte aligned at entry. */
	enter_user(user_main, (uint64_t)(uintptr_t)__user_stack_top - 8,
	           MACHINE_RFLAGS_USER);
	for (;;)
		;
}

void kernel_main(uint32_t start_info)
{
	machine_boot_early();
	/* The early tables map the first GiB; page 0 stays out of reach. */
	enum pvh_error e =
	        pvh_parse((const uint8_t *)(uintptr_t)PAGE_SIZE, PAGE_SIZE,
	                  (1ull << 30) - PAGE_SIZE, start_info, &pvh);
	if (e == PVH_NO_MEMMAP &&
	    machine_memory_map(pvh.ram, PVH_RAM_MAX, &pvh.ram_count))
		e = pvh.ram_count ? PVH_OK : PVH_NO_RAM;
	if (e != PVH_OK)
		supervisor_boot_fail(pvh_strerror(e));
	for (unsigned i = 0; i < BOOT_CMDLINE_MAX; i++) {
		boot_info.cmdline[i] = pvh.cmdline[i];
		if (!pvh.cmdline[i])
			break;
	}
	boot_info.cmdline[BOOT_CMDLINE_MAX - 1] = 0;
	boot_info.ram_count = pvh.ram_count;
	for (unsigned i = 0; i < pvh.ram_count && i < BOOT_RAM_MAX; i++) {
		boot_info.ram[i].base = pvh.ram[i].base;
		boot_info.ram[i].size = pvh.ram[i].size;
	}
	boot_info.rsdp = pvh.rsdp;
	choose_heap();
	boot_info.heap_start = supervisor_heap_lo;
	boot_info.heap_size = supervisor_heap_hi - supervisor_heap_lo;
	build_page_tables();
	switch_tables(
	        paging_root(),
	        (uint64_t)(uintptr_t)(kernel_stack + sizeof(kernel_stack)),
	        kernel_main_final);
}

/* ---------------------------------------------------------- exceptions */

static const char *const exception_names[32] = {"divide error",
                                                "debug",
                                                "NMI",
                                                "breakpoint",
                                                "overflow",
                                                "bound range",
                                                "invalid opcode",
                                                "device not available",
                                                "double fault",
                                                "coprocessor overrun",
                                                "invalid TSS",
                                                "segment not present",
                                                "stack fault",
                                                "general protection fault",
                                                "page fault",
                                                "reserved",
                                                "x87 floating point",
                                                "alignment check",
                                                "machine check",
                                                "SIMD floating point",
                                                "virtualization",
                                                "control protection"};

void supervisor_fault(struct trap_frame *f)
{
	const char *name = f->vector < 32 && exception_names[f->vector]
	                           ? exception_names[f->vector]
	                           : "unexpected interrupt";
	kputs("\nkiln: fault: ");
	kputs(name);
	kputs(" (vector ");
	kput_dec(f->vector);
	kputs(") in ");
	kputs((f->cs & 3) ? "user" : "supervisor");
	kputs(" mode at rip ");
	kput_hex(f->rip);
	if (f->vector == 14) {
		uint64_t cr2;
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		kputs(": ");
		kputs(f->error & 2 ? "write to " : "read of ");
		if (f->error & 16)
			kputs("(instruction fetch) ");
		kput_hex(cr2);
		kputs(f->error & 1 ? " (protection)" : " (not mapped)");
		if (is_guard_page(cr2))
			kputs(" - a guard page: stack overflow?");
		else if (cr2 < PAGE_SIZE)
			kputs(" - NULL pointer?");
	}
	kputs(" error ");
	kput_hex(f->error);
	kputs(" rsp ");
	kput_hex(f->rsp);
	kputs("\n");
	hw_exit(255);
}

/* -------------------------------------------------------------- calls */

bool supervisor_overlaps_ram(uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < pvh.ram_count; i++) {
		uint64_t lo = pvh.ram[i].base, hi = lo + pvh.ram[i].size;
		if (a < hi && lo < a + len)
			return true;
	}
	return false;
}

bool supervisor_in_ram(uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < pvh.ram_count; i++) {
		uint64_t lo = pvh.ram[i].base, hi = lo + pvh.ram[i].size;
		if (lo <= a && a + len <= hi && a + len >= a)
			return true;
	}
	return false;
}

static int64_t sys_guard(uint64_t page, uint64_t on)
{
	if ((page & (PAGE_SIZE - 1)) || page < supervisor_heap_lo ||
	    page >= supervisor_heap_hi)
		return -1;
	bool ok = on ? paging_unmap_page(page)
	             : paging_map(page, PAGE_SIZE, PTE_US | PTE_RW | PTE_NX);
	if (!ok)
		return -1;
	__asm__ volatile("invlpg (%0)" : : "r"(page) : "memory");
	return 0;
}

static void supervisor_call_dispatch(struct trap_frame *f)
{
	switch (f->rax) {
	case SYS_GUARD:
		f->rax = (uint64_t)sys_guard(f->rdi, f->rsi);
		break;
	case SYS_HALT:
		for (;;)
			__asm__ volatile("cli; hlt");
	default:
		machine_call(f);
	}
}

/* A supervisor call made with SUPERVISOR_CALL_INSN from CPL 3? */
static bool is_supervisor_call(struct trap_frame *f)
{
	if (!(f->cs & 3) || f->rip < (uint64_t)(uintptr_t)__text_start ||
	    f->rip + 4 > (uint64_t)(uintptr_t)__text_end)
		return false;
	const uint8_t *p = (const uint8_t *)(uintptr_t)f->rip;
	uint32_t insn = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	                (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return insn == SUPERVISOR_CALL_INSN;
}

void trap(struct trap_frame *f)
{
	uint64_t v = f->vector;
	if (v == 6 && is_supervisor_call(f)) {
		f->rip += 4;
		supervisor_call_dispatch(f);
	} else if (v == SYSCALL_VECTOR) {
		supervisor_call_dispatch(f);
	} else if (v >= 0xf0) {
		/* Spurious: from the masked PICs or the local APIC. */
	} else if (v >= 32) {
		machine_interrupt(f);
	} else {
		supervisor_fault(f);
	}
}
