/*
 * paging.c - build and edit the identity-mapped page tables.
 *
 * Tables come from a fixed pool in supervisor-only memory. Large ranges
 * (the heap) use 2 MiB pages so that building the tables stays cheap: on
 * some hypervisors every ring-0 instruction is emulated. A 2 MiB page is
 * split into 4 KiB pages on demand (guard pages, MMIO windows).
 */
#include "ring0.h"
RING0_CODE

#include "paging.h"

#define POOL_TABLES 96
#define ADDR_MASK 0x000ffffffffff000ull

static uint64_t pool[POOL_TABLES][512] KERNEL_BSS
        __attribute__((aligned(4096)));
static unsigned pool_used KERNEL_BSS;
static uint64_t *root KERNEL_BSS;

static uint64_t *table_alloc(void)
{
	if (pool_used == POOL_TABLES)
		return 0;
	/* The pool is zeroed by the loader and never handed out twice. */
	return pool[pool_used++];
}

/* Split the 2 MiB leaf *pde into a table of 512 4 KiB leaves with the
 * same rights. */
static bool split_large(uint64_t *pde)
{
	uint64_t *pt = table_alloc();
	if (!pt)
		return false;
	uint64_t base = *pde & ADDR_MASK & ~(LARGE_PAGE_SIZE - 1);
	uint64_t flags = *pde & ~ADDR_MASK & ~PTE_PS;
	for (unsigned i = 0; i < 512; i++)
		pt[i] = (base + i * PAGE_SIZE) | flags;
	*pde = (uint64_t)(uintptr_t)pt | PTE_P | PTE_RW | PTE_US;
	return true;
}

/* The next-level table under entry *e, created if absent. */
static uint64_t *next_table(uint64_t *e)
{
	if (!(*e & PTE_P)) {
		uint64_t *t = table_alloc();
		if (!t)
			return 0;
		/* Intermediate entries grant everything; leaves decide. */
		*e = (uint64_t)(uintptr_t)t | PTE_P | PTE_RW | PTE_US;
	} else if (*e & PTE_PS) {
		if (!split_large(e))
			return 0;
	}
	return (uint64_t *)(uintptr_t)(*e & ADDR_MASK);
}

static bool ensure_root(void)
{
	if (!root)
		root = table_alloc();
	return root != 0;
}

static uint64_t *pd_for(uint64_t addr)
{
	uint64_t *pdpt = next_table(&root[(addr >> 39) & 511]);
	if (!pdpt)
		return 0;
	return next_table(&pdpt[(addr >> 30) & 511]);
}

bool paging_map(uint64_t addr, uint64_t len, uint64_t flags)
{
	if (!ensure_root())
		return false;
	flags |= PTE_P;
	uint64_t end = addr + len;
	while (addr < end) {
		/* One walk per 2 MiB: ring-0 instructions are dear. */
		uint64_t *pd = pd_for(addr);
		if (!pd)
			return false;
		uint64_t *pde = &pd[(addr >> 21) & 511];
		if ((addr & (LARGE_PAGE_SIZE - 1)) == 0 &&
		    end - addr >= LARGE_PAGE_SIZE &&
		    (!(*pde & PTE_P) || (*pde & PTE_PS))) {
			*pde = addr | flags | PTE_PS;
			addr += LARGE_PAGE_SIZE;
			continue;
		}
		uint64_t *pt = next_table(pde);
		if (!pt)
			return false;
		uint64_t limit = (addr | (LARGE_PAGE_SIZE - 1)) + 1;
		if (limit > end)
			limit = end;
		uint64_t *e = &pt[(addr >> 12) & 511];
		for (; addr < limit; addr += PAGE_SIZE)
			*e++ = addr | flags;
	}
	return true;
}

/* The leaf entry for addr, at 4 KiB granularity if split is set. */
static uint64_t *leaf(uint64_t addr, bool split)
{
	if (!root)
		return 0;
	uint64_t *e = &root[(addr >> 39) & 511];
	for (int shift = 30; shift >= 12; shift -= 9) {
		if (!(*e & PTE_P))
			return 0;
		uint64_t *t = (uint64_t *)(uintptr_t)(*e & ADDR_MASK);
		e = &t[(addr >> shift) & 511];
		if (shift == 21 && (*e & PTE_P) && (*e & PTE_PS)) {
			if (!split)
				return e;
			if (!split_large(e))
				return 0;
		}
	}
	return e;
}

bool paging_unmap_page(uint64_t addr)
{
	uint64_t *e = leaf(addr, true);
	if (!e)
		return false;
	*e &= ~PTE_P;
	return true;
}

uint64_t paging_lookup(uint64_t addr)
{
	uint64_t *e = leaf(addr, false);
	if (!e || !(*e & PTE_P))
		return 0;
	return *e & ~ADDR_MASK;
}

uint64_t paging_root(void)
{
	return (uint64_t)(uintptr_t)root;
}

void paging_flush(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}
