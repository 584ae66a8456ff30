/*
 * xs_ring.h - the two byte rings of the xenstore page (struct
 * xenstore_domain_interface, io/xs_wire.h): requests out, replies and
 * watch events in.
 *
 * The page is shared with the daemon, which may write anything into it
 * at any time. So this side keeps its own indices (req_prod, rsp_cons)
 * privately and only publishes them; the daemon's indices (req_cons,
 * rsp_prod) are read once per call and checked: the distance between
 * producer and consumer can never exceed XENSTORE_RING_SIZE, and a ring
 * claiming so is broken for good.
 */
#ifndef XEN_XS_RING_H
#define XEN_XS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

struct xs_ring {
	struct xenstore_domain_interface *page;
	XENSTORE_RING_IDX req_prod; /* ours: the next request byte */
	XENSTORE_RING_IDX rsp_cons; /* ours: the next reply byte */
};

/* Take over page, adopting the indices found there. false when they
 * already break the rule above. */
bool xs_ring_attach(struct xs_ring *r, struct xenstore_domain_interface *page);

/* Copy up to len request bytes in (as many as there is room for) and
 * publish them. Returns how many (0: the ring is full), or -1 when the
 * daemon's req_cons is impossible. */
int xs_ring_put(struct xs_ring *r, const void *data, size_t len);

/* Copy up to size reply bytes out and release their room. Returns how
 * many (0: nothing waiting), or -1 when the daemon's rsp_prod is
 * impossible. */
int xs_ring_get(struct xs_ring *r, void *buf, size_t size);

#endif /* XEN_XS_RING_H */
