/*
 * heap_test.c - the region allocator (lib/rt/libc/heap.c):
 * - stress: 100k random malloc/calloc/realloc/aligned_alloc/free over a
 *   64 MiB region; every live block carries a fill pattern and a record
 *   of where it lies. After each step the block just made is checked
 *   against every live block for overlap and its neighbours' patterns
 *   are verified; every block's pattern is verified when it is freed or
 *   reallocated, all of them every 2000 steps together with a full walk of
 *   the heap (rt_heap_check). At the end everything is freed and the
 *   heap must be back to one block: in_use 0, largest_free at baseline.
 * - exhaustion returns NULL and counts failures; the heap recovers.
 * - misuse panics: double free (before and after a merge), a pointer not
 *   from the heap, an overwritten header (overrun), realloc of a freed
 *   block.
 */
#include "../../lib/rt/libc/heap.h"
#include "../../lib/rt/libc/rt_libc.h"
#include "testlib.h"
#include <stdbool.h>

#define REGION (64u << 20)
#define SLOTS 3000
/* The stress test's steps; emulated runs (tests/arm64/test-portable.sh)
 * take fewer: the first argument. */
static unsigned steps = 100000;

struct live {
	unsigned char *p;
	size_t size;
	uint32_t seed;
};

static struct live slots[SLOTS];
static unsigned bad, cases;
static char first[300];

static unsigned char pattern(uint32_t seed, size_t i)
{
	return (unsigned char)(seed + i * 0x9d + (i >> 8));
}

static void fill(struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		l->p[i] = pattern(l->seed, i);
}

static bool intact(const struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		if (l->p[i] != pattern(l->seed, i))
			return false;
	return true;
}

static void verify(unsigned s, const char *when, unsigned step)
{
	cases++;
	if (slots[s].p != NULL && !intact(&slots[s]))
		NOTE(bad, first, "step %u: block %u (%zu bytes) damaged %s",
		     step, s, slots[s].size, when);
}

/* Skewed small: most requests are tiny, a few up to 64 KiB. */
static size_t random_size(void)
{
	unsigned r = rng_below(100);

	if (r < 60)
		return rng_below(129);
	if (r < 90)
		return rng_below(4097);
	return rng_below(65537);
}

/* The block at s against every other live block; and the patterns of the
 * live blocks just below and above it in memory. */
static void check_placement(struct rt_heap *h, unsigned s, unsigned step)
{
	const unsigned char *p = slots[s].p;
	size_t n = slots[s].size ? slots[s].size : 1;
	int below = -1, above = -1;

	cases++;
	if ((uintptr_t)p < h->start || (uintptr_t)p + n > h->end)
		NOTE(bad, first, "step %u: block outside the region", step);
	for (unsigned o = 0; o < SLOTS; o++) {
		const unsigned char *q = slots[o].p;
		size_t m = slots[o].size ? slots[o].size : 1;
		if (o == s || q == NULL)
			continue;
		if (p < q + m && q < p + n)
			NOTE(bad, first, "step %u: blocks %u and %u overlap",
			     step, s, o);
		if (q < p && (below < 0 || q > slots[below].p))
			below = (int)o;
		if (q > p && (above < 0 || q < slots[above].p))
			above = (int)o;
	}
	if (below >= 0)
		verify((unsigned)below, "(below a new block)", step);
	if (above >= 0)
		verify((unsigned)above, "(above a new block)", step);
}

static void test_stress(void)
{
	static struct rt_heap heap;
	struct rt_heap *h = &heap;
	struct kiln_mem_stats st, base;
	unsigned char *region = malloc(REGION);
	unsigned nalloc = 0, nfree = 0, nrealloc = 0, naligned = 0;
	size_t peak_live = 0;

	rt_heap_init(h, region, REGION);
	rt_heap_stats(h, &base);
	cases++;
	if (base.heap_size != REGION || base.in_use != 0 ||
	    base.largest_free != REGION - 16 || base.free_bytes != REGION - 16)
		NOTE(bad, first, "fresh heap: size %zu largest %zu free %zu",
		     base.heap_size, base.largest_free, base.free_bytes);

	for (unsigned step = 0; step < steps; step++) {
		unsigned s = rng_below(SLOTS);
		struct live *l = &slots[s];
		unsigned op = rng_below(10);

		if (l->p == NULL) {
			size_t size = random_size();
			size_t align = 0;
			if (op == 0) {
				align = (size_t)16 << rng_below(9); /* ..4096 */
				l->p = rt_heap_aligned_alloc(h, align, size);
				naligned++;
			} else if (op == 1) {
				l->p = rt_heap_calloc(h, 1, size);
				cases++;
				for (size_t i = 0; l->p && i < size; i++)
					if (l->p[i] != 0) {
						NOTE(bad, first,
						     "step %u: calloc not "
						     "zeroed",
						     step);
						break;
					}
			} else {
				l->p = rt_heap_alloc(h, size);
			}
			nalloc++;
			cases++;
			if (l->p == NULL) {
				NOTE(bad, first, "step %u: no memory for %zu",
				     step, size);
				continue;
			}
			if (align && ((uintptr_t)l->p & (align - 1)) != 0)
				NOTE(bad, first,
				     "step %u: %p not aligned to %zu", step,
				     (void *)l->p, align);
			if (((uintptr_t)l->p & 15) != 0)
				NOTE(bad, first, "step %u: %p not 16-aligned",
				     step, (void *)l->p);
			if (rt_heap_usable_size(h, l->p) < size)
				NOTE(bad, first, "step %u: usable size short",
				     step);
			l->size = size;
			l->seed = (uint32_t)rng();
			fill(l);
			check_placement(h, s, step);
		} else if (op < 6) {
			verify(s, "before free", step);
			rt_heap_free(h, l->p);
			l->p = NULL;
			nfree++;
		} else {
			size_t size = random_size();
			size_t keep = size < l->size ? size : l->size;
			unsigned char *q;
			verify(s, "before realloc", step);
			q = rt_heap_realloc(h, l->p, size);
			nrealloc++;
			cases++;
			if (q == NULL) {
				NOTE(bad, first, "step %u: realloc failed",
				     step);
				continue;
			}
			l->p = q;
			/* The kept part moved with the block. */
			l->size = keep;
			verify(s, "after realloc (kept bytes)", step);
			l->size = size;
			fill(l);
			check_placement(h, s, step);
		}
		rt_heap_stats(h, &st);
		size_t live = 0;
		if (step % 2000 == 0) {
			for (unsigned o = 0; o < SLOTS; o++) {
				verify(o, "(sweep)", step);
				live += slots[o].p ? 1 : 0;
			}
			rt_heap_check(h);
			if (live > peak_live)
				peak_live = live;
		}
	}
	for (unsigned o = 0; o < SLOTS; o++) {
		verify(o, "(final sweep)", steps);
		rt_heap_free(h, slots[o].p);
		slots[o].p = NULL;
	}
	rt_heap_check(h);
	rt_heap_stats(h, &st);
	cases++;
	if (st.in_use != 0 || st.largest_free != base.largest_free ||
	    st.free_bytes != base.free_bytes || st.allocs != st.frees)
		NOTE(bad, first,
		     "after freeing everything: in_use %zu largest_free %zu "
		     "(baseline %zu) allocs %llu frees %llu",
		     st.in_use, st.largest_free, base.largest_free,
		     (unsigned long long)st.allocs,
		     (unsigned long long)st.frees);
	printf("  stress: %u allocs (%u aligned), %u reallocs, %u frees; "
	       "peak in use %zu KiB of %u KiB; up to %zu live blocks\n",
	       nalloc, naligned, nrealloc, nfree, st.peak / 1024, REGION / 1024,
	       peak_live);
	report("heap/stress", bad, cases, first);
	free(region);
}

static void test_exhaustion(void)
{
	static struct rt_heap heap;
	struct rt_heap *h = &heap;
	struct kiln_mem_stats base, st;
	size_t region_size = 1u << 20;
	unsigned char *region = malloc(region_size);
	void *blocks[400];
	unsigned n = 0;

	bad = cases = 0;
	rt_heap_init(h, region, region_size);
	rt_heap_stats(h, &base);
	while (n < 400 && (blocks[n] = rt_heap_alloc(h, 4096)) != NULL)
		n++;
	rt_heap_stats(h, &st);
	cases += 3;
	/* 1 MiB holds 254 blocks of 4096 + 16 bytes. */
	if (n != (region_size) / (4096 + 16))
		NOTE(bad, first, "%u blocks of 4 KiB fit in 1 MiB", n);
	if (st.failures != 1)
		NOTE(bad, first, "failures %llu after running out",
		     (unsigned long long)st.failures);
	if (rt_heap_alloc(h, 4096) != NULL || rt_heap_calloc(h, 2, 4096) ||
	    rt_heap_aligned_alloc(h, 4096, 1) != NULL)
		NOTE(bad, first, "allocation after exhaustion succeeded");
	/* Requests that can never fit, and overflowing ones. */
	cases += 5;
	if (rt_heap_alloc(h, SIZE_MAX) || rt_heap_alloc(h, SIZE_MAX - 8) ||
	    rt_heap_calloc(h, SIZE_MAX / 2, 3) ||
	    rt_heap_aligned_alloc(h, (size_t)1 << 40, 1) ||
	    rt_heap_aligned_alloc(h, 48, 1))
		NOTE(bad, first, "impossible request succeeded");
	/* realloc that cannot grow keeps the old block. */
	memset(blocks[0], 0xab, 4096);
	cases++;
	if (rt_heap_realloc(h, blocks[0], 8192) != NULL ||
	    ((unsigned char *)blocks[0])[4095] != 0xab)
		NOTE(bad, first, "failed realloc lost the block");
	for (unsigned i = 0; i < n; i += 2)
		rt_heap_free(h, blocks[i]);
	/* Freed every other block: 4 KiB fits again, 8 KiB does not. */
	cases += 2;
	void *a = rt_heap_alloc(h, 4096);
	if (a == NULL)
		NOTE(bad, first, "no reuse of freed blocks");
	if (rt_heap_alloc(h, 8192) != NULL)
		NOTE(bad, first, "8 KiB from a heap fragmented into 4 KiB");
	rt_heap_free(h, a);
	for (unsigned i = 1; i < n; i += 2)
		rt_heap_free(h, blocks[i]);
	rt_heap_check(h);
	rt_heap_stats(h, &st);
	cases += 2;
	if (st.in_use != 0 || st.largest_free != base.largest_free)
		NOTE(bad, first, "not back to one block: largest %zu vs %zu",
		     st.largest_free, base.largest_free);
	if (rt_heap_alloc(h, region_size - 16) == NULL)
		NOTE(bad, first, "the whole region is not allocatable again");

	/* A region too small for any block: everything fails cleanly. */
	rt_heap_init(h, region, 20);
	cases++;
	if (rt_heap_alloc(h, 0) != NULL)
		NOTE(bad, first, "allocation from a 20-byte region");
	report("heap/exhaustion", bad, cases, first);
	free(region);
}

static void test_misuse(void)
{
	static struct rt_heap heap;
	struct rt_heap *h = &heap;
	unsigned char *region = malloc(1 << 16);
	volatile int panicked;
	char *a, *b, *c;

	bad = cases = 0;
	rt_heap_init(h, region, 1 << 16);
	a = rt_heap_alloc(h, 100);
	b = rt_heap_alloc(h, 100);
	c = rt_heap_alloc(h, 100);

	/* Double free of a block that stayed on its own. */
	rt_heap_free(h, b);
	EXPECT_PANIC(panicked, rt_heap_free(h, b));
	cases++;
	if (!panicked || !strstr(panic_message, "double free"))
		NOTE(bad, first, "double free: \"%s\"", panic_message);
	/* Double free of a block merged into its free neighbour. */
	rt_heap_free(h, a);
	EXPECT_PANIC(panicked, rt_heap_free(h, a));
	cases++;
	if (!panicked || !strstr(panic_message, "double free"))
		NOTE(bad, first, "double free after merge: \"%s\"",
		     panic_message);
	/* realloc of a freed block. */
	EXPECT_PANIC(panicked, (void)rt_heap_realloc(h, b, 10));
	cases++;
	if (!panicked || !strstr(panic_message, "already freed"))
		NOTE(bad, first, "realloc after free: \"%s\"", panic_message);
	/* Pointers that are not from the heap. */
	int local;
	EXPECT_PANIC(panicked, rt_heap_free(h, &local));
	cases++;
	if (!panicked || !strstr(panic_message, "not a pointer from the heap"))
		NOTE(bad, first, "foreign pointer: \"%s\"", panic_message);
	EXPECT_PANIC(panicked, rt_heap_free(h, c + 16));
	cases++;
	if (!panicked || !strstr(panic_message, "not an allocated block"))
		NOTE(bad, first, "interior pointer: \"%s\"", panic_message);
	/* An overrun into the next block's header. */
	rt_heap_init(h, region, 1 << 16);
	a = rt_heap_alloc(h, 100);
	b = rt_heap_alloc(h, 100);
	memset(a, 'x', 100 + 12 + 8); /* past the 12 spare bytes */
	EXPECT_PANIC(panicked, rt_heap_free(h, a));
	cases++;
	if (!panicked || !strstr(panic_message, "overrun"))
		NOTE(bad, first, "overrun: \"%s\"", panic_message);
	/* A write after free into the free-list links. */
	rt_heap_init(h, region, 1 << 16);
	a = rt_heap_alloc(h, 100);
	b = rt_heap_alloc(h, 100);
	c = rt_heap_alloc(h, 100);
	rt_heap_free(h, b);
	memset(b, 0x41, 16); /* the links */
	EXPECT_PANIC(panicked, (void)rt_heap_alloc(h, 100));
	cases++;
	if (!panicked || !strstr(panic_message, "corruption"))
		NOTE(bad, first, "write after free: \"%s\"", panic_message);
	report("heap/misuse-detected", bad, cases, first);
	free(region);
}

/* The global heap behind the rt_ malloc family. */
static void test_global(void)
{
	static unsigned char region[1 << 16] __attribute__((aligned(4096)));
	struct kiln_mem_stats st;
	void *p, *q;
	int r;

	bad = cases = 0;
	cases++;
	if (rt_malloc(1) != NULL)
		NOTE(bad, first, "malloc before rt_libc_init");
	rt_libc_init(region, sizeof(region)); /* counts from zero */
	p = rt_malloc(10);
	q = rt_calloc(3, 5);
	cases += 3;
	if (p == NULL || q == NULL)
		NOTE(bad, first, "malloc/calloc failed");
	p = rt_realloc(p, 1000);
	if (p == NULL)
		NOTE(bad, first, "realloc failed");
	rt_free(q);
	q = rt_aligned_alloc(4096, 100);
	if (q == NULL || ((uintptr_t)q & 4095) != 0)
		NOTE(bad, first, "aligned_alloc");
	rt_free(q);
	cases += 3;
	void *m = NULL;
	r = rt_posix_memalign(&m, 256, 10);
	if (r != 0 || m == NULL || ((uintptr_t)m & 255) != 0)
		NOTE(bad, first, "posix_memalign: %d", r);
	rt_free(m);
	m = (void *)1;
	if (rt_posix_memalign(&m, 24, 10) != 22 || m != (void *)1)
		NOTE(bad, first, "posix_memalign accepted alignment 24");
	if (rt_posix_memalign(&m, 64, 1 << 20) != 12 || m != (void *)1)
		NOTE(bad, first, "posix_memalign of too much");
	q = rt_realloc(p, 0); /* a fresh minimal block, p released */
	rt_free(q);
	rt_free(rt_realloc(NULL, 5));
	rt_free(NULL);
	rt_libc_stats(&st);
	cases++;
	if (st.in_use != 0 || st.heap_size != sizeof(region) ||
	    st.largest_free != sizeof(region) - 16 || st.peak < 1000 ||
	    st.allocs != st.frees || st.failures != 1)
		NOTE(bad, first,
		     "stats: in_use %zu size %zu largest %zu peak %zu allocs "
		     "%llu frees %llu failures %llu",
		     st.in_use, st.heap_size, st.largest_free, st.peak,
		     (unsigned long long)st.allocs,
		     (unsigned long long)st.frees,
		     (unsigned long long)st.failures);
	report("heap/global", bad, cases, first);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		steps = (unsigned)strtoul(argv[1], NULL, 10);
	test_stress();
	test_exhaustion();
	test_misuse();
	test_global();
	return total_failures != 0;
}
