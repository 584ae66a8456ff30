/*
 * paging.h - the supervisor's page tables (identity-mapped, 4-level).
 */
#ifndef X86_64_PAGING_H
#define X86_64_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)

#define PAGE_SIZE 4096ull
#define LARGE_PAGE_SIZE (2ull << 20)

/* Identity-map [addr, addr + len) (page-aligned) with flags (PTE_P is
 * implied), using 2 MiB pages where alignment allows. False when the
 * table pool is exhausted. */
bool paging_map(uint64_t addr, uint64_t len, uint64_t flags);

/* Unmap one 4 KiB page (splitting a 2 MiB page if needed). */
bool paging_unmap_page(uint64_t addr);

/* The flags a 4 KiB-granular lookup finds for addr, 0 if unmapped. */
uint64_t paging_lookup(uint64_t addr);

/* Physical address of the top-level table, for %cr3. */
uint64_t paging_root(void);

/* Flush the whole TLB (after changing live mappings). */
void paging_flush(void);

#endif /* X86_64_PAGING_H */
