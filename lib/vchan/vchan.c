/*
 * lib/vchan/vchan.c - vchan channels (kiln/vchan.h) on platform_shm_*.
 *
 * A server offers 1 + ring pages to its peer, writes the control page
 * (layout.h) and publishes it under the port; the client finds it, copies
 * the control page once, checks it, maps the rings and says it is there
 * (cli_live = 1) with a doorbell. From then on both sides run the same
 * code: each owns one index of each ring (ring.h) and one byte of each
 * pair in the control page (live, notify).
 *
 * Doorbells follow libxenvchan: a side that finds nothing to read sets
 * VCHAN_NOTIFY_WRITE in the peer's notify byte ("ring when you write"),
 * one that finds no room sets VCHAN_NOTIFY_READ; after writing (reading)
 * a side clears that bit in its own byte and rings if it was set. Each
 * request is followed by a second look at the ring, so that nothing the
 * peer did between the first look and the request is missed.
 *
 * Every look at the shared page goes through check(): the peer's live
 * byte and both rings' indices are read once and checked; anything out
 * of protocol fails the channel (reported once, -KILN_ECONNRESET) and the
 * shared memory is not touched again. A channel is looked at when the
 * platform reports its handle, before a caller parks, and every
 * LIVENESS_NS (the platform's word on whether the peer is gone is polled
 * there: a domain that died rings no bell).
 */
#include "layout.h"
#include "ring.h"

#include <kiln/platform.h>
#include <kiln/vchan.h>
#include <stdlib.h>
#include <string.h>

#define VCHAN "vchan"
#define LIVENESS_NS KILN_MSEC(500)
#define LINGER_NS KILN_SEC(10)
#define FIND_EVERY_NS KILN_MSEC(20)

enum state {
	LISTENING,   /* server: no client yet */
	UP,          /* both ends there */
	PEER_CLOSED, /* the peer closed: read what is left */
	FAILED       /* the peer went or broke the protocol; hands off */
};

struct vchan {
	platform_handle h;
	bool server;
	enum state state;
	int error;
	bool closed;    /* the app closed it (it may linger: orphan) */
	bool released;  /* the platform has everything back */
	unsigned users; /* fibers inside a blocking call on it */
	uint8_t *page;  /* the control page (shared) */
	struct vchan_ring rd, wr;
	uint8_t *my_live, *peer_live, *my_notify, *peer_notify;
	struct kiln_waitq readers, writers, acceptors;
	struct kiln_timer timer;
	kiln_time linger_until;
	bool want_write;
	long ready, space; /* what the last check saw */
	void (*fn)(struct vchan *v, unsigned events, void *arg);
	void *arg;
	struct vchan_stats st;
	char peer[VCHAN_NAME_MAX + 1], port[VCHAN_NAME_MAX + 1];
};

static struct vchan_totals totals;

static void look(struct vchan *v);

/* ------------------------------------------------------------- helpers */

static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > VCHAN_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static int from_platform(enum platform_result r)
{
	switch (r) {
	case PLATFORM_OK:
		return 0;
	case PLATFORM_AGAIN:
		return -KILN_EAGAIN;
	case PLATFORM_EINVAL:
		return -KILN_EINVAL;
	case PLATFORM_ENOENT:
		return -KILN_ENOENT;
	case PLATFORM_EUNSUPPORTED:
		return -KILN_ENOSYS;
	default:
		return -KILN_EIO;
	}
}

static uint8_t load8(const uint8_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store8(uint8_t *p, uint8_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Ask the peer to ring when it does `bit`. The full barrier orders the
 * request before the second look at the ring that must follow. */
static void request_notify(struct vchan *v, uint8_t bit)
{
	__atomic_or_fetch(v->peer_notify, bit, __ATOMIC_SEQ_CST);
}

/* After doing `bit`: ring if the peer asked for it. */
static void send_notify(struct vchan *v, uint8_t bit)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint8_t prev = __atomic_fetch_and(v->my_notify, (uint8_t)~bit,
	                                  __ATOMIC_SEQ_CST);
	if (prev & bit) {
		platform_shm_notify(v->h);
		v->st.notifies_sent++;
	}
}

static struct vchan *alloc_chan(const char *peer, const char *port)
{
	struct vchan *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	memcpy(v->peer, peer, strlen(peer) + 1);
	memcpy(v->port, port, strlen(port) + 1);
	kiln_waitq_init(&v->readers);
	kiln_waitq_init(&v->writers);
	kiln_waitq_init(&v->acceptors);
	return v;
}

static void on_ready(void *arg)
{
	struct vchan *v = arg;
	v->st.wakeups++;
	look(v);
}

static void on_timer(struct kiln_timer *t, void *arg)
{
	(void)t;
	look(arg);
}

/* Watch the handle and start the liveness timer. */
static void start(struct vchan *v)
{
	kiln_device_watch(v->h, on_ready, v);
	kiln_timer_init(&v->timer, on_timer, v);
	kiln_timer_arm(&v->timer, kiln_now() + LIVENESS_NS);
}

/* Give everything back to the platform. */
static void release(struct vchan *v)
{
	if (v->released)
		return;
	kiln_device_watch(v->h, NULL, NULL);
	kiln_timer_cancel(&v->timer);
	platform_shm_close(v->h);
	v->released = true;
}

static void maybe_free(struct vchan *v)
{
	if (v->closed && v->released && v->users == 0)
		free(v);
}

static void wake_all(struct vchan *v)
{
	kiln_waitq_wake_all(&v->readers);
	kiln_waitq_wake_all(&v->writers);
	kiln_waitq_wake_all(&v->acceptors);
}

/* The channel ends with err; the shared pages are not read again. */
static void fail(struct vchan *v, int err)
{
	if (v->state == FAILED)
		return;
	v->state = FAILED;
	v->error = err;
	wake_all(v);
}

/* May a report about a peer be logged now? A peer that breaks every
 * channel as soon as it exists must not flood the console: up to
 * REPORT_BURST reports, then one a second, the rest counted. */
#define REPORT_BURST 10
static bool may_report(void)
{
	static kiln_time last;
	static unsigned tokens = REPORT_BURST;
	kiln_time now = kiln_now();
	if (now - last >= KILN_SEC(1)) {
		tokens += (unsigned)((now - last) / KILN_SEC(1));
		if (tokens > REPORT_BURST)
			tokens = REPORT_BURST;
		last = now;
	}
	if (tokens == 0) {
		totals.reports_suppressed++;
		return false;
	}
	tokens--;
	return true;
}

/* The peer broke the protocol: one report, then the channel ends (and
 * the peer is told, as far as it listens). */
static void violation(struct vchan *v, const char *why)
{
	if (v->state == FAILED)
		return;
	totals.protocol_errors++;
	if (may_report())
		KILN_WARN(VCHAN,
		          "peer %s port %s: the peer broke the protocol (%s); "
		          "closing the channel",
		          v->peer, v->port, why);
	store8(v->my_live, VCHAN_LIVE_GONE);
	platform_shm_notify(v->h);
	fail(v, -KILN_ECONNRESET);
}

/* ------------------------------------------------------------ one look */

/* Read the peer's state and both rings' indices once, check them, and
 * say what happened (VCHAN_EV_*); ask the platform whether the peer is
 * gone too when ask_gone. Touches nothing after a failure. */
static unsigned check(struct vchan *v, bool ask_gone)
{
	unsigned ev = 0;
	if (v->released || v->state == FAILED)
		return 0;
	uint8_t live = load8(v->peer_live);
	if (v->state == LISTENING) {
		if (live == VCHAN_LIVE_WAITING)
			goto rings;
		if (live != VCHAN_LIVE_UP && live != VCHAN_LIVE_GONE) {
			violation(v, "the client's live byte holds a value "
			             "outside 0..2");
			return VCHAN_EV_CLOSED;
		}
		v->state = UP;
		totals.accepts++;
		ev |= VCHAN_EV_CONNECTED | VCHAN_EV_WRITABLE;
	}
	if (v->state == UP && live != VCHAN_LIVE_UP) {
		if (live != VCHAN_LIVE_GONE) {
			violation(v, "the peer's live byte holds a value "
			             "outside 0..1 after connecting");
			return VCHAN_EV_CLOSED;
		}
		v->state = PEER_CLOSED;
		totals.peer_closes++;
		KILN_DEBUG(VCHAN, "peer %s port %s: the peer closed", v->peer,
		           v->port);
		ev |= VCHAN_EV_READABLE | VCHAN_EV_CLOSED;
	}
rings:
	/* A peer that closed cleanly may have ended its process since: what
	 * it wrote is still there to read. */
	if (v->state != PEER_CLOSED && ask_gone &&
	    platform_shm_peer_gone(v->h)) {
		totals.peer_gone++;
		if (may_report())
			KILN_WARN(VCHAN, "peer %s port %s: the peer went away",
			          v->peer, v->port);
		fail(v, -KILN_ECONNRESET);
		return VCHAN_EV_READABLE | VCHAN_EV_CLOSED;
	}
	v->ready = vchan_ring_ready(&v->rd);
	if (v->ready < 0) {
		violation(v, v->rd.broken);
		return VCHAN_EV_CLOSED;
	}
	v->space = vchan_ring_space(&v->wr);
	if (v->space < 0) {
		violation(v, v->wr.broken);
		return VCHAN_EV_CLOSED;
	}
	if (v->ready > 0)
		ev |= VCHAN_EV_READABLE;
	if (v->space > 0 && v->want_write) {
		v->want_write = false;
		ev |= VCHAN_EV_WRITABLE;
	}
	return ev;
}

/* Wake the fibers the events concern. */
static void wake_for(struct vchan *v, unsigned ev)
{
	if (ev & (VCHAN_EV_READABLE | VCHAN_EV_CLOSED))
		kiln_waitq_wake_all(&v->readers);
	if (ev & (VCHAN_EV_WRITABLE | VCHAN_EV_CLOSED))
		kiln_waitq_wake_all(&v->writers);
	if (ev & (VCHAN_EV_CONNECTED | VCHAN_EV_CLOSED))
		kiln_waitq_wake_all(&v->acceptors);
}

/* Look at the channel and act on what happened: wake fibers, call the
 * event function (last: it may close and free v). */
static void look(struct vchan *v)
{
	unsigned ev = 0;
	for (int pass = 0; pass < 2; pass++) {
		ev |= check(v, pass == 0);
		if (v->released || v->state == FAILED)
			break;
		/* Keep the doorbell asked for: for data while the ring is
		 * empty, for room while someone waits for it. Then look
		 * again, for what came in meanwhile. */
		bool again = false;
		if (v->ready == 0) {
			request_notify(v, VCHAN_NOTIFY_WRITE);
			again = true;
		}
		bool waiting = v->writers.head != NULL || v->want_write;
		if (waiting && v->space == 0 && v->state != PEER_CLOSED) {
			request_notify(v, VCHAN_NOTIFY_READ);
			again = true;
		}
		if (!again)
			break;
	}
	if (v->closed) {
		/* An orphan: done once the peer has closed too (or went), or
		 * after LINGER_NS. */
		if (v->state != UP || kiln_now() >= v->linger_until) {
			release(v);
			maybe_free(v);
			return;
		}
	} else if (!v->released) {
		wake_for(v, ev);
	}
	if (!v->released && !kiln_timer_armed(&v->timer))
		kiln_timer_arm(&v->timer, kiln_now() + LIVENESS_NS);
	if (ev && v->fn && !v->closed)
		v->fn(v, ev, v->arg);
}

/* -------------------------------------------------------------- server */

struct vchan *vchan_listen(const char *peer, const char *port,
                           const struct vchan_config *cfg, int *err)
{
	struct vchan_geometry g;
	size_t left =
	        cfg && cfg->to_server ? cfg->to_server : VCHAN_RING_DEFAULT;
	size_t right =
	        cfg && cfg->to_client ? cfg->to_client : VCHAN_RING_DEFAULT;
	*err = -KILN_EINVAL;
	if (!name_ok(peer) || !name_ok(port) ||
	    !vchan_geometry_choose(left, right, &g))
		return NULL;
	unsigned pages = vchan_geometry_pages(&g);
	uint32_t *refs = malloc(pages * sizeof(uint32_t));
	struct vchan *v = refs ? alloc_chan(peer, port) : NULL;
	if (!v) {
		free(refs);
		*err = -KILN_ENOMEM;
		return NULL;
	}
	void *mem;
	enum platform_result r =
	        platform_shm_offer(peer, pages, &v->h, &mem, refs);
	if (r != PLATFORM_OK) {
		*err = r == PLATFORM_EUNSPEC ? -KILN_ENOMEM : from_platform(r);
		free(refs);
		free(v);
		return NULL;
	}
	uint8_t *page = mem;
	uint8_t *lbuf = g.left_pages ? page + VCHAN_PAGE
	                             : page + vchan_inpage_offset(g.left_order);
	uint8_t *rbuf = g.right_pages
	                        ? page + VCHAN_PAGE * (1 + g.left_pages)
	                        : page + vchan_inpage_offset(g.right_order);
	vchan_header_init(page, &g, refs + 1);
	free(refs);
	v->server = true;
	v->page = page;
	vchan_ring_init(&v->rd, true, lbuf, 1u << g.left_order,
	                (uint32_t *)(page + VCHAN_OFF_LEFT_PROD),
	                (uint32_t *)(page + VCHAN_OFF_LEFT_CONS), 0, 0);
	vchan_ring_init(&v->wr, false, rbuf, 1u << g.right_order,
	                (uint32_t *)(page + VCHAN_OFF_RIGHT_CONS),
	                (uint32_t *)(page + VCHAN_OFF_RIGHT_PROD), 0, 0);
	v->my_live = page + VCHAN_OFF_SRV_LIVE;
	v->peer_live = page + VCHAN_OFF_CLI_LIVE;
	v->my_notify = page + VCHAN_OFF_SRV_NOTIFY;
	v->peer_notify = page + VCHAN_OFF_CLI_NOTIFY;
	v->st.to_server_size = 1u << g.left_order;
	v->st.to_client_size = 1u << g.right_order;
	r = platform_shm_publish(v->h, port);
	if (r != PLATFORM_OK) {
		*err = from_platform(r);
		platform_shm_close(v->h);
		free(v);
		return NULL;
	}
	v->state = LISTENING;
	totals.listens++;
	start(v);
	*err = 0;
	return v;
}

int vchan_accept(struct vchan *v, kiln_time deadline)
{
	int ret = 0;
	if (v->closed)
		return -KILN_ECLOSED;
	v->users++;
	for (;;) {
		look(v);
		if (v->closed) {
			ret = -KILN_ECLOSED;
			break;
		}
		if (v->state == FAILED) {
			ret = v->error;
			break;
		}
		if (v->state != LISTENING)
			break;
		if (kiln_waitq_wait(&v->acceptors, deadline) < 0) {
			ret = -KILN_ETIMEDOUT;
			break;
		}
	}
	v->users--;
	maybe_free(v);
	return ret;
}

/* -------------------------------------------------------------- client */

/* Map the rings the server's control page (checked copy: g, refs) names,
 * and set the channel up on them. A negated kiln_error on failure. */
static int attach(struct vchan *v, const uint8_t *copy,
                  const struct vchan_geometry *g, const uint32_t *refs)
{
	uint8_t *page = v->page;
	void *lbuf = page + vchan_inpage_offset(g->left_order);
	void *rbuf = page + vchan_inpage_offset(g->right_order);
	if (g->left_pages &&
	    platform_shm_map(v->h, refs, g->left_pages, &lbuf) != PLATFORM_OK)
		return -KILN_ECONNREFUSED;
	if (g->right_pages &&
	    platform_shm_map(v->h, refs + g->left_pages, g->right_pages,
	                     &rbuf) != PLATFORM_OK)
		return -KILN_ECONNREFUSED;
	struct kiln_view cv = kiln_view_make(copy, VCHAN_PAGE);
	uint32_t lcons = 0, lprod = 0, rcons = 0, rprod = 0;
	kiln_view_u32_le(&cv, &lcons);
	kiln_view_u32_le(&cv, &lprod);
	kiln_view_u32_le(&cv, &rcons);
	kiln_view_u32_le(&cv, &rprod);
	/* Where the server left the indices is where we start. */
	if (!vchan_ring_init(&v->wr, false, lbuf, 1u << g->left_order,
	                     (uint32_t *)(page + VCHAN_OFF_LEFT_CONS),
	                     (uint32_t *)(page + VCHAN_OFF_LEFT_PROD), lprod,
	                     lcons) ||
	    !vchan_ring_init(&v->rd, true, rbuf, 1u << g->right_order,
	                     (uint32_t *)(page + VCHAN_OFF_RIGHT_PROD),
	                     (uint32_t *)(page + VCHAN_OFF_RIGHT_CONS), rcons,
	                     rprod)) {
		totals.protocol_errors++;
		if (may_report())
			KILN_WARN(VCHAN,
			          "peer %s port %s: the server's ring indices "
			          "are broken",
			          v->peer, v->port);
		return -KILN_ECONNREFUSED;
	}
	if (copy[VCHAN_OFF_SRV_LIVE] != VCHAN_LIVE_UP)
		return -KILN_ECONNREFUSED; /* the server has closed */
	v->my_live = page + VCHAN_OFF_CLI_LIVE;
	v->peer_live = page + VCHAN_OFF_SRV_LIVE;
	v->my_notify = page + VCHAN_OFF_CLI_NOTIFY;
	v->peer_notify = page + VCHAN_OFF_SRV_NOTIFY;
	v->st.to_server_size = 1u << g->left_order;
	v->st.to_client_size = 1u << g->right_order;
	/* Ask for the server's writes, then say we are here. */
	store8(v->peer_notify, VCHAN_NOTIFY_WRITE);
	store8(v->my_live, VCHAN_LIVE_UP);
	platform_shm_notify(v->h);
	v->st.notifies_sent++;
	return 0;
}

struct vchan *vchan_connect(const char *peer, const char *port,
                            kiln_time deadline, int *err)
{
	if (!name_ok(peer) || !name_ok(port)) {
		*err = -KILN_EINVAL;
		return NULL;
	}
	struct vchan *v = alloc_chan(peer, port);
	uint8_t *copy = malloc(VCHAN_PAGE);
	uint32_t *refs = malloc(2 * (VCHAN_PAGE / 4) * sizeof(uint32_t));
	int e = -KILN_ETIMEDOUT;
	void *first = NULL;
	if (!v || !copy || !refs) {
		e = -KILN_ENOMEM;
		goto out;
	}
	for (;;) {
		enum platform_result r =
		        platform_shm_find(peer, port, &v->h, &first);
		if (r == PLATFORM_OK)
			break;
		if (r != PLATFORM_AGAIN && r != PLATFORM_EUNSPEC) {
			e = from_platform(r);
			goto out;
		}
		e = r == PLATFORM_EUNSPEC ? -KILN_ECONNREFUSED
		                          : -KILN_ETIMEDOUT;
		kiln_time now = kiln_now();
		if (now >= deadline)
			goto out;
		kiln_sleep_until(deadline - now > FIND_EVERY_NS
		                         ? now + FIND_EVERY_NS
		                         : deadline);
	}
	/* One copy of the page, then only the copy is checked and used. */
	v->page = first;
	memcpy(copy, first, VCHAN_PAGE);
	struct vchan_geometry g;
	const char *why;
	if (!vchan_header_parse(kiln_view_make(copy, VCHAN_PAGE), &g, refs,
	                        2 * (VCHAN_PAGE / 4), &why)) {
		totals.protocol_errors++;
		if (may_report())
			KILN_WARN(VCHAN,
			          "peer %s port %s: the server's control page "
			          "is bad: %s",
			          peer, port, why);
		e = -KILN_ECONNREFUSED;
	} else {
		e = attach(v, copy, &g, refs);
	}
	if (e < 0) {
		platform_shm_close(v->h);
		goto out;
	}
	v->state = UP;
	totals.connects++;
	start(v);
	free(copy);
	free(refs);
	*err = 0;
	return v;
out:
	free(copy);
	free(refs);
	free(v);
	*err = e;
	return NULL;
}

/* ---------------------------------------------------------------- data */

long vchan_recv(struct vchan *v, void *buf, size_t len)
{
	if (v->closed)
		return -KILN_ECLOSED;
	if (v->state == FAILED)
		return v->error;
	if (len == 0)
		return 0;
	for (int pass = 0;; pass++) {
		long n = vchan_ring_read(&v->rd, buf, len);
		if (n < 0) {
			violation(v, v->rd.broken);
			return v->error;
		}
		if (n > 0) {
			v->st.bytes_in += (uint64_t)n;
			totals.bytes_in += (uint64_t)n;
			send_notify(v, VCHAN_NOTIFY_READ);
			return n;
		}
		if (pass == 1)
			break;
		/* Empty: has the peer closed (its last bytes were written
		 * before it said so, and the look below would see them)? */
		wake_for(v, check(v, false));
		if (v->state == FAILED)
			return v->error;
		if (v->state == PEER_CLOSED && v->ready == 0)
			return 0;
		request_notify(v, VCHAN_NOTIFY_WRITE);
	}
	return -KILN_EAGAIN;
}

long vchan_send(struct vchan *v, const void *buf, size_t len)
{
	if (v->closed)
		return -KILN_ECLOSED;
	if (v->state == FAILED)
		return v->error;
	if (v->state == PEER_CLOSED)
		return -KILN_EPIPE;
	if (len == 0)
		return 0;
	for (int pass = 0;; pass++) {
		long n = vchan_ring_write(&v->wr, buf, len);
		if (n < 0) {
			violation(v, v->wr.broken);
			return v->error;
		}
		if (n > 0) {
			v->st.bytes_out += (uint64_t)n;
			totals.bytes_out += (uint64_t)n;
			send_notify(v, VCHAN_NOTIFY_WRITE);
			return n;
		}
		if (pass == 1)
			break;
		wake_for(v, check(v, false));
		if (v->state == FAILED)
			return v->error;
		if (v->state == PEER_CLOSED)
			return -KILN_EPIPE;
		request_notify(v, VCHAN_NOTIFY_READ);
	}
	v->want_write = true;
	return -KILN_EAGAIN;
}

long vchan_read(struct vchan *v, void *buf, size_t len, kiln_time deadline)
{
	long ret;
	if (v->closed)
		return -KILN_ECLOSED;
	v->users++;
	for (;;) {
		ret = vchan_recv(v, buf, len);
		if (ret != -KILN_EAGAIN)
			break;
		v->st.waits_empty++;
		if (kiln_waitq_wait(&v->readers, deadline) < 0 && !v->closed) {
			ret = vchan_recv(v, buf, len);
			if (ret == -KILN_EAGAIN)
				ret = -KILN_ETIMEDOUT;
			break;
		}
	}
	v->users--;
	maybe_free(v);
	return ret;
}

long vchan_write(struct vchan *v, const void *buf, size_t len,
                 kiln_time deadline)
{
	size_t done = 0;
	long ret = 0;
	if (v->closed)
		return -KILN_ECLOSED;
	v->users++;
	while (done < len) {
		long n = vchan_send(v, (const uint8_t *)buf + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n != -KILN_EAGAIN) {
			ret = n;
			break;
		}
		v->st.waits_full++;
		if (kiln_waitq_wait(&v->writers, deadline) < 0 && !v->closed &&
		    vchan_writable(v) == 0) {
			ret = -KILN_ETIMEDOUT;
			break;
		}
	}
	v->users--;
	maybe_free(v);
	return done > 0 ? (long)done : ret;
}

size_t vchan_readable(struct vchan *v)
{
	if (v->closed || v->state == FAILED)
		return 0;
	long n = vchan_ring_ready(&v->rd);
	if (n < 0) {
		violation(v, v->rd.broken);
		return 0;
	}
	return (size_t)n;
}

size_t vchan_writable(struct vchan *v)
{
	if (v->closed || v->state == FAILED || v->state == PEER_CLOSED)
		return 0;
	long n = vchan_ring_space(&v->wr);
	if (n < 0) {
		violation(v, v->wr.broken);
		return 0;
	}
	return (size_t)n;
}

/* -------------------------------------------------------------- the rest */

void vchan_on_event(struct vchan *v,
                    void (*fn)(struct vchan *v, unsigned events, void *arg),
                    void *arg)
{
	v->fn = fn;
	v->arg = arg;
}

void vchan_close(struct vchan *v)
{
	if (!v || v->closed)
		return;
	v->closed = true;
	v->fn = NULL;
	totals.closes++;
	wake_all(v);
	if (!v->released && v->state != FAILED) {
		/* Say so; libxenvchan rings at close whatever was asked. */
		store8(v->my_live, VCHAN_LIVE_GONE);
		platform_shm_notify(v->h);
	}
	if (!v->released && v->state == UP) {
		/* Let the peer read what is in flight and close its end
		 * before the pages go back (look() finishes it). */
		v->linger_until = kiln_now() + LINGER_NS;
		return;
	}
	release(v);
	maybe_free(v);
}

int vchan_error(const struct vchan *v)
{
	return v->state == FAILED ? v->error : 0;
}

bool vchan_connected(const struct vchan *v)
{
	return v->state == UP || v->state == PEER_CLOSED;
}

void vchan_get_stats(const struct vchan *v, struct vchan_stats *st)
{
	*st = v->st;
}

void vchan_get_totals(struct vchan_totals *t)
{
	*t = totals;
}
