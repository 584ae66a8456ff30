/*
 * lib/net/tcp_socket.c - the TCP socket API of include/kiln/net.h.
 *
 * Handles and lifetimes: a connection returned by tcp_connect or
 * tcp_accept belongs to the application until tcp_close or tcp_abort.
 * The stack never frees it before that; when the connection ends on its
 * own (RST, timeout, full close) the handle stays valid, reports the
 * error, and is freed by tcp_close.
 *
 * tcp_close is graceful: the FIN goes out after the queued data and the
 * stack finishes the close on its own (the connection becomes an orphan,
 * reset if it makes no progress for tcp_config.orphan_timeout). If
 * received data is still unread, or data arrives after the close, the
 * connection is reset instead, as RFC 9293 3.10.4 and RFC 2525 2.17 ask,
 * so the peer learns that data was lost.
 */
#include "tcp_impl.h"

#include <stdlib.h>
#include <string.h>

static void set_err(int *err, int e)
{
	if (err)
		*err = e;
}

/* Park on q until woken or deadline. Returns false if the connection
 * was freed meanwhile (then c must not be touched again); *timed_out
 * tells which. */
static bool conn_wait(struct tcp_conn *c, struct kiln_waitq *q,
                      kiln_time deadline, bool *timed_out)
{
	c->busy++;
	int r = kiln_waitq_wait(q, deadline);
	c->busy--;
	*timed_out = r < 0;
	if (c->zombie) {
		if (!c->busy)
			free(c);
		return false;
	}
	return true;
}

const char *tcp_state_name(const struct tcp_conn *c)
{
	static const char *const names[] = {
	        "CLOSED",      "LISTEN",     "SYN-SENT",   "SYN-RECEIVED",
	        "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT",
	        "CLOSING",     "LAST-ACK",   "TIME-WAIT",
	};
	return names[c->state];
}

/* -------------------------------------------------------- listening */

struct tcp_listener *tcp_listen(net_ipv4 addr, uint16_t port, unsigned backlog,
                                int *err)
{
	if (!port) {
		set_err(err, -KILN_EINVAL);
		return NULL;
	}
	tcp_settle();
	for (struct tcp_listener *l = tcp_listeners; l; l = l->next) {
		if (l->port == port && (l->addr == addr || !l->addr || !addr)) {
			set_err(err, -KILN_EADDRINUSE);
			return NULL;
		}
	}
	struct tcp_listener *l = calloc(1, sizeof(*l));
	if (!l) {
		set_err(err, -KILN_ENOMEM);
		return NULL;
	}
	l->addr = addr;
	l->port = port;
	if (backlog == 0)
		backlog = 1;
	l->backlog =
	        backlog < tcp_cfg.max_backlog ? backlog : tcp_cfg.max_backlog;
	kiln_waitq_init(&l->waiters);
	l->next = tcp_listeners;
	tcp_listeners = l;
	set_err(err, 0);
	return l;
}

struct tcp_conn *tcp_accept_nowait(struct tcp_listener *l, int *err)
{
	struct tcp_conn *c = l->ready_head;
	if (!c) {
		set_err(err, -KILN_EAGAIN);
		return NULL;
	}
	tcp_listener_unlink(c);
	c->flags |= TF_OWNED;
	set_err(err, 0);
	return c;
}

struct tcp_conn *tcp_accept(struct tcp_listener *l, kiln_time deadline,
                            int *err)
{
	for (;;) {
		struct tcp_conn *c = tcp_accept_nowait(l, err);
		if (c)
			return c;
		l->busy++;
		int r = kiln_waitq_wait(&l->waiters, deadline);
		l->busy--;
		if (l->closed) {
			/* Closed while we waited. */
			if (!l->busy)
				free(l);
			set_err(err, -KILN_ECLOSED);
			return NULL;
		}
		if (r < 0 && !l->ready_head) {
			set_err(err, -KILN_ETIMEDOUT);
			return NULL;
		}
	}
}

void tcp_listener_on_ready(struct tcp_listener *l,
                           void (*fn)(struct tcp_listener *l, void *arg),
                           void *arg)
{
	l->ready_fn = fn;
	l->ready_arg = arg;
}

void tcp_listener_close(struct tcp_listener *l)
{
	for (struct tcp_listener **pp = &tcp_listeners; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	/* Connections nobody accepted are reset. */
	while (l->syn_head || l->ready_head) {
		struct tcp_conn *c = l->syn_head ? l->syn_head : l->ready_head;
		tcp_send_rst_for(c);
		tcp_conn_free(c);
	}
	tcp_listener_forget(l);
	l->ready_fn = NULL;
	if (l->busy) {
		l->closed = true;
		kiln_waitq_wake_all(&l->waiters);
		return;
	}
	free(l);
}

/* ----------------------------------------------------- active open */

struct tcp_conn *tcp_connect_nowait(net_ipv4 addr, uint16_t port, int *err)
{
	net_ipv4 local = net_local_address();
	if (!addr || !port) {
		set_err(err, -KILN_EINVAL);
		return NULL;
	}
	if (!local) {
		set_err(err, -KILN_EHOSTUNREACH);
		return NULL;
	}
	uint16_t lport = tcp_ephemeral_port();
	if (!lport) {
		set_err(err, -KILN_EADDRINUSE);
		return NULL;
	}
	struct tcp_conn *c = tcp_conn_alloc();
	if (!c) {
		set_err(err, -KILN_ENOMEM);
		return NULL;
	}
	c->flags |= TF_OWNED;
	c->laddr = local;
	c->raddr = addr;
	c->lport = lport;
	c->rport = port;
	tcp_port_hold(lport, true);
	c->state = TCP_SYN_SENT;
	c->iss = tcp_isn(local, lport, addr, port);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->rcv_wscale = tcp_choose_wscale();
	c->ts_offset = tcp_random32();
	c->peer_mss = 536;
	tcp_set_smss(c);
	c->rtt_start = kiln_now();
	tcp_hash_insert(c);
	net_counters.tcp_active_opens++;
	tcp_send_syn(c);
	set_err(err, 0);
	return c;
}

struct tcp_conn *tcp_connect(net_ipv4 addr, uint16_t port, kiln_time deadline,
                             int *err)
{
	struct tcp_conn *c = tcp_connect_nowait(addr, port, err);
	if (!c)
		return NULL;
	while (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		bool timed_out;
		if (!conn_wait(c, &c->writers, deadline, &timed_out)) {
			set_err(err, -KILN_ECLOSED);
			return NULL;
		}
		if (timed_out && (c->state == TCP_SYN_SENT ||
		                  c->state == TCP_SYN_RECEIVED)) {
			tcp_abort(c);
			set_err(err, -KILN_ETIMEDOUT);
			return NULL;
		}
	}
	if (c->state == TCP_CLOSED) {
		int e = c->error ? c->error : -KILN_ECONNREFUSED;
		tcp_close(c);
		set_err(err, e);
		return NULL;
	}
	set_err(err, 0);
	return c;
}

/* ------------------------------------------------------------ data */

/* After the application took bytes: tell the peer if the window opened
 * by enough to matter (two segments or half the buffer). */
static void window_update(struct tcp_conn *c)
{
	if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_1 &&
	    c->state != TCP_FIN_WAIT_2)
		return;
	uint32_t adv =
	        SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t could = tcp_rcv_free(c);
	uint32_t gain = could > adv ? could - adv : 0;
	if (gain >= 2u * tcp_local_mss() || gain >= c->rcv.size / 2) {
		c->flags |= TF_ACKNOW;
		tcp_output(c);
	}
}

long tcp_recv(struct tcp_conn *c, void *buf, size_t len)
{
	size_t done = 0;
	if (c->flags & TF_ORPHAN)
		return -KILN_ECLOSED; /* a fiber woken by tcp_close */
	while (done < len) {
		const void *p;
		size_t n = tcp_rcv_peek(c, &p);
		if (!n)
			break;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)buf + done, p, n);
		tcp_rcv_consume(c, (uint32_t)n);
		done += n;
	}
	if (done) {
		window_update(c);
		return (long)done;
	}
	if (!len)
		return 0;
	if (c->flags & TF_RCVD_FIN)
		return 0;
	if (c->error)
		return c->error;
	if (c->state == TCP_CLOSED)
		return 0;
	return -KILN_EAGAIN;
}

long tcp_read(struct tcp_conn *c, void *buf, size_t len, kiln_time deadline)
{
	for (;;) {
		long n = tcp_recv(c, buf, len);
		if (n != -KILN_EAGAIN)
			return n;
		bool timed_out;
		if (!conn_wait(c, &c->readers, deadline, &timed_out))
			return -KILN_ECLOSED;
		if (timed_out) {
			n = tcp_recv(c, buf, len);
			return n == -KILN_EAGAIN ? -KILN_ETIMEDOUT : n;
		}
	}
}

size_t tcp_peek(struct tcp_conn *c, const void **data)
{
	return tcp_rcv_peek(c, data);
}

void tcp_consume(struct tcp_conn *c, size_t n)
{
	if (n > c->rcv.len)
		n = c->rcv.len;
	if (!n)
		return;
	tcp_rcv_consume(c, (uint32_t)n);
	window_update(c);
}

static int send_check(const struct tcp_conn *c)
{
	if (c->flags & TF_ORPHAN)
		return -KILN_ECLOSED;
	if (c->error)
		return c->error;
	if (c->flags & TF_FIN_QUEUED)
		return -KILN_EPIPE;
	switch (c->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		return 0;
	default:
		return -KILN_ENOTCONN;
	}
}

size_t tcp_send_space(struct tcp_conn *c)
{
	if (send_check(c))
		return 0;
	return tcp_snd_space(c);
}

size_t tcp_send_queued(const struct tcp_conn *c)
{
	return c->snd.len;
}

/* tcp_send and tcp_send_static: queue up to len bytes, lent (when lend
 * and a reference slot is free) or else copied, and send what may go. */
static long send_some(struct tcp_conn *c, const void *buf, size_t len,
                      bool lend)
{
	int e = send_check(c);
	if (e)
		return e;
	if (!len)
		return 0;
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	uint32_t n = 0;
	if (lend) {
		n = tcp_snd_append_ref(c, buf, (uint32_t)len);
		net_counters.tcp_bytes_lent += n;
	}
	if (!n)
		n = tcp_snd_append(c, buf, (uint32_t)len);
	if (!n)
		/* Nothing queued means nothing will be acknowledged to make
		 * room: the heap is short, not the window. */
		return c->snd.len || !tcp_snd_space(c) ? -KILN_EAGAIN
		                                       : -KILN_ENOMEM;
	tcp_output(c);
	return (long)n;
}

long tcp_send(struct tcp_conn *c, const void *buf, size_t len)
{
	return send_some(c, buf, len, false);
}

long tcp_send_static(struct tcp_conn *c, const void *buf, size_t len)
{
	return send_some(c, buf, len, true);
}

long tcp_write(struct tcp_conn *c, const void *buf, size_t len,
               kiln_time deadline)
{
	size_t done = 0;
	while (done < len) {
		long n = tcp_send(c, (const uint8_t *)buf + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n != -KILN_EAGAIN)
			return n;
		bool timed_out;
		if (!conn_wait(c, &c->writers, deadline, &timed_out))
			return -KILN_ECLOSED;
		if (timed_out && !tcp_send_space(c))
			return -KILN_ETIMEDOUT;
	}
	return (long)len;
}

void tcp_on_event(struct tcp_conn *c,
                  void (*fn)(struct tcp_conn *c, unsigned events, void *arg),
                  void *arg)
{
	c->ev_fn = fn;
	c->ev_arg = arg;
}

/* ---------------------------------------------------------- closing */

void tcp_shutdown(struct tcp_conn *c)
{
	if (c->flags & TF_FIN_QUEUED)
		return;
	switch (c->state) {
	case TCP_SYN_SENT:
		tcp_conn_done(c, -KILN_ECLOSED);
		return;
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		c->flags |= TF_FIN_QUEUED;
		if (c->state == TCP_ESTABLISHED)
			c->state = TCP_FIN_WAIT_1;
		break;
	case TCP_CLOSE_WAIT:
		c->flags |= TF_FIN_QUEUED;
		c->state = TCP_LAST_ACK;
		break;
	default:
		return;
	}
	tcp_output(c);
}

void tcp_abort(struct tcp_conn *c)
{
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		tcp_send_rst_for(c);
		break;
	default:
		break;
	}
	tcp_conn_free(c);
}

void tcp_close(struct tcp_conn *c)
{
	c->ev_fn = NULL;
	if (c->state == TCP_CLOSED) {
		tcp_conn_free(c);
		return;
	}
	if (c->rcv.len || c->rcv.n_ooo) {
		/* Unread data would be lost silently: reset instead. */
		tcp_abort(c);
		return;
	}
	c->flags &= ~TF_OWNED;
	c->flags |= TF_ORPHAN;
	/* Fibers parked on it in other calls return -KILN_ECLOSED. */
	kiln_waitq_wake_all(&c->readers);
	kiln_waitq_wake_all(&c->writers);
	if (c->state == TCP_SYN_SENT) {
		tcp_conn_free(c);
		return;
	}
	if (c->state == TCP_TIME_WAIT) {
		tcp_bufs_release(c);
		return;
	}
	tcp_shutdown(c);
	if (c->state != TCP_TIME_WAIT && c->state != TCP_CLOSED) {
		c->t_orphan = kiln_now() + tcp_cfg.orphan_timeout;
		tcp_orphan_add(c);
	}
	tcp_timer_update(c);
}

/* ---------------------------------------------------------- options */

void tcp_set_nodelay(struct tcp_conn *c, bool on)
{
	if (on) {
		c->flags |= TF_NODELAY;
		tcp_output(c);
	} else {
		c->flags &= ~TF_NODELAY;
	}
}

void tcp_set_keepalive(struct tcp_conn *c, bool on)
{
	if (on) {
		c->flags |= TF_KEEPALIVE;
		c->keep_probes = 0;
		if (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT)
			c->t_keep = c->last_rx + tcp_cfg.keep_idle;
	} else {
		c->flags &= ~TF_KEEPALIVE;
		c->t_keep = 0;
	}
	tcp_timer_update(c);
}

void tcp_peer(const struct tcp_conn *c, net_ipv4 *addr, uint16_t *port)
{
	if (addr)
		*addr = c->raddr;
	if (port)
		*port = c->rport;
}

int tcp_error(const struct tcp_conn *c)
{
	return c->error;
}
