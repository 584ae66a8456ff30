/*
 * netfront.c - the netif frontend (io/netif.h) and the net half of
 * kiln/platform.h on Xen.
 *
 * One transmit and one receive ring, one event channel for both. All the
 * memory shared with the backend is one block of pages, granted once when
 * the device connects: the two ring pages, one page per receive slot
 * (the backend copies frames into them: request-rx-copy), and a transmit
 * pool of half pages that frames are copied into. So no frame costs a
 * grant operation; a batch of frames costs at most one notification.
 *
 * Nothing the backend writes is trusted: each producer index is read once
 * and must not claim more responses than there are requests outstanding;
 * each response is copied out of the ring before it is looked at; its id,
 * offset, length and status must make sense, or it is dropped, counted
 * and reported (the first time). Receive responses must come back in the
 * ring slot of their request (netif.h requires it), which also tells
 * which buffer an extra-info slot used. A frame spread over several slots
 * (NETRXF_more_data; feature-sg is never offered, so a good backend does
 * not send them) is dropped whole and counted.
 *
 * The backend's state is watched. When it leaves Connected the device goes
 * down (frames written meanwhile are dropped and counted, like a wire),
 * the rings are torn down once the backend has closed, and a new
 * connection with fresh rings is made when it offers one again (InitWait).
 * If the backend's directory disappears, the device is gone and reads and
 * writes fail.
 */
#include "netfront.h"
#include "xs_frontend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/netif.h>
#include <xen/io/ring.h>

#define NF_MAX 4
#define RX_SLOTS ((unsigned)__CONST_RING_SIZE(netif_rx, XEN_PAGE_SIZE))
#define TX_SLOTS ((unsigned)__CONST_RING_SIZE(netif_tx, XEN_PAGE_SIZE))
#define TX_BUF 2048 /* 2 a page */
#define TX_PAGES (TX_SLOTS * TX_BUF / XEN_PAGE_SIZE)
#define NF_MTU 1500
#define ETH_HDR 14
#define WRITE_WAIT_NS 10000000ll

/* The shared block: page indices. */
#define PG_TX_RING 0
#define PG_RX_RING 1
#define PG_RX 2
#define PG_TX (PG_RX + RX_SLOTS)
#define PAGES (PG_TX + TX_PAGES)

_Static_assert(RX_SLOTS == 256 && TX_SLOTS == 256, "one-page netif rings");

enum nf_state {
	NF_CONNECTED,
	NF_DOWN,    /* the backend left Connected: waiting for it to close */
	NF_WAITING, /* our rings are gone: waiting for the backend's InitWait */
	NF_GONE,    /* the backend is gone for good */
};

struct netfront {
	bool acquired;
	enum nf_state state;
	platform_handle h;
	struct xs_frontend xf;
	uint8_t mac[6];
	uint16_t mtu;
	evtchn_port_t port;
	uint8_t *block; /* PAGES pages shared with the backend */
	grant_ref_t refs[PAGES];
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	uint16_t rx_slot_id[RX_SLOTS]; /* the buffer posted in each slot */
	bool rx_more;  /* dropping the rest of a multi-slot frame */
	bool rx_extra; /* the next slot holds extra info */
	uint16_t tx_free[TX_SLOTS];
	unsigned tx_nfree;
	bool tx_busy[TX_SLOTS];
	bool said_rx, said_tx, said_rx_prod, said_tx_prod, said_down;
	struct netfront_counters c;
};

static struct netfront nets[NF_MAX];

/* Blocks a backend still maps: never freed nor reused (remembered only so
 * that host tests can free them). */
#define KEPT_MAX 8
static uint8_t *kept_blocks[KEPT_MAX];
/* A block whose grants all ended, kept for the next connection. */
static uint8_t *spare_block;

static RING_IDX read_once(const RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint8_t *page(struct netfront *n, unsigned i)
{
	return n->block + (size_t)i * XEN_PAGE_SIZE;
}

/* ------------------------------------------------------- shared memory */

/* End every grant of the block; free it unless the backend still maps a
 * page (then it is set aside for good: reusing it would let the backend
 * write into whatever we put there). */
static void mem_put(struct netfront *n, unsigned granted)
{
	if (!n->block)
		return;
	bool kept = false;
	for (unsigned i = 0; i < granted; i++)
		if (xen_grant_end(n->refs[i]) != 0)
			kept = true;
	if (kept) {
		n->c.pages_kept += PAGES;
		xfe_logf(&n->xf,
		         "the backend still maps our pages; %u KiB set aside",
		         PAGES * 4);
		for (unsigned i = 0; i < KEPT_MAX; i++) {
			if (!kept_blocks[i]) {
				kept_blocks[i] = n->block;
				break;
			}
		}
	} else if (!spare_block) {
		spare_block = n->block; /* for the next connection */
	} else {
		free(n->block);
	}
	n->block = NULL;
}

static bool mem_get(struct netfront *n)
{
	n->block = spare_block;
	spare_block = NULL;
	if (!n->block)
		n->block = aligned_alloc(XEN_PAGE_SIZE,
		                         (size_t)PAGES * XEN_PAGE_SIZE);
	if (!n->block) {
		xfe_logf(&n->xf, "out of memory for rings and buffers (%u KiB)",
		         PAGES * 4);
		return false;
	}
	memset(n->block, 0, (size_t)PAGES * XEN_PAGE_SIZE);
	for (unsigned i = 0; i < PAGES; i++) {
		if (xen_grant(n->xf.backend_id, page(n, i), i >= PG_TX,
		              &n->refs[i]) != 0) {
			xfe_logf(&n->xf,
			         "cannot grant the backend %u pages (grant "
			         "table full?)",
			         PAGES);
			mem_put(n, i);
			return false;
		}
	}
	return true;
}

/* -------------------------------------------------------- connection */

static int write_keys(uint32_t tx, void *ctx)
{
	struct netfront *n = ctx;
	const struct xs_frontend *f = &n->xf;
	int r = xfe_write_uint(f, tx, "tx-ring-ref", n->refs[PG_TX_RING]);
	if (r == XS_OK)
		r = xfe_write_uint(f, tx, "rx-ring-ref", n->refs[PG_RX_RING]);
	if (r == XS_OK)
		r = xfe_write_uint(f, tx, "event-channel", n->port);
	if (r == XS_OK)
		r = xfe_write(f, tx, "request-rx-copy", "1");
	if (r == XS_OK)
		r = xfe_write(f, tx, "feature-rx-notify", "1");
	/* Frames with their checksums filled in, please. */
	if (r == XS_OK)
		r = xfe_write(f, tx, "feature-no-csum-offload", "1");
	return r;
}

static void teardown(struct netfront *n)
{
	if (n->port)
		xen_evtchn_close(n->port);
	n->port = 0;
	mem_put(n, PAGES);
}

/* Fresh rings and buffers, the keys written, Connected both ways. */
static int nf_connect(struct netfront *n)
{
	struct xs_frontend *f = &n->xf;
	if (!mem_get(n))
		return PLATFORM_EUNSPEC;
	netif_tx_sring_t *txs = (netif_tx_sring_t *)page(n, PG_TX_RING);
	netif_rx_sring_t *rxs = (netif_rx_sring_t *)page(n, PG_RX_RING);
	SHARED_RING_INIT(txs);
	FRONT_RING_INIT(&n->tx, txs, XEN_PAGE_SIZE);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&n->rx, rxs, XEN_PAGE_SIZE);
	if (xen_evtchn_alloc_unbound(f->backend_id, &n->port) != 0) {
		xfe_logf(f, "cannot allocate an event channel");
		n->port = 0;
		teardown(n);
		return PLATFORM_EUNSPEC;
	}
	/* Every receive buffer is posted, buffer i in slot i. */
	for (unsigned i = 0; i < RX_SLOTS; i++) {
		netif_rx_request_t *req =
		        RING_GET_REQUEST(&n->rx, n->rx.req_prod_pvt);
		req->id = (uint16_t)i;
		req->gref = n->refs[PG_RX + i];
		n->rx_slot_id[n->rx.req_prod_pvt & (RX_SLOTS - 1)] =
		        (uint16_t)i;
		n->rx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS(&n->rx);
	n->rx_more = n->rx_extra = false;
	n->tx_nfree = 0;
	for (unsigned i = TX_SLOTS; i-- > 0;) {
		n->tx_free[n->tx_nfree++] = (uint16_t)i;
		n->tx_busy[i] = false;
	}
	int r = xs_transact(write_keys, n);
	if (r != XS_OK) {
		xfe_logf(f, "cannot write the ring references: %s",
		         xs_strerror(r));
		teardown(n);
		return PLATFORM_EUNSPEC;
	}
	if (xfe_switch(f, XenbusStateConnected) != XS_OK) {
		teardown(n);
		return PLATFORM_EUNSPEC;
	}
	if (xfe_wait_connected(f) != XS_OK) {
		xfe_switch(f, XenbusStateClosed);
		teardown(n);
		return PLATFORM_EUNSPEC;
	}
	n->state = NF_CONNECTED;
	xen_evtchn_notify(n->port); /* the receive requests are there */
	return PLATFORM_OK;
}

static bool nf_has_input(void *ctx);

static void nf_gone(struct netfront *n, const char *why)
{
	xfe_logf(&n->xf, "%s; the device is gone (reads and writes fail)", why);
	teardown(n);
	xfe_release(&n->xf);
	n->state = NF_GONE;
}

/* React to the backend's state st. */
static void backend_changed(struct netfront *n, unsigned st)
{
	struct xs_frontend *f = &n->xf;
	bool closed = st == XenbusStateClosed || st == XenbusStateInitWait ||
	              st == XenbusStateInitialising || st == XenbusStateUnknown;
	switch (n->state) {
	case NF_CONNECTED:
		if (st == XenbusStateConnected)
			return;
		xfe_logf(f, "the backend %.100s went to %s; reconnecting",
		         f->backend, xfe_state_name(st));
		n->state = NF_DOWN;
		n->c.reconnects++;
		/* What netif frontends answer a closing backend: we are done
		 * with the rings. */
		xfe_switch(f, XenbusStateClosed);
		/* fall through */
	case NF_DOWN:
		if (!closed)
			return; /* the backend may still use our pages */
		teardown(n);
		xfe_switch(f, XenbusStateInitialising);
		n->state = NF_WAITING;
		/* fall through */
	case NF_WAITING:
		if (st != XenbusStateInitWait)
			return;
		if (nf_connect(n) != PLATFORM_OK) {
			nf_gone(n, "reconnecting failed");
			return;
		}
		xen_device_register(n->h, n->port, nf_has_input, n);
		xfe_logf(f, "reconnected to %.100s", f->backend);
		return;
	case NF_GONE:
		return;
	}
}

/* Follow the backend's state changes queued on our watch. */
static void nf_service(struct netfront *n)
{
	char path[8];
	for (unsigned round = 0; round < 8; round++) {
		if (!n->xf.watching || !xs_watch_pending(&n->xf.watch))
			return;
		while (xs_watch_take(&n->xf.watch, path, sizeof(path)))
			;
		unsigned st;
		int r = xfe_backend_state(&n->xf, &st);
		if (r == XS_ENOENT) {
			char why[200];
			snprintf(why, sizeof(why),
			         "the backend %.100s vanished", n->xf.backend);
			nf_gone(n, why);
			return;
		}
		if (r != XS_OK)
			return; /* xenstore trouble: look again next event */
		backend_changed(n, st);
	}
}

/* ------------------------------------------------------------ receive */

/* rsp_prod, when it claims no more than the requests outstanding. */
static bool rx_prod(struct netfront *n, RING_IDX *prod, bool count)
{
	*prod = read_once(&n->rx.sring->rsp_prod);
	xen_rmb();
	if (*prod - n->rx.rsp_cons <= n->rx.req_prod_pvt - n->rx.rsp_cons)
		return true;
	if (count)
		n->c.rx_bad_prod++;
	if (!n->said_rx_prod)
		xfe_logf(&n->xf,
		         "the backend's receive rsp_prod (%u) is beyond the "
		         "%u requests posted; ignored (further ones counted "
		         "only)",
		         *prod, n->rx.req_prod_pvt - n->rx.rsp_cons);
	n->said_rx_prod = true;
	return false;
}

static bool nf_has_input(void *ctx)
{
	struct netfront *n = ctx;
	if (n->xf.watching && xs_watch_pending(&n->xf.watch))
		return true; /* the read follows the backend's change */
	if (n->state != NF_CONNECTED)
		return false;
	RING_IDX prod;
	return rx_prod(n, &prod, false) && prod != n->rx.rsp_cons;
}

/* Count a response that breaks the protocol; report the first one of
 * each direction in one line (what: "receive response (%s) dropped"). */
static void bad_response(struct netfront *n, uint64_t *count, bool *said,
                         const char *what, const char *fmt, va_list ap)
{
	(*count)++;
	if (*said)
		return;
	*said = true;
	char detail[120], line[200];
	vsnprintf(detail, sizeof(detail), fmt, ap);
	snprintf(line, sizeof(line), what, detail);
	xfe_logf(&n->xf, "a bad %s; further ones counted only", line);
}

static void rx_bad(struct netfront *n, const char *fmt, ...)
        __attribute__((__format__(__printf__, 2, 3)));

static void rx_bad(struct netfront *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bad_response(n, &n->c.rx_bad, &n->said_rx,
	             "receive response (%s) dropped", fmt, ap);
	va_end(ap);
}

static struct netfront *net_of(platform_handle h)
{
	for (unsigned i = 0; i < NF_MAX; i++)
		if (nets[i].acquired && nets[i].h == h)
			return &nets[i];
	return NULL;
}

int platform_net_read_batch(platform_handle h, struct platform_frame *frames,
                            unsigned count)
{
	struct netfront *n = net_of(h);
	if (!n)
		return -PLATFORM_EINVAL;
	nf_service(n);
	if (n->state == NF_GONE)
		return -PLATFORM_EUNSPEC;
	if (n->state != NF_CONNECTED)
		return 0;
	RING_IDX prod;
	if (!rx_prod(n, &prod, true))
		return 0;
	unsigned got = 0, reposts = 0;
	uint16_t repost[RX_SLOTS];
	int result = 0;
	while (got < count && n->rx.rsp_cons != prod) {
		RING_IDX i = n->rx.rsp_cons++;
		netif_rx_response_t rsp;
		RING_COPY_RESPONSE(&n->rx, i, &rsp);
		/* Whatever the response says, the request in its slot is
		 * consumed: its buffer goes back to the backend. */
		uint16_t id = n->rx_slot_id[i & (RX_SLOTS - 1)];
		repost[reposts++] = id;
		if (n->rx_extra) {
			/* An extra-info slot (overlaying the response). */
			struct netif_extra_info extra;
			memcpy(&extra, &rsp, sizeof(extra));
			n->rx_extra = extra.flags & XEN_NETIF_EXTRA_FLAG_MORE;
			continue;
		}
		if (n->rx_more) {
			n->rx_more = rsp.flags & NETRXF_more_data;
			continue;
		}
		if (rsp.id != id) {
			rx_bad(n, "id %u in the slot of buffer %u", rsp.id, id);
			continue;
		}
		if (rsp.flags & (NETRXF_more_data | NETRXF_extra_info)) {
			/* Several slots for one frame: dropped whole. */
			n->c.rx_multislot++;
			n->rx_more = rsp.flags & NETRXF_more_data;
			n->rx_extra = rsp.flags & NETRXF_extra_info;
			continue;
		}
		if (rsp.status < 0) {
			n->c.rx_errors++;
			continue;
		}
		size_t len = (size_t)rsp.status;
		if (len < ETH_HDR || rsp.offset >= XEN_PAGE_SIZE ||
		    len > (size_t)XEN_PAGE_SIZE - rsp.offset) {
			rx_bad(n, "%u bytes at offset %u in a page", rsp.status,
			       rsp.offset);
			continue;
		}
		if (len > (size_t)n->mtu + ETH_HDR) {
			rx_bad(n, "a %zu-byte frame over the MTU of %u", len,
			       n->mtu);
			continue;
		}
		if (len > frames[got].size) {
			n->c.rx_too_big++;
			if (got == 0)
				result = -PLATFORM_EINVAL;
			break;
		}
		if (rsp.flags & NETRXF_csum_blank)
			n->c.rx_csum_blank++;
		memcpy(frames[got].data, page(n, PG_RX + id) + rsp.offset, len);
		frames[got].len = len;
		n->c.rx_frames++;
		n->c.rx_bytes += len;
		got++;
	}
	for (unsigned k = 0; k < reposts; k++) {
		netif_rx_request_t *req =
		        RING_GET_REQUEST(&n->rx, n->rx.req_prod_pvt);
		req->id = repost[k];
		req->gref = n->refs[PG_RX + repost[k]];
		n->rx_slot_id[n->rx.req_prod_pvt & (RX_SLOTS - 1)] = repost[k];
		n->rx.req_prod_pvt++;
	}
	if (reposts) {
		bool notify;
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&n->rx, notify);
		if (notify)
			xen_evtchn_notify(n->port);
	}
	/* Drained: ask for an event with the next response. */
	if (n->rx.rsp_cons == prod) {
		int more;
		RING_FINAL_CHECK_FOR_RESPONSES(&n->rx, more);
		(void)more; /* has_input looks again before any sleep */
	}
	return got ? (int)got : result;
}

enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len)
{
	struct platform_frame f = {.data = buf, .size = size};
	int r = platform_net_read_batch(h, &f, 1);
	if (r < 0)
		return (enum platform_result) - r;
	if (r == 0)
		return PLATFORM_AGAIN;
	*len = f.len;
	return PLATFORM_OK;
}

/* ----------------------------------------------------------- transmit */

static void tx_bad(struct netfront *n, const char *fmt, ...)
        __attribute__((__format__(__printf__, 2, 3)));

static void tx_bad(struct netfront *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bad_response(n, &n->c.tx_bad, &n->said_tx,
	             "transmit response (%s) ignored", fmt, ap);
	va_end(ap);
}

/* Take back the transmit buffers the backend is done with. */
static void tx_reclaim(struct netfront *n)
{
	RING_IDX prod = read_once(&n->tx.sring->rsp_prod);
	xen_rmb();
	if (prod - n->tx.rsp_cons > n->tx.req_prod_pvt - n->tx.rsp_cons) {
		n->c.tx_bad_prod++;
		if (!n->said_tx_prod)
			xfe_logf(&n->xf,
			         "the backend's transmit rsp_prod (%u) is "
			         "beyond the %u requests sent; ignored "
			         "(further ones counted only)",
			         prod, n->tx.req_prod_pvt - n->tx.rsp_cons);
		n->said_tx_prod = true;
		return;
	}
	while (n->tx.rsp_cons != prod) {
		netif_tx_response_t rsp;
		RING_COPY_RESPONSE(&n->tx, n->tx.rsp_cons, &rsp);
		n->tx.rsp_cons++;
		if (rsp.status == NETIF_RSP_NULL) {
			/* Only for extra-info slots, which we never send. */
			tx_bad(n, "a NULL status for id %u", rsp.id);
			continue;
		}
		if (rsp.id >= TX_SLOTS || !n->tx_busy[rsp.id]) {
			tx_bad(n, "id %u, not in flight", rsp.id);
			continue;
		}
		n->tx_busy[rsp.id] = false;
		n->tx_free[n->tx_nfree++] = rsp.id;
		if (rsp.status != NETIF_RSP_OKAY)
			n->c.tx_errors++;
	}
}

int platform_net_write_batch(platform_handle h,
                             const struct platform_frame *frames,
                             unsigned count)
{
	struct netfront *n = net_of(h);
	if (!n)
		return -PLATFORM_EINVAL;
	nf_service(n);
	if (n->state == NF_GONE)
		return -PLATFORM_EUNSPEC;
	unsigned sent = 0;
	if (n->state != NF_CONNECTED) {
		/* Down: the frames are lost, as on an unplugged wire. */
		for (; sent < count; sent++) {
			size_t len = frames[sent].len;
			if (len < ETH_HDR || len > (size_t)n->mtu + ETH_HDR)
				break;
			n->c.tx_down++;
		}
		return sent || count == 0 ? (int)sent : -PLATFORM_EINVAL;
	}
	tx_reclaim(n);
	for (; sent < count; sent++) {
		size_t len = frames[sent].len;
		if (len < ETH_HDR || len > (size_t)n->mtu + ETH_HDR) {
			if (sent == 0)
				return -PLATFORM_EINVAL;
			break;
		}
		if (n->tx_nfree == 0 || RING_FULL(&n->tx))
			break; /* the backend has not caught up */
		uint16_t id = n->tx_free[--n->tx_nfree];
		n->tx_busy[id] = true;
		unsigned pg = PG_TX + id / 2, off = (id % 2) * TX_BUF;
		memcpy(page(n, pg) + off, frames[sent].data, len);
		netif_tx_request_t *req =
		        RING_GET_REQUEST(&n->tx, n->tx.req_prod_pvt);
		req->gref = n->refs[pg];
		req->offset = (uint16_t)off;
		req->flags = 0;
		req->id = id;
		req->size = (uint16_t)len;
		n->tx.req_prod_pvt++;
		n->c.tx_frames++;
		n->c.tx_bytes += len;
	}
	if (sent) {
		bool notify;
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&n->tx, notify);
		if (notify)
			xen_evtchn_notify(n->port);
	}
	return (int)sent;
}

enum platform_result platform_net_write(platform_handle h, const void *buf,
                                        size_t len)
{
	struct platform_frame f = {
	        .data = (void *)(uintptr_t)buf, .size = len, .len = len};
	platform_time give_up = platform_clock_monotonic() + WRITE_WAIT_NS;
	for (;;) {
		int r = platform_net_write_batch(h, &f, 1);
		if (r < 0)
			return (enum platform_result) - r;
		if (r == 1)
			return PLATFORM_OK;
		/* A full ring empties as the backend sends: wait a little,
		 * asking for an event with its next response. */
		struct netfront *n = net_of(h);
		int more;
		RING_FINAL_CHECK_FOR_RESPONSES(&n->tx, more);
		if (!more && !xen_event_wait(n->port, give_up))
			return PLATFORM_AGAIN;
	}
}

/* -------------------------------------------------------- acquisition */

static bool parse_mac(const char *s, uint8_t mac[6])
{
	for (unsigned i = 0; i < 6; i++) {
		unsigned v = 0;
		for (unsigned k = 0; k < 2; k++) {
			char c = s[i * 3 + k];
			unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			             : c >= 'a' && c <= 'f'
			                     ? (unsigned)(c - 'a' + 10)
			             : c >= 'A' && c <= 'F'
			                     ? (unsigned)(c - 'A' + 10)
			                     : 16;
			if (d == 16)
				return false;
			v = v * 16 + d;
		}
		char sep = s[i * 3 + 2];
		if (sep != (i < 5 ? ':' : 0))
			return false;
		mac[i] = (uint8_t)v;
	}
	return true;
}

enum platform_result platform_net_acquire(const char *name, platform_handle *h,
                                          struct platform_net_info *info)
{
	int unit = xfe_unit(name, "net");
	if (unit < 0)
		return PLATFORM_ENOENT;
	if (unit >= NF_MAX) {
		xs_logf("%s: at most %d network devices", name, NF_MAX);
		return PLATFORM_ENOENT;
	}
	struct netfront *n = &nets[unit];
	if (n->acquired)
		return PLATFORM_EINVAL;
	struct xs_frontend *f = &n->xf;
	char dir[32];
	snprintf(dir, sizeof(dir), "device/vif/%d", unit);
	int r = xfe_open(f, name, dir);
	if (r == XS_ENOENT || r == XS_ENOTCONN) {
		xs_logf("%s: no such device (%s is not in xenstore)", name,
		        dir);
		return PLATFORM_ENOENT;
	}
	if (r != XS_OK)
		return PLATFORM_EUNSPEC;
	char mac[24];
	r = xfe_read(f, false, "mac", mac, sizeof(mac));
	if (r != XS_OK || !parse_mac(mac, n->mac)) {
		xfe_logf(f, "no MAC address in %s/mac (%s)", dir,
		         r == XS_OK ? "malformed" : xs_strerror(r));
		return PLATFORM_EUNSPEC;
	}
	uint64_t mtu;
	n->mtu = NF_MTU;
	if (xfe_read_uint(f, false, "mtu", 65535, &mtu) == XS_OK && mtu >= 68 &&
	    mtu < NF_MTU)
		n->mtu = (uint16_t)mtu;
	if (xfe_watch(f) != XS_OK)
		return PLATFORM_EUNSPEC;
	r = xfe_wait_offer(f) == XS_OK ? PLATFORM_OK : PLATFORM_EUNSPEC;
	uint64_t copy = 0;
	if (r == PLATFORM_OK &&
	    (xfe_read_uint(f, true, "feature-rx-copy", 1, &copy) != XS_OK ||
	     copy != 1)) {
		xfe_logf(f,
		         "the backend %.100s lacks feature-rx-copy (only "
		         "copying receive is supported)",
		         f->backend);
		r = PLATFORM_EUNSPEC;
	}
	if (r == PLATFORM_OK)
		r = nf_connect(n);
	if (r == PLATFORM_OK) {
		n->h = xen_device_handle();
		if (n->h >= PLATFORM_MAX_DEVICES) {
			xfe_logf(f, "too many devices");
			xfe_switch(f, XenbusStateClosed);
			teardown(n);
			r = PLATFORM_EUNSPEC;
		}
	}
	if (r != PLATFORM_OK) {
		xfe_release(f);
		return (enum platform_result)r;
	}
	xen_device_register(n->h, n->port, nf_has_input, n);
	n->acquired = true;
	*h = n->h;
	memcpy(info->mac, n->mac, 6);
	info->mtu = n->mtu;
	info->offloads = 0;
	xfe_logf(f,
	         "netfront, mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, "
	         "backend %.100s",
	         n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
	         n->mac[5], n->mtu, f->backend);
	return PLATFORM_OK;
}

/* No offloads on this target (yet): only "all off" is accepted. */
enum platform_result platform_net_offload(platform_handle h, uint32_t want)
{
	(void)h;
	return want ? PLATFORM_EINVAL : PLATFORM_OK;
}

bool netfront_get_counters(platform_handle h, struct netfront_counters *c)
{
	struct netfront *n = net_of(h);
	if (!n)
		return false;
	*c = n->c;
	return true;
}

#ifdef KILN_FUZZ
void netfront_reset(void)
{
	for (unsigned i = 0; i < KEPT_MAX; i++) {
		free(kept_blocks[i]);
		kept_blocks[i] = NULL;
	}
	for (unsigned i = 0; i < NF_MAX; i++) {
		/* One block stays as the spare: the next test's set-up
		 * then costs no fresh memory. */
		if (!spare_block)
			spare_block = nets[i].block;
		else
			free(nets[i].block);
		memset(&nets[i], 0, sizeof(nets[i]));
	}
}
#endif
