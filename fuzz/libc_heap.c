/*
 * libc_heap.c - libFuzzer harness: the region allocator driven by the
 * input, one operation per 4 bytes (malloc, calloc, realloc,
 * aligned_alloc, free of a chosen slot). Blocks carry a fill pattern that
 * must survive; after every operation rt_heap_check walks the whole heap,
 * and at the end every byte must be free again in one block.
 */
#include "../lib/rt/libc/heap.h"
#include "../lib/rt/libc/rt_libc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REGION (1u << 20)
#define SLOTS 32

_Noreturn void kiln_panic_at(const char *file, int line, const char *fmt, ...)
{
	fprintf(stderr, "panic at %s:%d: %s\n", file, line, fmt);
	abort();
}

static struct {
	unsigned char *p;
	size_t size;
	unsigned char seed;
} slots[SLOTS];

static void check_block(unsigned s)
{
	for (size_t i = 0; i < slots[s].size; i++)
		if (slots[s].p[i] != (unsigned char)(slots[s].seed + i))
			abort();
}

static void set_block(unsigned s, unsigned char *p, size_t size,
                      unsigned char seed)
{
	slots[s].p = p;
	slots[s].size = p ? size : 0;
	slots[s].seed = seed;
	for (size_t i = 0; p && i < size; i++)
		p[i] = (unsigned char)(seed + i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char *region;
	static struct rt_heap heap;
	struct kiln_mem_stats base, st;

	if (region == NULL)
		region = malloc(REGION + 16);
	/* Vary the region's start and length a little too. */
	rt_heap_init(&heap, region + (size ? data[0] % 16 : 0),
	             REGION - (size > 1 ? data[1] * 8u : 0));
	rt_heap_stats(&heap, &base);
	memset(slots, 0, sizeof(slots));
	for (size_t i = 2; i + 4 <= size; i += 4) {
		unsigned op = data[i] % 5, s = data[i + 1] % SLOTS;
		size_t n = ((size_t)data[i + 2] << 8 | data[i + 3]) *
		           (data[i] & 0x80 ? 16u : 1u);
		unsigned char *p;
		if (slots[s].p != NULL)
			check_block(s);
		switch (op) {
		case 0:
		case 1:
			if (slots[s].p != NULL)
				continue;
			p = op ? rt_heap_calloc(&heap, 1, n)
			       : rt_heap_alloc(&heap, n);
			set_block(s, p, n, data[i + 3]);
			break;
		case 2: {
			size_t align = (size_t)1 << (data[i] >> 4 & 7) << 4;
			if (slots[s].p != NULL)
				continue;
			p = rt_heap_aligned_alloc(&heap, align, n);
			if (p != NULL && ((uintptr_t)p & (align - 1)) != 0)
				abort();
			set_block(s, p, n, data[i + 3]);
			break;
		}
		case 3:
			if (slots[s].p == NULL)
				continue;
			p = rt_heap_realloc(&heap, slots[s].p, n);
			if (p != NULL) {
				size_t keep =
				        n < slots[s].size ? n : slots[s].size;
				slots[s].p = p;
				slots[s].size = keep;
				check_block(s);
				set_block(s, p, n, data[i + 3]);
			}
			break;
		default:
			rt_heap_free(&heap, slots[s].p);
			slots[s].p = NULL;
			slots[s].size = 0;
			break;
		}
		rt_heap_check(&heap);
	}
	for (unsigned s = 0; s < SLOTS; s++) {
		if (slots[s].p != NULL)
			check_block(s);
		rt_heap_free(&heap, slots[s].p);
	}
	rt_heap_check(&heap);
	rt_heap_stats(&heap, &st);
	if (st.in_use != 0 || st.largest_free != base.largest_free)
		abort();
	return 0;
}
