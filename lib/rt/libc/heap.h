/*
 * heap.h - an allocator over one memory region.
 *
 * Blocks carry a 16-byte header (sizes of this block and of the one
 * before it, a state and a check word), so a block's neighbours are found
 * in O(1) both ways and a free block merges with free neighbours at once:
 * two free blocks are never adjacent.
 *
 * Free blocks sit in segregated lists ("two-level segregated fit"): one
 * list per exact size below 1 KiB, and above that 16 lists per power of
 * two, so a list's sizes differ by at most 1/16. A bitmap of non-empty
 * lists finds the smallest list that can serve a request in a few word
 * operations.
 *
 * Allocation looks at up to RT_HEAP_SCAN blocks of the request's own list
 * (first fit there), then takes the first block of the next non-empty
 * larger list, splitting off the rest. Free and realloc are O(1) plus the
 * list insert. Worst case of malloc: RT_HEAP_SCAN header checks and a scan
 * of the bitmap (8 words). Waste per block: the header plus rounding to 16
 * bytes (32-byte minimum block). Fragmentation stays bounded: a request
 * is served from the smallest list known to fit (or a fitting block of its
 * own list), leftovers are split off and free neighbours merge at once.
 *
 * Checks (each a kiln_panic with the address): freeing or reallocating a
 * pointer that is not a live block (double free included), a damaged
 * header of the block or of either neighbour (a buffer overrun or
 * underrun), damaged free-list links (a write after free).
 *
 * The region may be any size up to 64 GiB (block sizes are kept in 16-byte
 * granules in 32 bits); anything beyond is left unused.
 */
#ifndef KILN_RT_LIBC_HEAP_H
#define KILN_RT_LIBC_HEAP_H

#include <kiln/rt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_HEAP_BINS 480
#define RT_HEAP_BITMAP_WORDS ((RT_HEAP_BINS + 63) / 64)
#define RT_HEAP_SCAN 16

struct rt_heap_free;

struct rt_heap {
	uintptr_t start, end; /* the managed region, 16-byte aligned */
	uint64_t nonempty[RT_HEAP_BITMAP_WORDS]; /* bit per non-empty bin */
	struct rt_heap_free *bins[RT_HEAP_BINS];
	size_t in_use, peak, free_bytes;
	uint64_t allocs, frees, failures;
};

/* Manage [start, start + size). The heap struct lives outside the region. */
void rt_heap_init(struct rt_heap *h, void *start, size_t size);

/* The malloc family. All return NULL (and count a failure) when the memory
 * is not there; size 0 yields a unique minimal block. */
void *rt_heap_alloc(struct rt_heap *h, size_t size);
void *rt_heap_calloc(struct rt_heap *h, size_t n, size_t size);
void *rt_heap_realloc(struct rt_heap *h, void *p, size_t size);
void rt_heap_free(struct rt_heap *h, void *p);
/* align: a power of two (any; 16 and below cost nothing extra). */
void *rt_heap_aligned_alloc(struct rt_heap *h, size_t align, size_t size);

/* Usable bytes of a live block (at least what was asked for). */
size_t rt_heap_usable_size(struct rt_heap *h, void *p);

/*
 * Statistics. in_use and free_bytes count payload bytes (block size minus
 * header); heap_size - in_use - free_bytes is the headers' overhead.
 * largest_free is the largest request one block could serve now. O(1)
 * except largest_free, which scans the largest non-empty list.
 */
void rt_heap_stats(struct rt_heap *h, struct kiln_mem_stats *st);

/* Walk every block and list and check all the invariants; panics on the
 * first problem. O(blocks): for tests and debugging. */
void rt_heap_check(struct rt_heap *h);

#endif /* KILN_RT_LIBC_HEAP_H */
