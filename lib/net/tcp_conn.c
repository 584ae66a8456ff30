/*
 * lib/net/tcp_conn.c - configuration, the connection and listener tables,
 * TIME-WAIT and orphan bookkeeping, and delivery of events to the
 * application.
 */
#include "tcp_impl.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The defaults (documented in include/kiln/net.h). */
#define TCP_DEFAULTS                                                           \
	{                                                                      \
		.max_conns = 512, .max_backlog = 256, .max_time_wait = 512,    \
		.sndbuf = 64 * 1024, .rcvbuf = 64 * 1024, .msl = KILN_SEC(30), \
		.rto_initial = KILN_SEC(1), .rto_min = KILN_MSEC(200),         \
		.rto_max = KILN_SEC(60), .syn_retries = 6, .data_retries = 12, \
		.delack = KILN_MSEC(40), .keep_idle = KILN_SEC(7200),          \
		.keep_interval = KILN_SEC(75), .keep_count = 9,                \
		.orphan_timeout = KILN_SEC(60), .rst_per_sec = 200,            \
		.challenge_acks_per_sec = 100,                                 \
		.oow_ack_interval = KILN_MSEC(500), .sack = true,              \
		.timestamps = true, .window_scaling = true,                    \
		.syncookies = TCP_SYNCOOKIES_AUTO,                             \
	}

struct tcp_config tcp_cfg = TCP_DEFAULTS;
struct tcp_stats tcp_stats;
struct tcp_listener *tcp_listeners;
/* tcp_cfg holds the configuration in force: set by tcp_configure, or the
 * defaults for the heap taken at the first socket (tcp_settle). */
static bool settled;

/* The connection table: chains from a power-of-two array sized for the
 * configured counts when the first connection is hashed (the small one if
 * that allocation fails). */
#define HASH_SMALL 1024
static struct tcp_conn *hash_small[HASH_SMALL];
static struct tcp_conn **hash_table;
static unsigned hash_mask;
static unsigned n_active; /* allocated, not in TIME-WAIT */
static unsigned n_time_wait;
static struct tcp_conn *tw_head, *tw_tail;     /* oldest first */
static struct tcp_conn *orph_head, *orph_tail; /* oldest first */
static struct tcp_conn *ev_head;
static struct tcp_listener *lev_head;
static bool sockets_exist;
/* Ephemeral ports held by active opens (one bit per port). */
static uint8_t port_bits[65536 / 8];

/* Heap per connection the default max_conns allows: the struct, the
 * application's own state for it, and room for the rings of the ones
 * moving data. */
#define HEAP_PER_CONN 4096u
/* The default bound of auto-tuned rings (as Linux's tcp_wmem). */
#define TCP_AUTOTUNE_MAX (4u << 20)
/* Bytes the rings of all connections have grown beyond sndbuf and
 * rcvbuf (tcp_buf_grow). */
static uint64_t buf_grown;

void tcp_config_defaults(struct tcp_config *cfg)
{
	static const struct tcp_config d = TCP_DEFAULTS;
	*cfg = d;
	struct kiln_mem_stats st;
	kiln_mem_stats(&st);
	size_t n = st.heap_size / HEAP_PER_CONN;
	if (n < 64)
		n = 64;
	if (n > (1u << 20))
		n = 1u << 20;
	cfg->max_conns = (unsigned)n;
	size_t most = st.heap_size / 16;
	if (most > TCP_AUTOTUNE_MAX)
		most = TCP_AUTOTUNE_MAX;
	cfg->sndbuf_max = cfg->rcvbuf_max = (uint32_t)most;
	cfg->buf_budget = st.heap_size / 4;
	cfg->max_time_wait = n / 4 > 16 ? (unsigned)(n / 4) : 16;
	cfg->max_backlog = n / 8 > 256 ? (unsigned)(n / 8) : 256;
	if (cfg->max_backlog > cfg->max_conns)
		cfg->max_backlog = cfg->max_conns;
}

void tcp_settle(void)
{
	if (!settled) {
		tcp_config_defaults(&tcp_cfg);
		settled = true;
	}
}

int tcp_configure(const struct tcp_config *cfg)
{
	if (sockets_exist)
		return -KILN_EAGAIN;
	/* Buffers: at least two segments, at most what window scaling can
	 * describe (2^30). */
	if (!cfg->max_conns || !cfg->max_backlog || !cfg->max_time_wait ||
	    cfg->sndbuf < 4096 || cfg->rcvbuf < 4096 ||
	    cfg->sndbuf > (1u << 30) || cfg->rcvbuf > (1u << 30) ||
	    cfg->sndbuf_max > (1u << 30) || cfg->rcvbuf_max > (1u << 30) ||
	    cfg->msl <= 0 || cfg->rto_min <= 0 ||
	    cfg->rto_initial < cfg->rto_min ||
	    cfg->rto_max < cfg->rto_initial || cfg->delack <= 0 ||
	    cfg->keep_idle <= 0 || cfg->keep_interval <= 0 ||
	    cfg->orphan_timeout <= 0 ||
	    cfg->syncookies > TCP_SYNCOOKIES_ALWAYS ||
	    (cfg->cc != TCP_CC_CUBIC && cfg->cc != TCP_CC_NEWRENO &&
	     cfg->cc != TCP_CC_BBR))
		return -KILN_EINVAL;
	tcp_cfg = *cfg;
	settled = true;
	return 0;
}

int tcp_configure_from_args(void)
{
	struct tcp_config c = tcp_cfg;
	if (!settled)
		tcp_config_defaults(&c);
	uint64_t v;
	bool ok = true;

	v = c.max_conns;
	ok &= kiln_arg_uint("--tcp-max-conns", 1, 1u << 20, &v);
	c.max_conns = (unsigned)v;
	v = c.max_backlog;
	ok &= kiln_arg_uint("--tcp-backlog", 1, 1u << 20, &v);
	c.max_backlog = (unsigned)v;
	v = c.max_time_wait;
	ok &= kiln_arg_uint("--tcp-time-wait-max", 1, 1u << 20, &v);
	c.max_time_wait = (unsigned)v;
	v = c.sndbuf;
	ok &= kiln_arg_uint("--tcp-sndbuf", 4096, 1u << 30, &v);
	c.sndbuf = (uint32_t)v;
	v = c.rcvbuf;
	ok &= kiln_arg_uint("--tcp-rcvbuf", 4096, 1u << 30, &v);
	c.rcvbuf = (uint32_t)v;
	v = c.sndbuf_max;
	ok &= kiln_arg_uint("--tcp-sndbuf-max", 0, 1u << 30, &v);
	c.sndbuf_max = (uint32_t)v;
	v = c.rcvbuf_max;
	ok &= kiln_arg_uint("--tcp-rcvbuf-max", 0, 1u << 30, &v);
	c.rcvbuf_max = (uint32_t)v;
	v = (uint64_t)(c.msl / KILN_MSEC(1));
	ok &= kiln_arg_uint("--tcp-msl-ms", 1, 600000, &v);
	c.msl = KILN_MSEC((kiln_time)v);
	v = (uint64_t)(c.oow_ack_interval / KILN_MSEC(1));
	ok &= kiln_arg_uint("--tcp-oow-ack-ms", 0, 60000, &v);
	c.oow_ack_interval = KILN_MSEC((kiln_time)v);
	v = c.syncookies;
	ok &= kiln_arg_uint("--tcp-syncookies", 0, 2, &v);
	c.syncookies = (unsigned)v;
	const char *cc = kiln_arg_string("--tcp-cc");
	if (cc) {
		if (!strcmp(cc, "cubic")) {
			c.cc = TCP_CC_CUBIC;
		} else if (!strcmp(cc, "newreno")) {
			c.cc = TCP_CC_NEWRENO;
		} else if (!strcmp(cc, "bbr")) {
			c.cc = TCP_CC_BBR;
		} else {
			kiln_printf("boot argument --tcp-cc: cubic, newreno or "
			            "bbr\n");
			ok = false;
		}
	}
	if (!ok)
		return -KILN_EINVAL;
	return tcp_configure(&c);
}

uint32_t tcp_buf_grow(struct tcp_conn *c, bool rcv, uint32_t want)
{
	uint32_t *size = rcv ? &c->rcv.size : &c->snd.size;
	uint32_t most = rcv ? tcp_cfg.rcvbuf_max : tcp_cfg.sndbuf_max;
	if (want > most)
		want = most;
	if (want <= *size)
		return *size;
	uint64_t left = tcp_cfg.buf_budget > buf_grown
	                        ? tcp_cfg.buf_budget - buf_grown
	                        : 0;
	if (want - *size > left)
		want = *size + (uint32_t)left;
	if (want <= *size) {
		tcp_stats.buf_budget_short++;
		return *size;
	}
	buf_grown += want - *size;
	if (rcv)
		c->rcv_grown += want - *size;
	else
		c->snd_grown += want - *size;
	*size = want;
	return want;
}

void tcp_get_stats(struct tcp_stats *st)
{
	*st = tcp_stats;
}

/* ----------------------------------------------------------- tables */

static unsigned hash_tuple(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                           uint16_t rport)
{
	uint32_t t[3] = {laddr, raddr, (uint32_t)lport << 16 | rport};
	return (unsigned)(tcp_keyed_hash(t, sizeof(t)) & hash_mask);
}

/* The table, allocated for the configured counts (a chain of about two
 * at the most). Only called before anything is hashed. */
static void hash_setup(void)
{
	unsigned want = HASH_SMALL;
	uint64_t most = (uint64_t)tcp_cfg.max_conns + tcp_cfg.max_time_wait;
	while (want < most / 2 && want < (1u << 20))
		want *= 2;
	hash_table =
	        want > HASH_SMALL ? calloc(want, sizeof(*hash_table)) : NULL;
	if (!hash_table) {
		hash_table = hash_small;
		want = HASH_SMALL;
	}
	hash_mask = want - 1;
}

void tcp_hash_insert(struct tcp_conn *c)
{
	if (c->hashed)
		return;
	if (!hash_table)
		hash_setup();
	unsigned h = hash_tuple(c->laddr, c->lport, c->raddr, c->rport);
	c->hnext = hash_table[h];
	hash_table[h] = c;
	c->hashed = true;
}

void tcp_hash_remove(struct tcp_conn *c)
{
	if (!c->hashed)
		return;
	unsigned h = hash_tuple(c->laddr, c->lport, c->raddr, c->rport);
	for (struct tcp_conn **pp = &hash_table[h]; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	c->hashed = false;
	c->hnext = NULL;
}

struct tcp_conn *tcp_lookup(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                            uint16_t rport)
{
	if (!hash_table)
		return NULL;
	unsigned h = hash_tuple(laddr, lport, raddr, rport);
	for (struct tcp_conn *c = hash_table[h]; c; c = c->hnext)
		if (c->lport == lport && c->rport == rport &&
		    c->raddr == raddr && c->laddr == laddr)
			return c;
	return NULL;
}

struct tcp_listener *tcp_listener_find(net_ipv4 addr, uint16_t port)
{
	struct tcp_listener *wild = NULL;
	for (struct tcp_listener *l = tcp_listeners; l; l = l->next) {
		if (l->port != port)
			continue;
		if (l->addr == addr)
			return l;
		if (l->addr == 0)
			wild = l;
	}
	return wild;
}

bool tcp_port_in_use(uint16_t port)
{
	if (port_bits[port / 8] & (1u << (port % 8)))
		return true;
	for (struct tcp_listener *l = tcp_listeners; l; l = l->next)
		if (l->port == port)
			return true;
	return false;
}

void tcp_port_hold(uint16_t port, bool held)
{
	if (held)
		port_bits[port / 8] |= (uint8_t)(1u << (port % 8));
	else
		port_bits[port / 8] &= (uint8_t) ~(1u << (port % 8));
}

bool tcp_conn_limit_reached(void)
{
	return n_active >= tcp_cfg.max_conns;
}

/* Packet buffers are free again: send what waited for them. */
static void tcp_buffers_ready(struct net_buf_waiter *w)
{
	struct tcp_conn *c =
	        (struct tcp_conn *)(void *)((char *)w -
	                                    offsetof(struct tcp_conn, bufwait));
	tcp_output(c);
}

/* ---------------------------------------------------------- orphans */

void tcp_orphan_add(struct tcp_conn *c)
{
	if (c->in_orphans)
		return;
	c->orph_prev = orph_tail;
	c->orph_next = NULL;
	if (orph_tail)
		orph_tail->orph_next = c;
	else
		orph_head = c;
	orph_tail = c;
	c->in_orphans = true;
}

static void orphan_unlink(struct tcp_conn *c)
{
	if (!c->in_orphans)
		return;
	if (c->orph_prev)
		c->orph_prev->orph_next = c->orph_next;
	else
		orph_head = c->orph_next;
	if (c->orph_next)
		c->orph_next->orph_prev = c->orph_prev;
	else
		orph_tail = c->orph_prev;
	c->orph_prev = c->orph_next = NULL;
	c->in_orphans = false;
}

/* At max_conns: reset the oldest orphan to make room. false if there is
 * none (every connection is held by the application or handshaking). */
static bool evict_orphan(void)
{
	struct tcp_conn *c = orph_head;
	if (!c)
		return false;
	tcp_stats.orphans_evicted++;
	tcp_send_rst_for(c);
	tcp_conn_done(c, -KILN_ECONNRESET);
	return true;
}

struct tcp_conn *tcp_conn_alloc(void)
{
	tcp_settle();
	if (tcp_conn_limit_reached() && !evict_orphan())
		return NULL;
	struct tcp_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	sockets_exist = true;
	n_active++;
	c->counted = true;
	c->rto = tcp_cfg.rto_initial;
	c->bufwait.fn = tcp_buffers_ready;
	/* The rings' bounds; their memory comes with the first bytes. */
	c->snd.size = tcp_cfg.sndbuf;
	c->rcv.size = tcp_cfg.rcvbuf;
	kiln_waitq_init(&c->readers);
	kiln_waitq_init(&c->writers);
	tcp_timer_init(c);
	return c;
}

static void tw_unlink(struct tcp_conn *c)
{
	if (!c->in_tw_list)
		return;
	if (c->tw_prev)
		c->tw_prev->tw_next = c->tw_next;
	else
		tw_head = c->tw_next;
	if (c->tw_next)
		c->tw_next->tw_prev = c->tw_prev;
	else
		tw_tail = c->tw_prev;
	c->tw_prev = c->tw_next = NULL;
	c->in_tw_list = false;
	n_time_wait--;
}

static void ev_unlink(struct tcp_conn *c)
{
	if (!c->ev_queued)
		return;
	for (struct tcp_conn **pp = &ev_head; *pp; pp = &(*pp)->ev_next) {
		if (*pp == c) {
			*pp = c->ev_next;
			break;
		}
	}
	c->ev_queued = false;
}

void tcp_conn_free(struct tcp_conn *c)
{
	kiln_timer_cancel(&c->timer);
	net_buf_wait_cancel(&c->bufwait);
	tcp_hash_remove(c);
	tw_unlink(c);
	ev_unlink(c);
	if (c->listener)
		tcp_listener_unlink(c);
	if (c->counted)
		n_active--;
	if (!(c->flags & TF_PASSIVE) && c->lport)
		tcp_port_hold(c->lport, false);
	orphan_unlink(c);
	tcp_bufs_release(c);
	tcp_bbr_release(c);
	buf_grown -= c->snd_grown + c->rcv_grown;
	c->snd_grown = c->rcv_grown = 0;
	if (c->busy) {
		/* Fibers are parked on it: let them find it gone. */
		c->state = TCP_CLOSED;
		c->zombie = true;
		c->ev_fn = NULL;
		kiln_waitq_wake_all(&c->readers);
		kiln_waitq_wake_all(&c->writers);
		return;
	}
	free(c);
}

void tcp_enter_time_wait(struct tcp_conn *c)
{
	c->state = TCP_TIME_WAIT;
	c->t_rexmt = c->t_persist = c->t_keep = c->t_delack = 0;
	c->t_orphan = c->t_tlp = c->t_reo = c->t_pace = 0;
	c->t_2msl = kiln_now() + 2 * tcp_cfg.msl;
	tcp_timer_update(c);
	if (!(c->flags & TF_OWNED)) {
		/* Nobody will read or write any more. */
		tcp_bufs_release(c);
	}
	tcp_bbr_release(c); /* nothing more is sent but ACKs */
	orphan_unlink(c);
	if (c->counted) {
		c->counted = false;
		n_active--;
	}
	if (!c->in_tw_list) {
		c->tw_prev = tw_tail;
		c->tw_next = NULL;
		if (tw_tail)
			tw_tail->tw_next = c;
		else
			tw_head = c;
		tw_tail = c;
		c->in_tw_list = true;
		n_time_wait++;
	}
	while (n_time_wait > tcp_cfg.max_time_wait && tw_head) {
		tcp_stats.time_wait_recycled++;
		tcp_conn_done(tw_head, 0);
	}
	tcp_event(c, TCP_EV_READABLE | TCP_EV_CLOSED);
}

void tcp_conn_done(struct tcp_conn *c, int err)
{
	if (c->state != TCP_TIME_WAIT && c->state != TCP_CLOSED &&
	    c->state != TCP_LISTEN && err)
		c->error = err;
	else if (!c->error && err)
		c->error = err;
	c->state = TCP_CLOSED;
	tw_unlink(c);
	if (!(c->flags & TF_OWNED)) {
		tcp_conn_free(c);
		return;
	}
	/* The application still holds it: keep the struct (and any data it
	 * has not read) until tcp_close. */
	kiln_timer_cancel(&c->timer);
	c->t_rexmt = c->t_persist = c->t_keep = c->t_2msl = c->t_delack = 0;
	c->t_orphan = 0;
	tcp_hash_remove(c);
	if (c->counted) {
		c->counted = false;
		n_active--;
	}
	if (!(c->flags & TF_PASSIVE) && c->lport)
		tcp_port_hold(c->lport, false);
	c->lport = 0;
	kiln_waitq_wake_all(&c->readers);
	kiln_waitq_wake_all(&c->writers);
	tcp_event(c, TCP_EV_READABLE | TCP_EV_WRITABLE | TCP_EV_CLOSED);
}

/* -------------------------------------------------------- listeners */

void tcp_listener_unlink(struct tcp_conn *c)
{
	struct tcp_listener *l = c->listener;
	struct tcp_conn **pp;
	struct tcp_conn *prev = NULL;

	for (pp = &l->syn_head; *pp; pp = &(*pp)->qnext)
		if (*pp == c) {
			*pp = c->qnext;
			goto found;
		}
	for (pp = &l->ready_head; *pp; prev = *pp, pp = &(*pp)->qnext)
		if (*pp == c) {
			*pp = c->qnext;
			if (l->ready_tail == c)
				l->ready_tail = prev;
			goto found;
		}
	return;
found:
	c->qnext = NULL;
	c->listener = NULL;
	l->n_queued--;
}

static void listener_event(struct tcp_listener *l)
{
	kiln_waitq_wake_one(&l->waiters);
	if (l->ready_fn && !l->ev_queued) {
		l->ev_queued = true;
		l->ev_next = lev_head;
		lev_head = l;
	}
}

void tcp_listener_ready(struct tcp_conn *c)
{
	struct tcp_listener *l = c->listener;
	for (struct tcp_conn **pp = &l->syn_head; *pp; pp = &(*pp)->qnext)
		if (*pp == c) {
			*pp = c->qnext;
			break;
		}
	c->qnext = NULL;
	if (l->ready_tail)
		l->ready_tail->qnext = c;
	else
		l->ready_head = c;
	l->ready_tail = c;
	listener_event(l);
}

/* A listener being freed must leave the event list. */
void tcp_listener_forget(struct tcp_listener *l)
{
	for (struct tcp_listener **pp = &lev_head; *pp; pp = &(*pp)->ev_next)
		if (*pp == l) {
			*pp = l->ev_next;
			break;
		}
	l->ev_queued = false;
}

/* ----------------------------------------------------------- events */

void tcp_event(struct tcp_conn *c, unsigned events)
{
	if (events & TCP_EV_READABLE)
		kiln_waitq_wake_all(&c->readers);
	if (events & (TCP_EV_WRITABLE | TCP_EV_CLOSED))
		kiln_waitq_wake_all(&c->writers);
	if (!c->ev_fn || !(c->flags & TF_OWNED))
		return;
	c->ev_pending |= events;
	if (!c->ev_queued) {
		c->ev_queued = true;
		c->ev_next = ev_head;
		ev_head = c;
	}
}

void tcp_deliver_events(void)
{
	/* A callback may close any connection or listener, which takes it
	 * off these lists; so always restart from the head. */
	while (ev_head || lev_head) {
		if (ev_head) {
			struct tcp_conn *c = ev_head;
			ev_head = c->ev_next;
			c->ev_queued = false;
			unsigned ev = c->ev_pending;
			c->ev_pending = 0;
			if (c->ev_fn && ev)
				c->ev_fn(c, ev, c->ev_arg);
			continue;
		}
		struct tcp_listener *l = lev_head;
		lev_head = l->ev_next;
		l->ev_queued = false;
		if (l->ready_fn)
			l->ready_fn(l, l->ready_arg);
	}
}
