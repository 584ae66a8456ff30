/*
 * mem.c - heap statistics: from lib/rt/libc's allocator on freestanding
 * targets, from the host allocator (as far as it tells) on unix.
 */
#include "rt_internal.h"

#include <string.h>

#ifdef KILN_FREESTANDING
#include "libc/rt_libc.h"
#else
#include <malloc.h>
#endif

static size_t heap_size;
#ifndef KILN_FREESTANDING
static size_t host_peak;
#endif

void rt_mem_init(void *heap, size_t size)
{
	(void)heap;
	heap_size = size;
}

void kiln_mem_stats(struct kiln_mem_stats *st)
{
	memset(st, 0, sizeof(*st));
#ifdef KILN_FREESTANDING
	rt_libc_stats(st);
	if (st->heap_size == 0)
		st->heap_size = heap_size;
#else
	/* glibc knows bytes in use and free in its arenas, not counts or the
	 * largest free block; those stay 0. The peak is the largest in-use
	 * figure seen by a call here. */
	struct mallinfo2 mi = mallinfo2();
	st->heap_size = heap_size;
	st->in_use = mi.uordblks + mi.hblkhd;
	st->free_bytes = mi.fordblks;
	if (st->in_use > host_peak)
		host_peak = st->in_use;
	st->peak = host_peak;
#endif
}
