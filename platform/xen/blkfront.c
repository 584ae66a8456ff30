/*
 * blkfront.c - the blkif frontend (io/blkif.h) and the block half of
 * kiln/platform.h on Xen.
 *
 * One ring page and BOUNCE_PAGES data pages, all granted once when the
 * device connects. A read or write is cut into requests of up to
 * BLKIF_MAX_SEGMENTS_PER_REQUEST pages; as many as the bounce pages hold
 * are queued (data copied in for a write) and pushed with one
 * notification, then the call sleeps in xen_event_wait until every one
 * has answered (copying out for a read), and goes on with the rest.
 *
 * Sector quantities on the ring (sector_number, first_sect, last_sect) and
 * the backend's "sectors" are in 512-byte units, as Linux's blkback and
 * blkfront use them (this frontend never writes feature-large-sector-
 * size); "sector-size" only sets the alignment the platform asks of its
 * callers. Sizes from 512 to 4096 bytes are supported.
 *
 * Every response is checked: rsp_prod may not claim more than the
 * requests outstanding, and each response's id must name a request in
 * flight with the same operation; anything else is ignored, counted and
 * reported once. A backend that leaves a request unanswered for
 * IO_TIMEOUT_NS makes the device unusable (its bounce pages may still be
 * written to): later calls fail at once.
 *
 * Flush: BLKIF_OP_FLUSH_DISKCACHE with feature-flush-cache, else
 * BLKIF_OP_WRITE_BARRIER with feature-barrier (a barrier without data
 * flushes what came before). A backend offering neither has no volatile
 * cache to flush as far as the protocol can say; since every write here
 * returns only once the backend has answered it, the flush then
 * succeeds at once.
 */
#include "blkfront.h"
#include "xs_frontend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/ring.h>

#define BF_MAX 4
#define SLOTS ((unsigned)__CONST_RING_SIZE(blkif, XEN_PAGE_SIZE)) /* 32 */
#define SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST                       /* 11 */
#define BOUNCE_PAGES 64
#define PG_RING 0
#define PG_DATA 1
#define PAGES (PG_DATA + BOUNCE_PAGES)
#define IO_TIMEOUT_NS 30000000000ll
#define VBD_MAX 64 /* entries of device/vbd looked at */

_Static_assert(BOUNCE_PAGES / SEGS + 1 <= SLOTS, "a round fits the ring");

struct blkfront {
	bool acquired, broken;
	platform_handle h;
	struct xs_frontend xf;
	uint32_t vdev;
	uint64_t capacity; /* bytes */
	uint32_t sector_size;
	bool flush_cache, barrier, read_only;
	evtchn_port_t port;
	uint8_t *block; /* PAGES pages shared with the backend */
	grant_ref_t refs[PAGES];
	blkif_front_ring_t ring;
	struct {
		bool busy;
		uint8_t op;
	} slot[SLOTS]; /* request id = slot */
	bool said_bad, said_prod;
	struct blkfront_counters c;
};

static struct blkfront blks[BF_MAX];

/* Blocks a backend still maps: never freed nor reused (remembered only so
 * that host tests can free them). */
#define KEPT_MAX 8
static uint8_t *kept_blocks[KEPT_MAX];

static RING_IDX read_once(const RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint8_t *page(struct blkfront *b, unsigned i)
{
	return b->block + (size_t)i * XEN_PAGE_SIZE;
}

static struct blkfront *blk_of(platform_handle h)
{
	for (unsigned i = 0; i < BF_MAX; i++)
		if (blks[i].acquired && blks[i].h == h)
			return &blks[i];
	return NULL;
}

static const char *op_name(uint8_t op)
{
	switch (op) {
	case BLKIF_OP_READ:
		return "read";
	case BLKIF_OP_WRITE:
		return "write";
	case BLKIF_OP_FLUSH_DISKCACHE:
		return "cache flush";
	case BLKIF_OP_WRITE_BARRIER:
		return "write barrier";
	}
	return "request";
}

/* ---------------------------------------------------------- responses */

static void bad(struct blkfront *b, const char *fmt, ...)
        __attribute__((__format__(__printf__, 2, 3)));

static void bad(struct blkfront *b, const char *fmt, ...)
{
	b->c.bad++;
	if (b->said_bad)
		return;
	b->said_bad = true;
	char detail[120];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	xfe_logf(&b->xf,
	         "a bad response (%s) ignored; further ones counted "
	         "only",
	         detail);
}

struct outcome {
	bool error, unsupported;
};

/* Wait until the pending requests in flight have all answered. false
 * when the backend does not answer in time (the device is then broken,
 * as said). */
static bool wait_all(struct blkfront *b, unsigned pending, struct outcome *o)
{
	platform_time deadline = platform_clock_monotonic() + IO_TIMEOUT_NS;
	bool counted_prod = false;
	o->error = o->unsupported = false;
	while (pending > 0) {
		RING_IDX prod = read_once(&b->ring.sring->rsp_prod);
		xen_rmb();
		if (prod - b->ring.rsp_cons >
		    b->ring.req_prod_pvt - b->ring.rsp_cons) {
			if (!counted_prod)
				b->c.bad_prod++;
			counted_prod = true;
			if (!b->said_prod)
				xfe_logf(
				        &b->xf,
				        "the backend's rsp_prod (%u) is beyond "
				        "the %u requests sent; ignored "
				        "(further ones counted only)",
				        prod,
				        b->ring.req_prod_pvt -
				                b->ring.rsp_cons);
			b->said_prod = true;
		} else {
			while (b->ring.rsp_cons != prod) {
				blkif_response_t rsp;
				RING_COPY_RESPONSE(&b->ring, b->ring.rsp_cons,
				                   &rsp);
				b->ring.rsp_cons++;
				if (rsp.id >= SLOTS || !b->slot[rsp.id].busy) {
					bad(b, "id %llu, not in flight",
					    (unsigned long long)rsp.id);
					continue;
				}
				if (rsp.operation != b->slot[rsp.id].op) {
					bad(b, "operation %u for a %s",
					    rsp.operation,
					    op_name(b->slot[rsp.id].op));
					continue;
				}
				b->slot[rsp.id].busy = false;
				pending--;
				if (rsp.status == BLKIF_RSP_EOPNOTSUPP)
					o->unsupported = true;
				else if (rsp.status != BLKIF_RSP_OKAY)
					o->error = true;
				if (rsp.status != BLKIF_RSP_OKAY)
					b->c.errors++;
			}
			if (pending == 0)
				break;
			int more;
			RING_FINAL_CHECK_FOR_RESPONSES(&b->ring, more);
			if (more)
				continue;
		}
		if (platform_clock_monotonic() >= deadline) {
			b->c.timeouts++;
			b->broken = true;
			xfe_logf(&b->xf,
			         "no answer from the backend within 30 s (%u "
			         "request%s outstanding); the device is "
			         "unusable from now on",
			         pending, pending == 1 ? "" : "s");
			return false;
		}
		xen_event_wait(b->port, deadline);
	}
	return true;
}

/* Push what was queued, with one notification when the backend wants
 * one. */
static void push(struct blkfront *b)
{
	bool notify;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&b->ring, notify);
	if (notify) {
		xen_evtchn_notify(b->port);
		b->c.notifies++;
	}
}

/* Queue a request of op with id; the segments are filled in by the
 * caller. */
static blkif_request_t *queue(struct blkfront *b, unsigned id, uint8_t op,
                              uint64_t sector)
{
	blkif_request_t *req = RING_GET_REQUEST(&b->ring, b->ring.req_prod_pvt);
	b->ring.req_prod_pvt++;
	req->operation = op;
	req->nr_segments = 0;
	req->handle = (blkif_vdev_t)b->vdev;
	req->id = id;
	req->sector_number = sector;
	b->slot[id].busy = true;
	b->slot[id].op = op;
	b->c.requests++;
	return req;
}

/* ------------------------------------------------------------------ I/O */

static enum platform_result block_io(platform_handle h, uint64_t offset,
                                     uint8_t *buf, size_t size, bool write)
{
	struct blkfront *b = blk_of(h);
	if (!b)
		return PLATFORM_EINVAL;
	uint64_t ss = b->sector_size;
	if ((offset & (ss - 1)) || (size & (ss - 1)) || offset > b->capacity ||
	    size > b->capacity - offset || (size && !buf))
		return PLATFORM_EINVAL;
	if (write && b->read_only)
		return PLATFORM_EUNSUPPORTED;
	if (b->broken)
		return PLATFORM_EUNSPEC;
	uint8_t op = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
	size_t done = 0;
	while (done < size) {
		/* One round: as much as the bounce pages hold. */
		struct {
			size_t at, len;
			unsigned page;
		} reqs[SLOTS];
		unsigned nreq = 0, pg = 0;
		size_t queued = 0;
		while (done + queued < size && pg < BOUNCE_PAGES) {
			size_t at = done + queued, left = size - at;
			size_t room = (size_t)(BOUNCE_PAGES - pg < SEGS
			                               ? BOUNCE_PAGES - pg
			                               : SEGS) *
			              XEN_PAGE_SIZE;
			size_t len = left < room ? left : room;
			unsigned npg = (unsigned)((len + XEN_PAGE_SIZE - 1) /
			                          XEN_PAGE_SIZE);
			blkif_request_t *req =
			        queue(b, nreq, op, (offset + at) / 512);
			req->nr_segments = (uint8_t)npg;
			for (unsigned s = 0; s < npg; s++) {
				size_t n = len - (size_t)s * XEN_PAGE_SIZE;
				if (n > XEN_PAGE_SIZE)
					n = XEN_PAGE_SIZE;
				req->seg[s].gref = b->refs[PG_DATA + pg + s];
				req->seg[s].first_sect = 0;
				req->seg[s].last_sect = (uint8_t)(n / 512 - 1);
				if (write)
					memcpy(page(b, PG_DATA + pg + s),
					       buf + at +
					               (size_t)s *
					                       XEN_PAGE_SIZE,
					       n);
			}
			reqs[nreq].at = at;
			reqs[nreq].len = len;
			reqs[nreq].page = pg;
			nreq++;
			pg += npg;
			queued += len;
		}
		push(b);
		struct outcome o;
		if (!wait_all(b, nreq, &o))
			return PLATFORM_EUNSPEC;
		if (o.error || o.unsupported) {
			xfe_logf(&b->xf,
			         "the backend failed a %s of %zu bytes at "
			         "byte %llu",
			         write ? "write" : "read", queued,
			         (unsigned long long)(offset + done));
			return PLATFORM_EUNSPEC;
		}
		if (!write)
			for (unsigned i = 0; i < nreq; i++)
				memcpy(buf + reqs[i].at,
				       page(b, PG_DATA + reqs[i].page),
				       reqs[i].len);
		done += queued;
	}
	return PLATFORM_OK;
}

enum platform_result platform_block_read(platform_handle h, uint64_t offset,
                                         void *buf, size_t size)
{
	return block_io(h, offset, buf, size, false);
}

enum platform_result platform_block_write(platform_handle h, uint64_t offset,
                                          const void *buf, size_t size)
{
	return block_io(h, offset, (uint8_t *)(uintptr_t)buf, size, true);
}

enum platform_result platform_block_flush(platform_handle h)
{
	struct blkfront *b = blk_of(h);
	if (!b)
		return PLATFORM_EINVAL;
	if (b->broken)
		return PLATFORM_EUNSPEC;
	while (b->flush_cache || b->barrier) {
		uint8_t op = b->flush_cache ? BLKIF_OP_FLUSH_DISKCACHE
		                            : BLKIF_OP_WRITE_BARRIER;
		queue(b, 0, op, 0);
		push(b);
		struct outcome o;
		if (!wait_all(b, 1, &o))
			return PLATFORM_EUNSPEC;
		if (o.unsupported) {
			/* The backend withdrew the feature: the other one,
			 * or nothing (see above). */
			xfe_logf(&b->xf,
			         "the backend refused a %s (EOPNOTSUPP); not "
			         "asking again",
			         op_name(op));
			if (op == BLKIF_OP_FLUSH_DISKCACHE)
				b->flush_cache = false;
			else
				b->barrier = false;
			continue;
		}
		if (o.error) {
			xfe_logf(&b->xf, "the backend failed a %s",
			         op_name(op));
			return PLATFORM_EUNSPEC;
		}
		b->c.flushes++;
		return PLATFORM_OK;
	}
	return PLATFORM_OK;
}

/* -------------------------------------------------------- acquisition */

static void teardown(struct blkfront *b)
{
	if (b->port)
		xen_evtchn_close(b->port);
	b->port = 0;
	if (!b->block)
		return;
	bool kept = false;
	for (unsigned i = 0; i < PAGES; i++)
		if (xen_grant_end(b->refs[i]) != 0)
			kept = true;
	if (kept) {
		xfe_logf(&b->xf,
		         "the backend still maps our pages; %u KiB set aside",
		         PAGES * 4);
		for (unsigned i = 0; i < KEPT_MAX; i++) {
			if (!kept_blocks[i]) {
				kept_blocks[i] = b->block;
				break;
			}
		}
	} else {
		free(b->block);
	}
	b->block = NULL;
}

static int write_keys(uint32_t tx, void *ctx)
{
	struct blkfront *b = ctx;
	int r = xfe_write_uint(&b->xf, tx, "ring-ref", b->refs[PG_RING]);
	if (r == XS_OK)
		r = xfe_write_uint(&b->xf, tx, "event-channel", b->port);
	if (r == XS_OK)
		r = xfe_write(&b->xf, tx, "protocol", XEN_IO_PROTO_ABI_X86_64);
	/* Our grants never change while connected: a backend may keep
	 * them mapped instead of mapping each request's. */
	if (r == XS_OK)
		r = xfe_write(&b->xf, tx, "feature-persistent", "1");
	return r;
}

/* The rings, the keys, and the handshake up to the backend's Connected. */
static int bf_connect(struct blkfront *b)
{
	struct xs_frontend *f = &b->xf;
	b->block = aligned_alloc(XEN_PAGE_SIZE, (size_t)PAGES * XEN_PAGE_SIZE);
	if (!b->block) {
		xfe_logf(f, "out of memory for the ring and buffers (%u KiB)",
		         PAGES * 4);
		return PLATFORM_EUNSPEC;
	}
	memset(b->block, 0, (size_t)PAGES * XEN_PAGE_SIZE);
	for (unsigned i = 0; i < PAGES; i++) {
		if (xen_grant(f->backend_id, page(b, i), false, &b->refs[i]) !=
		    0) {
			xfe_logf(f,
			         "cannot grant the backend %u pages (grant "
			         "table full?)",
			         PAGES);
			while (i-- > 0)
				xen_grant_end(b->refs[i]);
			free(b->block);
			b->block = NULL;
			return PLATFORM_EUNSPEC;
		}
	}
	blkif_sring_t *s = (blkif_sring_t *)page(b, PG_RING);
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&b->ring, s, XEN_PAGE_SIZE);
	if (xen_evtchn_alloc_unbound(f->backend_id, &b->port) != 0) {
		xfe_logf(f, "cannot allocate an event channel");
		b->port = 0;
		teardown(b);
		return PLATFORM_EUNSPEC;
	}
	int r = xs_transact(write_keys, b);
	if (r != XS_OK) {
		xfe_logf(f, "cannot write the ring reference: %s",
		         xs_strerror(r));
		teardown(b);
		return PLATFORM_EUNSPEC;
	}
	if (xfe_switch(f, XenbusStateInitialised) != XS_OK ||
	    xfe_wait_connected(f) != XS_OK) {
		xfe_switch(f, XenbusStateClosed);
		teardown(b);
		return PLATFORM_EUNSPEC;
	}
	return PLATFORM_OK;
}

/* What the backend says about the disk, once Connected. */
static int read_geometry(struct blkfront *b)
{
	struct xs_frontend *f = &b->xf;
	uint64_t sectors = 0, size = 512, info = 0, v;
	int r = xfe_read_uint(f, true, "sectors", UINT64_MAX / 512, &sectors);
	if (r != XS_OK || sectors == 0) {
		xfe_logf(f, "the backend %.100s reports no capacity (%s)",
		         f->backend,
		         r == XS_OK       ? "sectors is 0"
		         : r == XS_ENOENT ? "no sectors key"
		                          : xs_strerror(r));
		return PLATFORM_EUNSPEC;
	}
	r = xfe_read_uint(f, true, "sector-size", UINT32_MAX, &size);
	if (r == XS_ENOENT)
		size = 512;
	else if (r != XS_OK || size < 512 || size > XEN_PAGE_SIZE ||
	         (size & (size - 1))) {
		char what[24];
		snprintf(what, sizeof(what), "%llu", (unsigned long long)size);
		xfe_logf(f,
		         "the backend's sector size (%s) is not one of 512, "
		         "1024, 2048, 4096",
		         r == XS_OK ? what : xs_strerror(r));
		return PLATFORM_EUNSPEC;
	}
	if (xfe_read_uint(f, true, "info", UINT32_MAX, &info) != XS_OK)
		info = 0;
	b->sector_size = (uint32_t)size;
	b->capacity = sectors * 512 & ~(uint64_t)(size - 1);
	if (b->capacity == 0) {
		xfe_logf(f,
		         "the backend %.100s reports no capacity (less than "
		         "one sector)",
		         f->backend);
		return PLATFORM_EUNSPEC;
	}
	b->read_only = info & VDISK_READONLY;
	char mode[4];
	if (xfe_read(f, true, "mode", mode, sizeof(mode)) == XS_OK &&
	    strcmp(mode, "r") == 0)
		b->read_only = true;
	b->flush_cache =
	        xfe_read_uint(f, true, "feature-flush-cache", 1, &v) == XS_OK &&
	        v == 1;
	b->barrier =
	        xfe_read_uint(f, true, "feature-barrier", 1, &v) == XS_OK &&
	        v == 1;
	return PLATFORM_OK;
}

/* The numeric name of the unit-th disk in device/vbd. */
static int find_vbd(const char *name, int unit, uint32_t *vdev)
{
	static char list[2048];
	size_t count;
	int r = xs_directory(0, "device/vbd", list, sizeof(list), &count);
	if (r == XS_ENOENT || r == XS_ENOTCONN) {
		xs_logf("%s: no such device (device/vbd is not in xenstore: "
		        "the domain has no disks)",
		        name);
		return PLATFORM_ENOENT;
	}
	if (r != XS_OK) {
		xs_logf("%s: cannot list device/vbd: %s", name, xs_strerror(r));
		return PLATFORM_EUNSPEC;
	}
	uint32_t ids[VBD_MAX];
	unsigned n = 0;
	const char *p = list;
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(p);
		uint64_t v;
		if (n < VBD_MAX && xs_parse_uint(p, len, UINT32_MAX, &v)) {
			/* Insertion in order. */
			unsigned k = n++;
			while (k > 0 && ids[k - 1] > v) {
				ids[k] = ids[k - 1];
				k--;
			}
			ids[k] = (uint32_t)v;
		}
		p += len + 1;
	}
	if ((unsigned)unit >= n) {
		xs_logf("%s: no such device (device/vbd has %u disk%s)", name,
		        n, n == 1 ? "" : "s");
		return PLATFORM_ENOENT;
	}
	*vdev = ids[unit];
	return PLATFORM_OK;
}

enum platform_result platform_block_acquire(const char *name,
                                            platform_handle *h,
                                            struct platform_block_info *info)
{
	int unit = xfe_unit(name, "blk");
	if (unit < 0)
		return PLATFORM_ENOENT;
	if (unit >= BF_MAX) {
		xs_logf("%s: at most %d block devices", name, BF_MAX);
		return PLATFORM_ENOENT;
	}
	struct blkfront *b = &blks[unit];
	if (b->acquired)
		return PLATFORM_EINVAL;
	uint32_t vdev;
	int r = find_vbd(name, unit, &vdev);
	if (r != PLATFORM_OK)
		return (enum platform_result)r;
	struct xs_frontend *f = &b->xf;
	char dir[32];
	snprintf(dir, sizeof(dir), "device/vbd/%u", vdev);
	r = xfe_open(f, name, dir);
	if (r != XS_OK) {
		if (r == XS_ENOENT)
			xs_logf("%s: %s has no backend", name, dir);
		return PLATFORM_EUNSPEC;
	}
	b->vdev = vdev;
	b->broken = false;
	if (xfe_watch(f) != XS_OK)
		return PLATFORM_EUNSPEC;
	r = xfe_wait_offer(f) == XS_OK ? bf_connect(b) : PLATFORM_EUNSPEC;
	if (r == PLATFORM_OK) {
		r = read_geometry(b);
		if (r != PLATFORM_OK) {
			xfe_switch(f, XenbusStateClosed);
			teardown(b);
		}
	}
	if (r == PLATFORM_OK && xfe_switch(f, XenbusStateConnected) != XS_OK) {
		teardown(b);
		r = PLATFORM_EUNSPEC;
	}
	if (r == PLATFORM_OK) {
		b->h = xen_device_handle();
		if (b->h >= PLATFORM_MAX_DEVICES) {
			xfe_logf(f, "too many devices");
			xfe_switch(f, XenbusStateClosed);
			teardown(b);
			r = PLATFORM_EUNSPEC;
		}
	}
	/* The backend's state is not followed after set-up: a request it
	 * leaves unanswered is what tells. */
	xfe_release(f);
	if (r != PLATFORM_OK)
		return (enum platform_result)r;
	/* Registered for its handle only: block I/O never makes a device
	 * ready. */
	xen_device_register(b->h, b->port, NULL, b);
	b->acquired = true;
	*h = b->h;
	info->capacity = b->capacity;
	info->sector_size = b->sector_size;
	xfe_logf(f, "blkfront, %s, %llu bytes, sector %u, %s%s", dir,
	         (unsigned long long)b->capacity, b->sector_size,
	         b->flush_cache ? "flush-cache"
	         : b->barrier   ? "barrier"
	                        : "no flush (writes through)",
	         b->read_only ? ", read-only" : "");
	return PLATFORM_OK;
}

bool blkfront_get_counters(platform_handle h, struct blkfront_counters *c)
{
	struct blkfront *b = blk_of(h);
	if (!b)
		return false;
	*c = b->c;
	return true;
}

#ifdef KILN_FUZZ
void blkfront_reset(void)
{
	for (unsigned i = 0; i < KEPT_MAX; i++) {
		free(kept_blocks[i]);
		kept_blocks[i] = NULL;
	}
	for (unsigned i = 0; i < BF_MAX; i++) {
		free(blks[i].block);
		memset(&blks[i], 0, sizeof(blks[i]));
	}
}
#endif
