/*
 * xs_ring.c - byte rings of the xenstore page (see xs_ring.h).
 */
#include "xs_ring.h"
#include "xenstore.h"

/* The daemon's index, read exactly once. */
static XENSTORE_RING_IDX read_once(const XENSTORE_RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void publish(XENSTORE_RING_IDX *p, XENSTORE_RING_IDX v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

bool xs_ring_attach(struct xs_ring *r, struct xenstore_domain_interface *page)
{
	r->page = page;
	r->req_prod = read_once(&page->req_prod);
	r->rsp_cons = read_once(&page->rsp_cons);
	XENSTORE_RING_IDX req_cons = read_once(&page->req_cons);
	XENSTORE_RING_IDX rsp_prod = read_once(&page->rsp_prod);
	return r->req_prod - req_cons <= XENSTORE_RING_SIZE &&
	       rsp_prod - r->rsp_cons <= XENSTORE_RING_SIZE;
}

int xs_ring_put(struct xs_ring *r, const void *data, size_t len)
{
	XENSTORE_RING_IDX cons = read_once(&r->page->req_cons);
	XENSTORE_RING_IDX used = r->req_prod - cons;
	if (used > XENSTORE_RING_SIZE)
		return -1;
	/* The daemon has finished reading what it consumed before we
	 * overwrite it. */
	xen_mb();
	size_t room = XENSTORE_RING_SIZE - used;
	size_t n = len < room ? len : room;
	const uint8_t *src = data;
	volatile char *ring = r->page->req;
	for (size_t i = 0; i < n; i++)
		ring[MASK_XENSTORE_IDX(r->req_prod + (XENSTORE_RING_IDX)i)] =
		        (char)src[i];
	xen_wmb(); /* the bytes before the index that exposes them */
	r->req_prod += (XENSTORE_RING_IDX)n;
	publish(&r->page->req_prod, r->req_prod);
	return (int)n;
}

int xs_ring_get(struct xs_ring *r, void *buf, size_t size)
{
	XENSTORE_RING_IDX prod = read_once(&r->page->rsp_prod);
	XENSTORE_RING_IDX avail = prod - r->rsp_cons;
	if (avail > XENSTORE_RING_SIZE)
		return -1;
	xen_rmb(); /* the index before the bytes it covers */
	size_t n = avail < size ? avail : size;
	uint8_t *dst = buf;
	const volatile char *ring = r->page->rsp;
	for (size_t i = 0; i < n; i++)
		dst[i] = (uint8_t)ring[MASK_XENSTORE_IDX(r->rsp_cons +
		                                         (XENSTORE_RING_IDX)i)];
	xen_mb(); /* done reading before the room is given back */
	r->rsp_cons += (XENSTORE_RING_IDX)n;
	publish(&r->page->rsp_cons, r->rsp_cons);
	return (int)n;
}
