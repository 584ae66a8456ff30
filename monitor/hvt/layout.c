/*
 * monitor/hvt/layout.c - guest memory layout, page tables and descriptor
 * tables, written straight into guest memory before the vCPU first runs.
 *
 * The guest never switches modes: it starts in 64-bit mode at CPL 3 with
 * these tables already live. Memory is identity-mapped with 4 KiB pages so
 * that every page has its own permissions (W^X from the ELF segment flags,
 * a guard page anywhere in the heap through the supervisor). Page tables,
 * GDT, IDT and TSS are supervisor-only, so the guest cannot undo them.
 */
#include "hvt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const uint8_t hvt_supervisor_start[], hvt_supervisor_end[];
extern const uint8_t hvt_supervisor_vectors[], hvt_supervisor_call[];

#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_U 4ull
#define PTE_PS (1ull << 7) /* in a PDE: a 2 MiB page */
#define PTE_NX (1ull << 63)
#define HVT_2M (512 * HVT_PAGE)

#define DIV_UP(a, b) (((a) + (b)-1) / (b))

_Static_assert(sizeof(struct hvt_boot_info) <= 4 * HVT_PAGE,
               "boot info fits below the image");
_Static_assert(HVT_BOOT_INFO + sizeof(struct hvt_boot_info) <= HVT_IMAGE_MIN,
               "boot info below the image");
_Static_assert(HVT_BOOT_INFO + 4 * HVT_PAGE <= HVT_VCHAN_PD &&
                       HVT_VCHAN_PD + HVT_PAGE <= HVT_IMAGE_MIN,
               "the windows' page directory between boot info and image");
_Static_assert(__builtin_offsetof(struct hvt_super_data, fault) == HVT_SD_FAULT,
               "supervisor.S offsets");
_Static_assert(__builtin_offsetof(struct hvt_super_data, pt_base) ==
                       HVT_SD_PT_BASE,
               "supervisor.S offsets");
_Static_assert(__builtin_offsetof(struct hvt_super_data, pd_base) ==
                       HVT_SD_PD_BASE,
               "supervisor.S offsets");

/*
 * Top of memory, going down: page tables (PML4, PDPT, PDs, PTs), a guard
 * page, the boot stack, a guard page; the heap takes what lies between the
 * image and that guard page.
 */
int hvt_layout_plan(struct hvt_layout *lay, uint64_t mem_size)
{
	memset(lay, 0, sizeof(*lay));
	lay->mem_size = mem_size;
	lay->npt = DIV_UP(mem_size, 512 * HVT_PAGE);
	lay->npd = DIV_UP(mem_size, 512 * 512 * HVT_PAGE);
	lay->pml4 = mem_size - HVT_PAGE;
	lay->pdpt = lay->pml4 - HVT_PAGE;
	lay->pd_base = lay->pdpt - lay->npd * HVT_PAGE;
	lay->pt_base = lay->pd_base - lay->npt * HVT_PAGE;
	lay->stack_top = lay->pt_base - HVT_PAGE;
	lay->stack_lo = lay->stack_top - HVT_BOOT_STACK_SIZE;
	lay->heap_end = lay->stack_lo - HVT_PAGE;
	if (lay->heap_end < HVT_IMAGE_MIN + HVT_HEAP_MIN)
		return -1;
	lay->image_limit = lay->heap_end - HVT_HEAP_MIN;
	return 0;
}

static uint64_t *pte(struct hvt *h, uint64_t addr)
{
	return (uint64_t *)(h->mem + h->lay.pt_base) + addr / HVT_PAGE;
}

static void map(struct hvt *h, uint64_t lo, uint64_t hi, uint64_t flags)
{
	for (uint64_t a = lo; a < hi; a += HVT_PAGE)
		*pte(h, a) = a | PTE_P | flags;
}

/* Add [lo, hi) to a sorted list of ranges, merging neighbours. */
static void add_range(struct hvt_range *r, unsigned *n, uint64_t lo,
                      uint64_t hi)
{
	unsigned i = *n;
	while (i > 0 && r[i - 1].lo > lo) {
		r[i] = r[i - 1];
		i--;
	}
	r[i] = (struct hvt_range){lo, hi};
	(*n)++;
	unsigned w = 0;
	for (unsigned k = 1; k < *n; k++) {
		if (r[k].lo <= r[w].hi) {
			if (r[k].hi > r[w].hi)
				r[w].hi = r[k].hi;
		} else {
			r[++w] = r[k];
		}
	}
	*n = w + 1;
}

static void user_range(struct hvt_layout *lay, uint64_t lo, uint64_t hi,
                       bool writable)
{
	add_range(lay->readable, &lay->nreadable, lo, hi);
	if (writable)
		add_range(lay->writable, &lay->nwritable, lo, hi);
}

static void build_page_tables(struct hvt *h)
{
	struct hvt_layout *lay = &h->lay;
	uint64_t *pml4 = (uint64_t *)(h->mem + lay->pml4);
	uint64_t *pdpt = (uint64_t *)(h->mem + lay->pdpt);
	uint64_t *pd = (uint64_t *)(h->mem + lay->pd_base);

	/* Upper levels allow everything; the leaf entries decide. */
	pml4[0] = lay->pdpt | PTE_P | PTE_W | PTE_U;
	for (uint64_t i = 0; i < lay->npd; i++)
		pdpt[i] = (lay->pd_base + i * HVT_PAGE) | PTE_P | PTE_W | PTE_U;
	for (uint64_t i = 0; i < lay->npt; i++)
		pd[i] = (lay->pt_base + i * HVT_PAGE) | PTE_P | PTE_W | PTE_U;

	/* Supervisor-only structures (page 0 and the IST guard stay out). */
	map(h, HVT_GDT, HVT_GDT + HVT_PAGE, PTE_W | PTE_NX);
	map(h, HVT_IDT, HVT_IDT + HVT_PAGE, PTE_NX);
	map(h, HVT_SUPER_DATA, HVT_SUPER_DATA + HVT_PAGE, PTE_W | PTE_NX);
	map(h, HVT_SUPER_CODE, HVT_SUPER_CODE + HVT_PAGE, 0);
	map(h, HVT_IST_STACK, HVT_IST_TOP, PTE_W | PTE_NX);
	map(h, lay->pt_base, lay->mem_size, PTE_W | PTE_NX);

	/* The guest's own pages. */
	uint64_t bi_end =
	        HVT_BOOT_INFO +
	        DIV_UP(sizeof(struct hvt_boot_info), HVT_PAGE) * HVT_PAGE;
	map(h, HVT_BOOT_INFO, bi_end, PTE_U | PTE_NX);
	user_range(lay, HVT_BOOT_INFO, bi_end, false);
	for (unsigned k = 0; k < h->img.nsegs; k++) {
		const struct hvt_segment *s = &h->img.seg[k];
		uint64_t lo = s->vaddr & ~(HVT_PAGE - 1);
		uint64_t hi = DIV_UP(s->vaddr + s->memsz, HVT_PAGE) * HVT_PAGE;
		uint64_t f = PTE_U;
		if (s->flags & HVT_SEG_W)
			f |= PTE_W;
		if (!(s->flags & HVT_SEG_X))
			f |= PTE_NX;
		map(h, lo, hi, f);
		user_range(lay, lo, hi, s->flags & HVT_SEG_W);
	}
	/* The heap's whole 2 MiB stretches are 2 MiB pages, so that the
	 * page tables written here (and the host memory they fault in) do
	 * not grow with --mem. Their page tables stay untouched until the
	 * supervisor fills one, the first time a guard page is set in that
	 * stretch. The ends of the heap get 4 KiB pages. */
	uint64_t big_lo = DIV_UP(lay->heap_start, HVT_2M) * HVT_2M;
	uint64_t big_hi = lay->heap_end / HVT_2M * HVT_2M;
	if (big_lo >= big_hi) {
		map(h, lay->heap_start, lay->heap_end, PTE_U | PTE_W | PTE_NX);
	} else {
		map(h, lay->heap_start, big_lo, PTE_U | PTE_W | PTE_NX);
		for (uint64_t a = big_lo; a < big_hi; a += HVT_2M)
			pd[a / HVT_2M] =
			        a | PTE_P | PTE_W | PTE_U | PTE_PS | PTE_NX;
		map(h, big_hi, lay->heap_end, PTE_U | PTE_W | PTE_NX);
	}
	user_range(lay, lay->heap_start, lay->heap_end, true);
	map(h, lay->stack_lo, lay->stack_top, PTE_U | PTE_W | PTE_NX);
	user_range(lay, lay->stack_lo, lay->stack_top, true);
}

/* A 64-bit interrupt gate to handler (code selector 0x08). */
static void set_gate(uint64_t *idt, unsigned v, uint64_t handler, unsigned dpl,
                     unsigned ist)
{
	idt[2 * v] = (handler & 0xffff) | (uint64_t)HVT_SEL_KCODE << 16 |
	             (uint64_t)ist << 32 | (uint64_t)(0x8e | dpl << 5) << 40 |
	             (handler >> 16 & 0xffff) << 48;
	idt[2 * v + 1] = handler >> 32;
}

static void build_descriptors(struct hvt *h)
{
	uint64_t *gdt = (uint64_t *)(h->mem + HVT_GDT);
	uint64_t tss = HVT_GDT + 0x100;

	/* Descriptors are marked accessed so the CPU never writes them. */
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffull; /* 0x08 kernel code, 64-bit */
	gdt[2] = 0x00cf93000000ffffull; /* 0x10 kernel data */
	gdt[3] = 0x00cff3000000ffffull; /* 0x18 user data, DPL 3 */
	gdt[4] = 0x00affb000000ffffull; /* 0x20 user code, 64-bit, DPL 3 */
	/* 0x28: the TSS (busy), a 16-byte system descriptor. */
	gdt[5] = HVT_TSS_LIMIT | (tss & 0xffffff) << 16 | 0x8bull << 40 |
	         (tss >> 24 & 0xff) << 56;
	gdt[6] = tss >> 32;

	/*
	 * The 64-bit TSS: RSP0 (offset 4) and IST1 (offset 36) both point at
	 * the supervisor stack. Its I/O bitmap opens the hypercall ports to
	 * CPL 3 and nothing else. RFLAGS.IOPL is 3 as well, but KVMs that run
	 * guest user mode in host ring 3 (PVM) cannot keep IOPL and emulate
	 * the port access by this bitmap instead.
	 */
	uint8_t *t = h->mem + tss;
	uint64_t top = HVT_IST_TOP;
#ifdef KILN_HVT_TEST_HOOKS
	/* The test build only (bin/kiln-hvt-test, tests/hvt/test-hvt.sh):
	 * KILN_HVT_BREAK_IST=1 puts the stack top on the unmapped guard
	 * page, so that any exception becomes a triple fault and its report
	 * can be checked. */
	const char *brk = getenv("KILN_HVT_BREAK_IST");
	if (brk && strcmp(brk, "1") == 0)
		top = HVT_IST_GUARD + HVT_PAGE;
#endif
	memcpy(t + 4, &top, 8);
	memcpy(t + 36, &top, 8);
	uint16_t iomap = HVT_TSS_IOMAP;
	memcpy(t + 102, &iomap, 2);
	memset(t + HVT_TSS_IOMAP, 0xff, HVT_TSS_LIMIT + 1 - HVT_TSS_IOMAP);
	for (unsigned p = HVT_PORT_BASE; p < HVT_PORT_BASE + HVT_PORT_COUNT;
	     p++)
		t[HVT_TSS_IOMAP + p / 8] &= (uint8_t) ~(1u << (p % 8));

	uint64_t *idt = (uint64_t *)(h->mem + HVT_IDT);
	uint64_t base = HVT_SUPER_CODE;
	uint64_t vec = base + (uint64_t)(hvt_supervisor_vectors -
	                                 hvt_supervisor_start);
	for (unsigned v = 0; v < 32; v++)
		set_gate(idt, v, vec + 16 * v, 0, 1);
	set_gate(idt, HVT_SUPER_VECTOR,
	         base + (uint64_t)(hvt_supervisor_call - hvt_supervisor_start),
	         3, 1);

	memcpy(h->mem + HVT_SUPER_CODE, hvt_supervisor_start,
	       (size_t)(hvt_supervisor_end - hvt_supervisor_start));
	struct hvt_super_data *sd =
	        (struct hvt_super_data *)(h->mem + HVT_SUPER_DATA);
	sd->heap_start = h->lay.heap_start;
	sd->heap_end = h->lay.heap_end;
	sd->pt_base = h->lay.pt_base;
	sd->pd_base = h->lay.pd_base;
}

int hvt_layout_build(struct hvt *h, const char *cmdline)
{
	struct hvt_layout *lay = &h->lay;
	_Static_assert(sizeof(struct hvt_super_data) <= HVT_PAGE, "one page");
	if (hvt_supervisor_end - hvt_supervisor_start > (long)HVT_PAGE)
		return -1;
	lay->heap_start = h->img.hi;
	build_page_tables(h);
	build_descriptors(h);

	struct hvt_boot_info *bi =
	        (struct hvt_boot_info *)(h->mem + HVT_BOOT_INFO);
	bi->magic = HVT_BOOT_MAGIC;
	bi->mem_size = lay->mem_size;
	bi->heap_start = lay->heap_start;
	bi->heap_size = lay->heap_end - lay->heap_start;
	bi->stack_top = lay->stack_top;
	bi->tsc_hz = h->tsc_hz;
	bi->tsc_mult =
	        (uint64_t)(((unsigned __int128)1000000000 << 32) / h->tsc_hz);
	bi->flags = HVT_BOOT_GUARD_PAGES;
	snprintf(bi->cmdline, sizeof(bi->cmdline), "%s", cmdline);
	return 0;
}
