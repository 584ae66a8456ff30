/*
 * malloc.c - the global heap behind malloc and friends: one struct
 * rt_heap over the region the platform hands to kiln_start.
 * Until rt_libc_init runs, every allocation fails.
 */
#include "heap.h"
#include "rt_libc.h"
#include <errno.h>

static struct rt_heap global_heap;

void rt_libc_init(void *heap_start, size_t heap_size)
{
	rt_heap_init(&global_heap, heap_start, heap_size);
}

void rt_libc_stats(struct kiln_mem_stats *st)
{
	rt_heap_stats(&global_heap, st);
}

void *rt_malloc(size_t size)
{
	return rt_heap_alloc(&global_heap, size);
}

void *rt_calloc(size_t n, size_t size)
{
	return rt_heap_calloc(&global_heap, n, size);
}

void *rt_realloc(void *p, size_t size)
{
	return rt_heap_realloc(&global_heap, p, size);
}

void rt_free(void *p)
{
	rt_heap_free(&global_heap, p);
}

void *rt_aligned_alloc(size_t align, size_t size)
{
	return rt_heap_aligned_alloc(&global_heap, align, size);
}

int rt_posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	p = rt_heap_aligned_alloc(&global_heap, align, size);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}
