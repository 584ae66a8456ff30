/*
 * lib/vchan/layout.c - ring sizes and the control page (see layout.h).
 */
#include "layout.h"

#include <string.h>

#define SMALL_ORDER 10 /* a ring of 1 KiB, at offset 1024 */
#define LARGE_ORDER 11 /* a ring of 2 KiB, at offset 2048 */

size_t vchan_inpage_offset(unsigned order)
{
	if (order == SMALL_ORDER)
		return 1024;
	if (order == LARGE_ORDER)
		return 2048;
	return 0;
}

/* The smallest order of at least a page that holds size bytes. */
static unsigned page_order(size_t size)
{
	unsigned o = VCHAN_PAGE_ORDER;
	while (o < VCHAN_ORDER_MAX && ((size_t)1 << o) < size)
		o++;
	return o;
}

static unsigned pages_of(unsigned order)
{
	return order >= VCHAN_PAGE_ORDER ? 1u << (order - VCHAN_PAGE_ORDER) : 0;
}

bool vchan_geometry_choose(size_t left_min, size_t right_min,
                           struct vchan_geometry *g)
{
	size_t small = (size_t)1 << SMALL_ORDER,
	       large = (size_t)1 << LARGE_ORDER;
	if (left_min > ((size_t)1 << VCHAN_ORDER_MAX) ||
	    right_min > ((size_t)1 << VCHAN_ORDER_MAX))
		return false;
	g->left_order = page_order(left_min);
	g->right_order = page_order(right_min);
	/* Rings small enough to share the control page go there: both
	 * when they fit (1 KiB at offset 1024, 2 KiB at 2048), else one
	 * of 2 KiB. */
	if (left_min <= small && right_min <= large) {
		g->left_order = SMALL_ORDER;
		g->right_order = LARGE_ORDER;
	} else if (left_min <= large && right_min <= small) {
		g->left_order = LARGE_ORDER;
		g->right_order = SMALL_ORDER;
	} else if (left_min <= large) {
		g->left_order = LARGE_ORDER;
	} else if (right_min <= large) {
		g->right_order = LARGE_ORDER;
	}
	g->left_pages = pages_of(g->left_order);
	g->right_pages = pages_of(g->right_order);
	return true;
}

bool vchan_header_parse(struct kiln_view page, struct vchan_geometry *g,
                        uint32_t *refs, unsigned max, const char **why)
{
	uint16_t lo, ro;
	struct kiln_view v = page;
	if (page.len != VCHAN_PAGE ||
	    !kiln_view_skip(&v, VCHAN_OFF_LEFT_ORDER) ||
	    !kiln_view_u16_le(&v, &lo) || !kiln_view_u16_le(&v, &ro)) {
		*why = "the control page is short";
		return false;
	}
	if (lo < VCHAN_ORDER_MIN || lo > VCHAN_ORDER_MAX ||
	    ro < VCHAN_ORDER_MIN || ro > VCHAN_ORDER_MAX) {
		*why = "a ring order is outside 10..20";
		return false;
	}
	if (lo == ro && lo < VCHAN_PAGE_ORDER) {
		*why = "both rings claim the same place in the control page";
		return false;
	}
	g->left_order = lo;
	g->right_order = ro;
	g->left_pages = pages_of(lo);
	g->right_pages = pages_of(ro);
	unsigned n = g->left_pages + g->right_pages;
	/* The grant list ends before any ring inside the page. */
	size_t limit = VCHAN_PAGE;
	if (vchan_inpage_offset(lo))
		limit = vchan_inpage_offset(lo);
	if (vchan_inpage_offset(ro) && vchan_inpage_offset(ro) < limit)
		limit = vchan_inpage_offset(ro);
	if (VCHAN_OFF_GRANTS + (size_t)n * 4 > limit) {
		*why = "the grant list runs into a ring";
		return false;
	}
	if (n > max) {
		*why = "more ring pages than this side takes";
		return false;
	}
	struct kiln_view gl;
	if (!kiln_view_sub(&page, VCHAN_OFF_GRANTS, (size_t)n * 4, &gl)) {
		*why = "the grant list is short";
		return false;
	}
	for (unsigned i = 0; i < n; i++)
		kiln_view_u32_le(&gl, &refs[i]);
	return !gl.bad;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void vchan_header_init(uint8_t *page, const struct vchan_geometry *g,
                       const uint32_t *refs)
{
	put16(page + VCHAN_OFF_LEFT_ORDER, (uint16_t)g->left_order);
	put16(page + VCHAN_OFF_RIGHT_ORDER, (uint16_t)g->right_order);
	unsigned n = g->left_pages + g->right_pages;
	for (unsigned i = 0; i < n; i++)
		put32(page + VCHAN_OFF_GRANTS + 4 * i, refs[i]);
	page[VCHAN_OFF_CLI_NOTIFY] = VCHAN_NOTIFY_WRITE;
	page[VCHAN_OFF_SRV_NOTIFY] = 0;
	page[VCHAN_OFF_SRV_LIVE] = VCHAN_LIVE_UP;
	/* Last: a client that looks early sees a finished page. */
	__atomic_store_n(page + VCHAN_OFF_CLI_LIVE, (uint8_t)VCHAN_LIVE_WAITING,
	                 __ATOMIC_RELEASE);
}
