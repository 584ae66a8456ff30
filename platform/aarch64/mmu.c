/*
 * mmu.c - the translation tables of the aarch64 targets (EL1 only).
 *
 * One identity map for EL0 and EL1 through TTBR0_EL1: 4 KiB granule,
 * 39-bit addresses (T0SZ 25), so the walk starts at level 1 (1 GiB
 * entries), then level 2 (2 MiB) and level 3 (4 KiB pages). The image is
 * mapped in pages by section, the heap in 2 MiB blocks that are split
 * into pages when a guard page is asked for inside one. Nothing else is
 * mapped: page 0 (and everything below the image) faults.
 *
 * | range                     | EL0        | EL1        | executable  |
 * |---------------------------|------------|------------|-------------|
 * | .text                     | read       | read       | EL0 and EL1 |
 * | .rodata                   | read       | read       | never       |
 * | .data .bss, user stack    | read/write | read/write | never       |
 * | .kbss (tables, stacks)    | -          | read/write | never       |
 * | heap                      | read/write | read/write | never       |
 * | device windows            | per board  | read/write | never       |
 *
 * "Never" is UXN and PXN in the entry, and SCTLR_EL1.WXN on top: a
 * writable page cannot be executed whatever its entry says. EL0 has no
 * way to the tables: they live in .kbss, mapped for EL1 only.
 */
#include "kernel.h"
EL1_CODE

#include "hw.h"
#include "mmu.h"

#define ENTRIES 512
#define TABLES 96 /* 384 KiB of .kbss */

/* Descriptor bits (ARM ARM D8.3). */
#define DESC_VALID 1ull
#define DESC_TABLE 3ull              /* levels 1-2: next table; level 3: page */
#define DESC_BLOCK 1ull              /* levels 1-2 */
#define DESC_ATTR_NORMAL (0ull << 2) /* MAIR index 0 */
#define DESC_ATTR_DEVICE (1ull << 2) /* MAIR index 1 */
#define DESC_AP_EL0 (1ull << 6)      /* AP[1]: EL0 may access */
#define DESC_AP_RO (1ull << 7)       /* AP[2]: read-only */
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF (1ull << 10)
#define DESC_PXN (1ull << 53)
#define DESC_UXN (1ull << 54)
/* Software: an invalid level-3 entry that is a guard page. */
#define DESC_GUARD (1ull << 55)
#define DESC_ADDR 0x0000fffffffff000ull

#define NORMAL (DESC_ATTR_NORMAL | DESC_SH_INNER | DESC_AF)
#define PROT_TEXT (NORMAL | DESC_AP_EL0 | DESC_AP_RO)
#define PROT_RODATA (NORMAL | DESC_AP_EL0 | DESC_AP_RO | DESC_PXN | DESC_UXN)
#define PROT_USER_RW (NORMAL | DESC_AP_EL0 | DESC_PXN | DESC_UXN)
#define PROT_KERNEL_RW (NORMAL | DESC_PXN | DESC_UXN)
#define PROT_DEVICE (DESC_ATTR_DEVICE | DESC_AF | DESC_PXN | DESC_UXN)

/* MAIR_EL1: index 0 normal write-back (read/write allocate), index 1
 * Device-nGnRE. */
#define MAIR_VALUE 0x04ffull
/* TCR_EL1: T0SZ 25, walks write-back cacheable inner shareable, 4 KiB
 * granule, no TTBR1 walks (EPD1); IPS set from the CPU at run time. */
#define TCR_VALUE                                                              \
	(25ull | 1ull << 8 | 1ull << 10 | 3ull << 12 | 0ull << 14 | 1ull << 23)
#define SCTLR_M (1ull << 0)
#define SCTLR_C (1ull << 2)
#define SCTLR_SA (1ull << 3)
#define SCTLR_SA0 (1ull << 4)
#define SCTLR_I (1ull << 12)
#define SCTLR_WXN (1ull << 19)

static uint64_t tables[TABLES][ENTRIES] KERNEL_BSS
        __attribute__((aligned(4096)));
static unsigned tables_used KERNEL_BSS;
static uint64_t heap_lo KERNEL_BSS, heap_hi KERNEL_BSS;
static bool mmu_on KERNEL_BSS;

extern char supervisor_stack_guard[];

static uint64_t *new_table(void)
{
	if (tables_used == TABLES)
		return NULL;
	return tables[tables_used++]; /* zeroed with .kbss */
}

/* After changing a live entry for va: make the walker see it. */
static void flush_entry(uint64_t va)
{
	if (!mmu_on)
		return;
	__asm__ volatile("dsb ishst\n\ttlbi vaae1is, %0\n\tdsb ish\n\tisb"
	                 :
	                 : "r"(va >> 12)
	                 : "memory");
}

/* The table the entry at level (1 or 2) points to, made (empty) or split
 * from a block (same rights, one level finer) if need be; NULL when out
 * of table memory. */
static uint64_t *descend(uint64_t *entry, unsigned level, uint64_t va)
{
	uint64_t e = *entry;
	if ((e & 3) == DESC_TABLE)
		return (uint64_t *)(uintptr_t)(e & DESC_ADDR);
	uint64_t *t = new_table();
	if (!t)
		return NULL;
	if ((e & 3) == DESC_BLOCK) {
		uint64_t step = level == 1 ? 1ull << 21 : 1ull << 12;
		uint64_t base =
		        e & DESC_ADDR &
		        ~(level == 1 ? (1ull << 30) - 1 : (1ull << 21) - 1);
		uint64_t attrs = e & ~DESC_ADDR & ~3ull;
		for (unsigned i = 0; i < ENTRIES; i++)
			t[i] = (base + i * step) | attrs |
			       (level == 1 ? DESC_BLOCK : DESC_TABLE);
		/* Break before make: the block goes, then the table comes. */
		*entry = 0;
		flush_entry(va);
	}
	__asm__ volatile("dsb ishst" ::: "memory");
	*entry = (uint64_t)(uintptr_t)t | DESC_TABLE;
	flush_entry(va);
	return t;
}

static unsigned index_at(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (39 - 9 * level)) & (ENTRIES - 1);
}

/* The level-3 entry for va, tables made or split on the way. */
static uint64_t *page_entry(uint64_t va)
{
	uint64_t *l2 = descend(&tables[0][index_at(va, 1)], 1, va);
	if (!l2)
		return NULL;
	uint64_t *l3 = descend(&l2[index_at(va, 2)], 2, va);
	return l3 ? &l3[index_at(va, 3)] : NULL;
}

/* Map [lo, hi) identity with prot: 2 MiB blocks where allowed and
 * aligned, pages elsewhere. Boot only (stops the boot if short of
 * tables). */
static void map_range(uint64_t lo, uint64_t hi, uint64_t prot, bool blocks)
{
	for (uint64_t a = lo; a < hi;) {
		if (blocks && (a & ((1ull << 21) - 1)) == 0 &&
		    hi - a >= 1ull << 21) {
			uint64_t *l2 =
			        descend(&tables[0][index_at(a, 1)], 1, a);
			if (!l2)
				supervisor_boot_fail("out of translation "
				                     "tables");
			l2[index_at(a, 2)] = a | prot | DESC_BLOCK;
			a += 1ull << 21;
			continue;
		}
		uint64_t *e = page_entry(a);
		if (!e)
			supervisor_boot_fail("out of translation tables");
		*e = a | prot | DESC_TABLE;
		a += PAGE_SIZE;
	}
}

static void mark_guard(uint64_t page)
{
	uint64_t *e = page_entry(page);
	if (!e)
		supervisor_boot_fail("out of translation tables");
	*e = DESC_GUARD;
}

void mmu_build(uint64_t lo, uint64_t hi)
{
	tables_used = 1; /* tables[0]: level 1 */
	heap_lo = lo;
	heap_hi = hi;
	map_range((uintptr_t)__text_start, (uintptr_t)__text_end, PROT_TEXT,
	          false);
	map_range((uintptr_t)__rodata_start, (uintptr_t)__rodata_end,
	          PROT_RODATA, false);
	map_range((uintptr_t)__data_start, (uintptr_t)__user_stack_guard,
	          PROT_USER_RW, false);
	mark_guard((uintptr_t)__user_stack_guard);
	map_range((uintptr_t)__user_stack_guard + PAGE_SIZE,
	          (uintptr_t)__data_end, PROT_USER_RW, false);
	map_range((uintptr_t)__kbss_start, (uintptr_t)__kbss_end,
	          PROT_KERNEL_RW, false);
	mark_guard((uintptr_t)supervisor_stack_guard);
	map_range(lo, hi, PROT_USER_RW, true);
}

void mmu_map_device(uint64_t base, uint64_t size, enum map_kind kind)
{
	uint64_t lo = base & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t hi =
	        (base + size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	if (hi <= lo || hi > 1ull << 39 ||
	    (hi > supervisor_ram_base &&
	     lo < supervisor_ram_base + supervisor_ram_size))
		supervisor_boot_fail("a device window outside the address "
		                     "space or over RAM");
	map_range(lo, hi,
	          PROT_DEVICE | (kind == MAP_USER_DEVICE ? DESC_AP_EL0 : 0),
	          false);
}

int mmu_guard(uint64_t page, bool guard)
{
	if ((page & (PAGE_SIZE - 1)) || page < heap_lo || page >= heap_hi)
		return -1;
	uint64_t *e = page_entry(page);
	if (!e)
		return -1;
	*e = guard ? DESC_GUARD : page | PROT_USER_RW | DESC_TABLE;
	flush_entry(page);
	return 0;
}

/* The level-3 entry for va if the tables go that far, else NULL (no
 * tables are made). */
static uint64_t *find_page(uint64_t va)
{
	if (va >= 1ull << 39)
		return NULL;
	uint64_t e = tables[0][index_at(va, 1)];
	if ((e & 3) != DESC_TABLE)
		return NULL;
	uint64_t *l2 = (uint64_t *)(uintptr_t)(e & DESC_ADDR);
	e = l2[index_at(va, 2)];
	if ((e & 3) != DESC_TABLE)
		return NULL;
	return &((uint64_t *)(uintptr_t)(e & DESC_ADDR))[index_at(va, 3)];
}

bool mmu_is_guard(uint64_t va)
{
	uint64_t *e = find_page(va);
	return e && *e == DESC_GUARD;
}

void mmu_enable(void)
{
	/* The tables were written with the caches off: drop any stale line
	 * the loader may have left for them. */
	for (uint64_t a = (uintptr_t)__kbss_start; a < (uintptr_t)__kbss_end;
	     a += 64)
		__asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
	uint64_t ips = read_sysreg(id_aa64mmfr0_el1) & 7;
	if (ips > 5)
		ips = 5; /* 48 bits: all a 4 KiB granule walk describes */
	write_sysreg(mair_el1, MAIR_VALUE);
	write_sysreg(tcr_el1, TCR_VALUE | ips << 32);
	write_sysreg(ttbr0_el1, (uintptr_t)tables[0]);
	__asm__ volatile("dsb ish\n\tisb\n\ttlbi vmalle1\n\tdsb ish\n\tisb\n\t"
	                 "ic iallu\n\tdsb ish\n\tisb" ::
	                         : "memory");
	uint64_t sctlr = read_sysreg(sctlr_el1);
	sctlr |= SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_SA0 | SCTLR_WXN;
	write_sysreg(sctlr_el1, sctlr);
	isb();
	mmu_on = true;
}
