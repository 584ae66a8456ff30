/*
 * heap.c - the region allocator described in heap.h: boundary-tagged
 * blocks, segregated free lists with a bitmap, immediate coalescing, and
 * a panic at the first sign of a bad free or a damaged header.
 */
#include "heap.h"
#include "rt_libc.h"

#define GRANULE 16u
#define HDR 16u         /* header bytes before every payload */
#define MIN_GRANULES 2u /* header + two free-list links */
#define MAX_GRANULES 0xffffffffu
#define SMALL_BINS 64u /* exact-size lists below 64 granules (1 KiB) */
#define SUB_BITS 4u    /* 16 lists per power of two above that */

/* Block states; unlikely values so that stray data rarely passes. */
#define ST_USED 0x5553ed01u
#define ST_FREE 0x46ee3502u
#define ST_DEAD 0xdead0b03u /* a header swallowed by a merge */

struct blk {
	uint32_t size;  /* this block, header included, in granules */
	uint32_t prev;  /* the block just below, in granules; 0 if first */
	uint32_t state; /* ST_* */
	uint32_t check; /* check_of(): catches overwritten headers */
};

struct rt_heap_free {
	struct blk hdr;
	struct rt_heap_free *next, *prev; /* in its bin's list */
};

/* ------------------------------------------------------------- headers */

static uint32_t check_of(const struct blk *b)
{
	uint64_t a = (uintptr_t)b;

	return (b->size * 0x9e3779b1u) ^ ((b->prev << 7) | (b->prev >> 25)) ^
	       b->state ^ (uint32_t)(a >> 4) ^ (uint32_t)(a >> 36) ^
	       0xa5c3f00du;
}

static void set_header(struct blk *b, uint32_t size, uint32_t prev,
                       uint32_t state)
{
	b->size = size;
	b->prev = prev;
	b->state = state;
	b->check = check_of(b);
}

static void set_state(struct blk *b, uint32_t state)
{
	set_header(b, b->size, b->prev, state);
}

static size_t payload(const struct blk *b)
{
	return (size_t)b->size * GRANULE - HDR;
}

static size_t region(const struct rt_heap *h)
{
	return h->end - h->start;
}

/* The largest request that could ever fit. */
static size_t max_request(const struct rt_heap *h)
{
	return region(h) > HDR ? region(h) - HDR : 0;
}

static uint32_t granules_for(size_t size)
{
	size_t g = (size + HDR + GRANULE - 1) / GRANULE;

	return g < MIN_GRANULES ? MIN_GRANULES : (uint32_t)g;
}

/* Is the header at b whole, and does the block lie inside the heap? */
static bool header_ok(const struct rt_heap *h, const struct blk *b)
{
	uintptr_t a = (uintptr_t)b;

	if (a < h->start || a >= h->end || (a & (GRANULE - 1)) != 0)
		return false;
	if (b->check != check_of(b) || b->size < MIN_GRANULES)
		return false;
	if ((uint64_t)b->size * GRANULE > h->end - a)
		return false;
	if (b->prev == 0 ? a != h->start
	                 : (uint64_t)b->prev * GRANULE > a - h->start)
		return false;
	return b->state == ST_USED || b->state == ST_FREE;
}

static struct blk *next_of(const struct rt_heap *h, struct blk *b)
{
	uintptr_t n = (uintptr_t)b + (uintptr_t)b->size * GRANULE;

	return n < h->end ? (struct blk *)n : NULL;
}

static struct blk *prev_of(struct blk *b)
{
	if (b->prev == 0)
		return NULL;
	return (struct blk *)((uintptr_t)b - (uintptr_t)b->prev * GRANULE);
}

/* After b's size changed: tell the block above. */
static void fix_next(struct rt_heap *h, struct blk *b)
{
	struct blk *n = next_of(h, b);

	if (n != NULL)
		set_header(n, n->size, b->size, n->state);
}

/* ---------------------------------------------------------- free lists */

static unsigned bin_of(uint32_t g)
{
	unsigned fl, sl;

	if (g < SMALL_BINS)
		return g;
	fl = 31u - (unsigned)__builtin_clz(g); /* 6..31 */
	sl = (g >> (fl - SUB_BITS)) & ((1u << SUB_BITS) - 1);
	return SMALL_BINS + ((fl - 6u) << SUB_BITS) + sl;
}

/* The first non-empty bin at or above b, or RT_HEAP_BINS. */
static unsigned first_bin_from(const struct rt_heap *h, unsigned b)
{
	unsigned w = b / 64;
	uint64_t bits;

	if (b >= RT_HEAP_BINS)
		return RT_HEAP_BINS;
	bits = h->nonempty[w] & (~(uint64_t)0 << (b % 64));
	for (;;) {
		if (bits != 0)
			return w * 64 + (unsigned)__builtin_ctzll(bits);
		if (++w == RT_HEAP_BITMAP_WORDS)
			return RT_HEAP_BINS;
		bits = h->nonempty[w];
	}
}

/* A free-list entry must be a free block of this heap before it is
 * followed: a write after free shows up here. */
static void check_free_entry(const struct rt_heap *h,
                             const struct rt_heap_free *f)
{
	const struct blk *b = (const struct blk *)f;

	if (!header_ok(h, b) || b->state != ST_FREE)
		kiln_panic("heap corruption: free block %p damaged (write "
		           "after free?)",
		           (const void *)f);
}

static void list_insert(struct rt_heap *h, struct rt_heap_free *f)
{
	unsigned b = bin_of(f->hdr.size);

	f->prev = NULL;
	f->next = h->bins[b];
	if (f->next != NULL)
		f->next->prev = f;
	h->bins[b] = f;
	h->nonempty[b / 64] |= (uint64_t)1 << (b % 64);
	h->free_bytes += payload(&f->hdr);
}

/* A link of a free list: NULL or a block-aligned address inside the heap
 * (cheap; list_remove then checks that it links back). */
static bool link_ok(const struct rt_heap *h, const struct rt_heap_free *f)
{
	uintptr_t a = (uintptr_t)f;

	return f == NULL ||
	       (a >= h->start && a < h->end - MIN_GRANULES * GRANULE + 1 &&
	        (a & (GRANULE - 1)) == 0);
}

static void list_remove(struct rt_heap *h, struct rt_heap_free *f)
{
	unsigned b = bin_of(f->hdr.size);

	/* Check the links before following them: a write after free may
	 * have left anything there. */
	if (!link_ok(h, f->next) || !link_ok(h, f->prev) ||
	    (f->next != NULL && f->next->prev != f) ||
	    (f->prev != NULL ? f->prev->next != f : h->bins[b] != f))
		kiln_panic("heap corruption: free list links of %p damaged "
		           "(write after free?)",
		           (void *)f);
	if (f->next != NULL)
		f->next->prev = f->prev;
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		h->bins[b] = f->next;
	if (h->bins[b] == NULL)
		h->nonempty[b / 64] &= ~((uint64_t)1 << (b % 64));
	h->free_bytes -= payload(&f->hdr);
}

/*
 * Make b (a free block not on any list, or a used block being given
 * back) free, merged with free neighbours, and put it on its list.
 */
static void release(struct rt_heap *h, struct blk *b)
{
	struct blk *n = next_of(h, b), *p = prev_of(b);
	uint32_t size = b->size;

	if (n != NULL && n->state == ST_FREE) {
		check_free_entry(h, (struct rt_heap_free *)n);
		list_remove(h, (struct rt_heap_free *)n);
		size += n->size;
		set_state(n, ST_DEAD);
	}
	if (p != NULL && p->state == ST_FREE) {
		check_free_entry(h, (struct rt_heap_free *)p);
		list_remove(h, (struct rt_heap_free *)p);
		size += p->size;
		set_state(b, ST_DEAD);
		b = p;
	}
	set_header(b, size, b->prev, ST_FREE);
	fix_next(h, b);
	list_insert(h, (struct rt_heap_free *)b);
}

/* Unlink and return a free block of at least g granules, or NULL. */
static struct blk *find(struct rt_heap *h, uint64_t g)
{
	struct rt_heap_free *f;
	unsigned b, i;

	if (g > MAX_GRANULES || g * GRANULE > region(h))
		return NULL;
	b = bin_of((uint32_t)g);
	/* First fit among the first few of the request's own list. */
	f = h->bins[b];
	for (i = 0; f != NULL && i < RT_HEAP_SCAN; i++, f = f->next) {
		check_free_entry(h, f);
		if (f->hdr.size >= g)
			goto found;
	}
	/* Any block of a larger list is large enough. */
	b = first_bin_from(h, b + 1);
	if (b == RT_HEAP_BINS)
		return NULL;
	f = h->bins[b];
	check_free_entry(h, f);
found:
	list_remove(h, f);
	return &f->hdr;
}

/* Turn the unlinked free block b into a used block of g granules, giving
 * any remainder big enough for a block back to the lists. */
static void *take(struct rt_heap *h, struct blk *b, uint32_t g)
{
	if (b->size - g >= MIN_GRANULES) {
		struct blk *r = (struct blk *)((uintptr_t)b + g * GRANULE);
		set_header(r, b->size - g, g, ST_FREE);
		fix_next(h, r);
		b->size = g;
		list_insert(h, (struct rt_heap_free *)r);
	}
	set_state(b, ST_USED);
	fix_next(h, b);
	h->in_use += payload(b);
	if (h->in_use > h->peak)
		h->peak = h->in_use;
	h->allocs++;
	return (char *)b + HDR;
}

/* Trim the used block b down to g granules (freeing the tail). */
static void trim(struct rt_heap *h, struct blk *b, uint32_t g)
{
	struct blk *r;

	if (b->size - g < MIN_GRANULES)
		return;
	r = (struct blk *)((uintptr_t)b + g * GRANULE);
	set_header(r, b->size - g, g, ST_USED);
	fix_next(h, r);
	set_header(b, g, b->prev, ST_USED);
	release(h, r);
}

/* The block of a pointer handed to free or realloc, with every check. */
static struct blk *block_of(struct rt_heap *h, void *p, const char *what)
{
	uintptr_t a = (uintptr_t)p;
	struct blk *b, *n, *pv;

	if ((a & (GRANULE - 1)) != 0 || a < h->start + HDR || a >= h->end)
		kiln_panic("%s(%p): not a pointer from the heap", what, p);
	b = (struct blk *)(a - HDR);
	if (b->check != check_of(b) ||
	    (b->state != ST_USED && b->state != ST_FREE && b->state != ST_DEAD))
		kiln_panic("%s(%p): not an allocated block, or its header "
		           "was overwritten (heap corruption)",
		           what, p);
	if (b->state != ST_USED)
		kiln_panic("%s(%p): block already freed (double free or use "
		           "after free)",
		           what, p);
	if (!header_ok(h, b))
		kiln_panic("%s(%p): heap corruption (bad block header)", what,
		           p);
	n = next_of(h, b);
	if (n != NULL && (!header_ok(h, n) || n->prev != b->size))
		kiln_panic("heap corruption: the header after block %p was "
		           "overwritten (buffer overrun?)",
		           p);
	pv = prev_of(b);
	if (pv != NULL && (!header_ok(h, pv) || pv->size != b->prev))
		kiln_panic("heap corruption: the header before block %p was "
		           "overwritten",
		           p);
	return b;
}

/* ------------------------------------------------------------- the API */

void rt_heap_init(struct rt_heap *h, void *start, size_t size)
{
	uintptr_t s = (uintptr_t)start, e = s + size;

	rt_memset(h, 0, sizeof(*h));
	if (e < s) /* the region wraps: keep what lies below the top */
		e = UINTPTR_MAX;
	s = (s + GRANULE - 1) & ~(uintptr_t)(GRANULE - 1);
	e &= ~(uintptr_t)(GRANULE - 1);
	if (e <= s || e - s < MIN_GRANULES * GRANULE) {
		h->start = h->end = s; /* too small: every request fails */
		return;
	}
	if ((uint64_t)(e - s) > (uint64_t)MAX_GRANULES * GRANULE)
		e = s + (uintptr_t)((uint64_t)(MAX_GRANULES - 15) * GRANULE);
	h->start = s;
	h->end = e;
	set_header((struct blk *)s, (uint32_t)((e - s) / GRANULE), 0, ST_FREE);
	list_insert(h, (struct rt_heap_free *)s);
}

void *rt_heap_alloc(struct rt_heap *h, size_t size)
{
	struct blk *b;
	uint32_t g;

	if (size > max_request(h))
		goto fail;
	g = granules_for(size);
	b = find(h, g);
	if (b == NULL)
		goto fail;
	return take(h, b, g);
fail:
	h->failures++;
	return NULL;
}

void *rt_heap_calloc(struct rt_heap *h, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size) {
		h->failures++;
		return NULL;
	}
	p = rt_heap_alloc(h, n * size);
	if (p != NULL)
		rt_memset(p, 0, n * size);
	return p;
}

void rt_heap_free(struct rt_heap *h, void *p)
{
	struct blk *b;

	if (p == NULL)
		return;
	b = block_of(h, p, "free");
	h->in_use -= payload(b);
	h->frees++;
	release(h, b);
}

void *rt_heap_realloc(struct rt_heap *h, void *p, size_t size)
{
	struct blk *b, *n;
	size_t old;
	uint32_t g;
	void *q;

	if (p == NULL)
		return rt_heap_alloc(h, size);
	b = block_of(h, p, "realloc");
	if (size > max_request(h)) {
		h->failures++;
		return NULL;
	}
	g = granules_for(size);
	old = payload(b);
	if (g <= b->size) {
		/* Shrink in place. */
		trim(h, b, g);
		h->in_use = h->in_use - old + payload(b);
		return p;
	}
	n = next_of(h, b);
	if (n != NULL && n->state == ST_FREE && b->size + n->size >= g) {
		/* Grow into the free block above. */
		check_free_entry(h, (struct rt_heap_free *)n);
		list_remove(h, (struct rt_heap_free *)n);
		set_state(n, ST_DEAD);
		set_header(b, b->size + n->size, b->prev, ST_USED);
		fix_next(h, b);
		trim(h, b, g);
		h->in_use = h->in_use - old + payload(b);
		if (h->in_use > h->peak)
			h->peak = h->in_use;
		return p;
	}
	q = rt_heap_alloc(h, size);
	if (q == NULL)
		return NULL;
	rt_memcpy(q, p, old < size ? old : size);
	rt_heap_free(h, p);
	return q;
}

void *rt_heap_aligned_alloc(struct rt_heap *h, size_t align, size_t size)
{
	struct blk *b;
	uintptr_t pay, want;
	uint32_t g, gap;

	if (align == 0 || (align & (align - 1)) != 0)
		goto fail;
	if (align <= GRANULE)
		return rt_heap_alloc(h, size);
	if (size > max_request(h) || align > region(h))
		goto fail;
	g = granules_for(size);
	/* Room for the worst placement: a leading free block of at least
	 * the minimum size, then up to align - 16 bytes more. */
	b = find(h, (uint64_t)g + align / GRANULE + 1);
	if (b == NULL)
		goto fail;
	pay = (uintptr_t)b + HDR;
	want = pay;
	if ((pay & (align - 1)) != 0)
		want = (pay + MIN_GRANULES * GRANULE + align - 1) &
		       ~(uintptr_t)(align - 1);
	gap = (uint32_t)((want - pay) / GRANULE);
	if (gap != 0) {
		/* Give the leading part back as a free block of its own (the
		 * block below is in use: free blocks are never adjacent). */
		struct blk *a = (struct blk *)((uintptr_t)b + gap * GRANULE);
		set_header(a, b->size - gap, gap, ST_FREE);
		set_header(b, gap, b->prev, ST_FREE);
		list_insert(h, (struct rt_heap_free *)b);
		b = a;
	}
	return take(h, b, g);
fail:
	h->failures++;
	return NULL;
}

size_t rt_heap_usable_size(struct rt_heap *h, void *p)
{
	return payload(block_of(h, p, "usable_size"));
}

void rt_heap_stats(struct rt_heap *h, struct kiln_mem_stats *st)
{
	unsigned b = RT_HEAP_BINS;
	uint32_t largest = 0;

	/* The highest non-empty list holds the largest block. */
	for (unsigned w = RT_HEAP_BITMAP_WORDS; w-- > 0;) {
		if (h->nonempty[w] != 0) {
			b = w * 64 + 63u -
			    (unsigned)__builtin_clzll(h->nonempty[w]);
			break;
		}
	}
	if (b != RT_HEAP_BINS) {
		for (struct rt_heap_free *f = h->bins[b]; f; f = f->next) {
			if (f->hdr.size > largest)
				largest = f->hdr.size;
		}
	}
	st->heap_size = region(h);
	st->in_use = h->in_use;
	st->peak = h->peak;
	st->free_bytes = h->free_bytes;
	st->largest_free = largest ? (size_t)largest * GRANULE - HDR : 0;
	st->allocs = h->allocs;
	st->frees = h->frees;
	st->failures = h->failures;
}

void rt_heap_check(struct rt_heap *h)
{
	size_t used = 0, free_bytes = 0, nfree = 0, listed = 0;
	uint32_t prev_size = 0;
	bool prev_free = false;
	uintptr_t a = h->start;

	while (a < h->end) {
		struct blk *b = (struct blk *)a;
		if (!header_ok(h, b) || b->prev != prev_size)
			kiln_panic("heap check: bad block header at %p",
			           (void *)b);
		if (b->state == ST_FREE) {
			if (prev_free)
				kiln_panic("heap check: adjacent free blocks "
				           "at %p",
				           (void *)b);
			free_bytes += payload(b);
			nfree++;
		} else {
			used += payload(b);
		}
		prev_free = b->state == ST_FREE;
		prev_size = b->size;
		a += (uintptr_t)b->size * GRANULE;
	}
	if (a != h->end)
		kiln_panic("heap check: blocks overrun the region");
	for (unsigned b = 0; b < RT_HEAP_BINS; b++) {
		bool bit = (h->nonempty[b / 64] >> (b % 64)) & 1;
		struct rt_heap_free *f, *back = NULL;
		if (bit != (h->bins[b] != NULL))
			kiln_panic("heap check: bitmap wrong for bin %u", b);
		for (f = h->bins[b]; f != NULL; back = f, f = f->next) {
			check_free_entry(h, f);
			if (bin_of(f->hdr.size) != b || f->prev != back)
				kiln_panic("heap check: free list %u damaged",
				           b);
			if (++listed > nfree)
				kiln_panic("heap check: free lists longer "
				           "than the free blocks");
		}
	}
	if (listed != nfree || used != h->in_use || free_bytes != h->free_bytes)
		kiln_panic("heap check: counts disagree (free blocks %zu "
		           "listed %zu, in use %zu vs %zu, free %zu vs %zu)",
		           nfree, listed, used, h->in_use, free_bytes,
		           h->free_bytes);
}
