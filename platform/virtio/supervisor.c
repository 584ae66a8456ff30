/*
 * supervisor.c - the CPL 0 part of the virtio target.
 *
 * kernel_main() runs once at boot: it reads the PVH start info, builds the
 * W^X page tables from the linker-script symbols, sets up the GDT, TSS and
 * IDT, the local APIC and (under KVM) the paravirtual clock, and drops to
 * CPL 3 in user_main() with IOPL 3 and interrupts off. After that the
 * supervisor only runs for exceptions (reported, then the guest exits with
 * 255), for interrupts (noted, acknowledged) and for the few calls user
 * code makes with int $0x80 (sleep, map a device window, route an
 * interrupt, guard a page).
 *
 * Everything here is ring-0 code: general registers only, kept short.
 */
#include "kernel.h"
RING0_CODE

#include "apic.h"
#include "hw.h"
#include "paging.h"
#include "serial.h"
#include "startinfo.h"

#define RFLAGS_USER 0x3002 /* IOPL 3, reserved bit 1, IF clear */
#define KSTACK_SIZE 16384
#define ISTACK_SIZE 8192

#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

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

/* Ports CPL 3 uses: COM1, isa-debug-exit, the i8042 reset, the CMOS RTC,
 * the PIT (calibration), PCI configuration. */
static const struct {
	uint16_t first, count;
} user_ports[] = {{0x3f8, 8}, {0xf4, 4}, {0x64, 1},
                  {0x70, 2},  {0x40, 4}, {0xcf8, 8}};

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
static uint64_t heap_lo KERNEL_BSS, heap_hi KERNEL_BSS;
/* Shared with entry.S: device slots that interrupted, the fast sleep
 * path's switch, the EOI register's address. */
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

static _Noreturn void boot_fail(const char *why)
{
	serial_puts("kiln: virtio: cannot boot: ");
	serial_puts(why);
	serial_puts("\n");
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
			heap_lo = align_up(image_hi, PAGE_SIZE);
			heap_hi = hi & ~(PAGE_SIZE - 1);
			/* The tables cover what the pool can describe;
			 * 64 GiB is far beyond any unikernel's needs. */
			if (heap_hi > (64ull << 30))
				heap_hi = 64ull << 30;
			return;
		}
	}
	boot_fail("the image is not inside RAM listed by the memory map");
}

static void map_or_fail(char *lo, char *hi, uint64_t flags)
{
	uint64_t a = (uint64_t)(uintptr_t)lo, b = (uint64_t)(uintptr_t)hi;
	if (b > a && !paging_map(a, b - a, flags))
		boot_fail("out of page tables");
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
	if (heap_hi > heap_lo &&
	    !paging_map(heap_lo, heap_hi - heap_lo, PTE_US | PTE_RW | PTE_NX))
		boot_fail("out of page tables for the heap");
	if (!paging_unmap_page((uint64_t)(uintptr_t)__user_stack_guard) ||
	    !paging_unmap_page((uint64_t)(uintptr_t)kernel_stack) ||
	    !paging_unmap_page((uint64_t)(uintptr_t)supervisor_fault_stack))
		boot_fail("cannot place guard pages");
}

static bool is_guard_page(uint64_t a)
{
	a &= ~(PAGE_SIZE - 1);
	return a == (uint64_t)(uintptr_t)__user_stack_guard ||
	       a == (uint64_t)(uintptr_t)kernel_stack ||
	       a == (uint64_t)(uintptr_t)supervisor_fault_stack ||
	       (a >= heap_lo && a < heap_hi && !paging_lookup(a));
}

/* ------------------------------------------------- descriptor tables */

static void set_gate(unsigned vector, unsigned dpl, unsigned ist)
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
	for (unsigned r = 0; r < sizeof(user_ports) / sizeof(user_ports[0]);
	     r++) {
		for (unsigned p = user_ports[r].first;
		     p < (unsigned)user_ports[r].first + user_ports[r].count;
		     p++)
			tss.iomap[p / 8] &= (uint8_t) ~(1u << (p % 8));
	}

	struct descriptor_pointer gp = {sizeof(gdt) - 1,
	                                (uint64_t)(uintptr_t)gdt};
	load_gdt(&gp);
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));

	/* Only the vectors in use get gates: on emulating KVMs every ring-0
	 * instruction at boot counts. Any other vector faults (#GP naming
	 * the IDT entry) and is reported. */
	for (unsigned v = 0; v < DEVICE_VECTOR_BASE + DEVICE_VECTORS; v++)
		set_gate(v, 0, 0);
	for (unsigned v = 0xf0; v < 256; v++)
		set_gate(v, 0, 0);
	set_gate(2, 0, 1);  /* NMI */
	set_gate(8, 0, 1);  /* double fault */
	set_gate(18, 0, 1); /* machine check */
	set_gate(SYSCALL_VECTOR, 3, 0);
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

/* ---------------------------------------------------------------- boot */

static _Noreturn void kernel_main_final(void)
{
	setup_descriptors();
	setup_fpu();
	disable_pic();
	boot_info.flags |= apic_init(&boot_info.lapic_id);
	supervisor_eoi_register = apic_eoi_register();
	supervisor_fast_sleep = (boot_info.flags & BOOT_TSC_DEADLINE) != 0;
	setup_kvmclock();
	/* As if called: the ABI wants %rsp + 8 16-byte aligned at entry. */
	enter_user(user_main, (uint64_t)(uintptr_t)__user_stack_top - 8,
	           RFLAGS_USER);
	for (;;)
		;
}

void kernel_main(uint32_t start_info)
{
	serial_init();
	/* The early tables map the first GiB; page 0 stays out of reach. */
	enum pvh_error e =
	        pvh_parse((const uint8_t *)(uintptr_t)PAGE_SIZE, PAGE_SIZE,
	                  (1ull << 30) - PAGE_SIZE, start_info, &pvh);
	if (e != PVH_OK)
		boot_fail(pvh_strerror(e));
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
	boot_info.heap_start = heap_lo;
	boot_info.heap_size = heap_hi - heap_lo;
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

static _Noreturn void fault(struct trap_frame *f)
{
	const char *name = f->vector < 32 && exception_names[f->vector]
	                           ? exception_names[f->vector]
	                           : "unexpected interrupt";
	serial_puts("\nkiln: fault: ");
	serial_puts(name);
	serial_puts(" (vector ");
	serial_put_dec(f->vector);
	serial_puts(") in ");
	serial_puts((f->cs & 3) ? "user" : "supervisor");
	serial_puts(" mode at rip ");
	serial_put_hex(f->rip);
	if (f->vector == 14) {
		uint64_t cr2;
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		serial_puts(": ");
		serial_puts(f->error & 2 ? "write to " : "read of ");
		if (f->error & 16)
			serial_puts("(instruction fetch) ");
		serial_put_hex(cr2);
		serial_puts(f->error & 1 ? " (protection)" : " (not mapped)");
		if (is_guard_page(cr2))
			serial_puts(" - a guard page: stack overflow?");
		else if (cr2 < PAGE_SIZE)
			serial_puts(" - NULL pointer?");
	}
	serial_puts(" error ");
	serial_put_hex(f->error);
	serial_puts(" rsp ");
	serial_put_hex(f->rsp);
	serial_puts("\n");
	hw_exit(255);
}

/* -------------------------------------------------------------- calls */

static bool overlaps_ram(uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < pvh.ram_count; i++) {
		uint64_t lo = pvh.ram[i].base, hi = lo + pvh.ram[i].size;
		if (a < hi && lo < a + len)
			return true;
	}
	return false;
}

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
	    overlaps_ram(lo, hi - lo))
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

static int64_t sys_guard(uint64_t page, uint64_t on)
{
	if ((page & (PAGE_SIZE - 1)) || page < heap_lo || page >= heap_hi)
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
	case SYS_GUARD:
		f->rax = (uint64_t)sys_guard(f->rdi, f->rsi);
		break;
	case SYS_HALT:
		for (;;)
			__asm__ volatile("cli; hlt");
	default:
		f->rax = (uint64_t)-1;
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
	} else {
		fault(f);
	}
}
