/*
 * lib/http/conn.c - one connection, driven by TCP's events.
 *
 * No fiber and no stack of its own: TCP calls on_event (on the loop's
 * stack) when bytes arrive, send room opens or the connection ends, the
 * connection's timer calls on_timer, and both run pump(), which moves
 * bytes between TCP and the session until one side has to wait. Received
 * bytes are fed to the session straight from TCP's ring (tcp_peek), and
 * responses go into TCP's send ring as room allows, so the connection
 * holds no buffer of its own; between requests it is this struct, the
 * session's few fields and TCP's struct.
 *
 * Ends: a quiet close (idle timeout, the peer's FIN between requests),
 * an abort (an error, a send timeout), or - after every response that
 * closes - a lingering close (RFC 9112 9.6): FIN after the response,
 * then input is read and dropped until the peer's FIN, linger_timeout
 * without a byte or linger_time in all, and only then is the handle
 * given up, so no unread input turns the close into a reset that would
 * destroy the response before the client read it.
 */
#include "log.h"
#include "server.h"

#include <stdlib.h>
#include <string.h>

static void pump(struct http_conn *c);

/* ----------------------------------------------------------- lists */

void conn_queue_push(struct http_server *srv, struct http_conn *c,
                     enum conn_list list)
{
	struct conn_queue *q = &srv->lists[list];
	c->list = list;
	c->next = NULL;
	c->prev = q->tail;
	if (q->tail)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
	q->n++;
}

void conn_queue_remove(struct http_server *srv, struct http_conn *c)
{
	if (c->list == L_COUNT)
		return;
	struct conn_queue *q = &srv->lists[c->list];
	if (c->prev)
		c->prev->next = c->next;
	else
		q->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		q->tail = c->prev;
	c->prev = c->next = NULL;
	c->list = L_COUNT;
	q->n--;
}

/* ------------------------------------------------------------ ends */

static void conn_free(struct http_conn *c)
{
	conn_queue_remove(c->srv, c);
	kiln_timer_cancel(&c->timer);
	http_session_release(&c->s);
	free(c);
}

/* Give the handle up gracefully (FIN after what is queued; TCP resets
 * instead if input is left unread) and free the connection. */
static void end_close(struct http_conn *c)
{
	io_close(c);
	conn_free(c);
}

/* Reset the connection and free it. */
static void end_abort(struct http_conn *c)
{
	io_abort(c);
	conn_free(c);
}

void conn_linger_end(struct http_conn *c)
{
	end_close(c);
}

/* ---------------------------------------------------------- timers */

/* Put c on the list for what it does now and arm its timer for the
 * deadline that applies. */
static void settle(struct http_conn *c)
{
	const struct http_session *s = &c->s;
	enum conn_list want;
	kiln_time deadline;
	if (c->in_handler) {
		want = L_BUSY;
		deadline = KILN_NEVER; /* the handler's fiber keeps time */
	} else if (c->lingering) {
		want = L_LINGER;
		deadline = c->linger_end < c->linger_idle ? c->linger_end
		                                          : c->linger_idle;
	} else if (http_session_response(s) || s->state == HTTP_S_BODY) {
		want = L_BUSY;
		deadline = http_session_response(s) ? c->send_until
		                                    : http_session_deadline(s);
	} else {
		want = s->request_started ? L_READING : L_IDLE;
		deadline = http_session_deadline(s);
	}
	if (c->list != want) {
		conn_queue_remove(c->srv, c);
		conn_queue_push(c->srv, c, want);
	}
	kiln_timer_arm(&c->timer, deadline);
}

static void on_timer(struct kiln_timer *t, void *arg)
{
	struct http_conn *c = arg;
	struct http_session *s = &c->s;
	kiln_time now = kiln_now();
	(void)t;
	if (c->in_handler)
		return;
	if (c->lingering) {
		if (now >= c->linger_end || now >= c->linger_idle)
			end_close(c);
		else
			settle(c);
		return;
	}
	if (http_session_response(s)) {
		if (now < c->send_until) {
			settle(c);
			return;
		}
		/* The client took nothing for send_timeout. */
		http_stats.timeouts++;
		end_abort(c);
		return;
	}
	if (now < http_session_deadline(s)) {
		settle(c);
		return;
	}
	http_stats.timeouts++;
	if (http_session_timeout(s, kiln_wall()))
		pump(c); /* the 408, then a lingering close */
	else
		end_close(c);
}

/* --------------------------------------------------------- sending */

/* The response's head and the first body bytes go into TCP together (so
 * no segment carries the head alone); this is where they are joined.
 * Callbacks never run at the same time, so one buffer serves all. */
static uint8_t joint[8192];

/* The least send room a large body waits for (see send_some). */
#define SEND_LOWAT 16384

/* Queue more of r. Returns 1 when all of it is queued, 0 when TCP's send
 * ring is full (TCP_EV_WRITABLE follows), or a negated kiln_error. */
static int send_some(struct http_conn *c, const struct http_response *r,
                     kiln_time now)
{
	size_t total = r->head_len + r->body_len;
	if (!c->sending) {
		/* The clock starts with the response and is wound up by
		 * progress only (input does not count). */
		c->sending = true;
		c->send_until = now + c->srv->cfg->send_timeout;
	}
	while (c->sent < total) {
		const uint8_t *p;
		size_t n;
		if (c->sent < r->head_len) {
			size_t hn = r->head_len - c->sent;
			size_t bn = sizeof joint - hn;
			if (bn > r->body_len)
				bn = r->body_len;
			memcpy(joint, r->head + c->sent, hn);
			if (bn)
				memcpy(joint + hn, r->body, bn);
			p = joint;
			n = hn + bn;
		} else {
			p = r->body + (c->sent - r->head_len);
			n = total - c->sent;
			/* Wait for room worth filling, as Linux wakes a writer
			 * only at a third of its buffer: pieces of a segment
			 * or two, each sent at once (no Nagle), would cut a
			 * large body into small packets. */
			size_t room = io_send_space(c);
			if (room < n && room < SEND_LOWAT &&
			    io_send_queued(c) > 0)
				return 0;
		}
		long w = c->sent >= r->head_len && r->body_static
		                 ? io_send_static(c, p, n)
		                 : io_send(c, p, n);
		if (w == -KILN_EAGAIN)
			return 0;
		if (w < 0)
			return (int)w;
		http_stats.bytes_out += (size_t)w;
		c->sent += (size_t)w;
		c->send_until = now + c->srv->cfg->send_timeout;
	}
	return 1;
}

static void log_response(struct http_conn *c, const struct http_response *r,
                         kiln_time now)
{
	if (!c->srv->cfg->access_log || !kiln_log_enabled(KILN_LOG_INFO))
		return;
	http_log_response(http_session_log_method(&c->s),
	                  http_session_log_path(&c->s), r->status, r->body_len,
	                  now - c->s.resp_started);
}

/* -------------------------------------------------------- lingering */

/* Read and drop what came; close once the peer's FIN (or an error) is
 * there, else wait for more or the deadline. */
static void linger_drain(struct http_conn *c)
{
	const void *p;
	size_t n;
	bool got = false;
	while ((n = io_peek(c, &p)) > 0) {
		io_consume(c, n);
		http_stats.bytes_in += n;
		got = true;
	}
	if (got)
		c->linger_idle = kiln_now() + c->srv->cfg->linger_timeout;
	uint8_t byte;
	if (io_recv(c, &byte, 1) != -KILN_EAGAIN) {
		end_close(c); /* end of stream, or the connection failed */
		return;
	}
	settle(c);
}

static void linger_start(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	kiln_time now = kiln_now();
	io_shutdown(c);
	http_session_release(&c->s);
	c->lingering = true;
	c->linger_end = now + srv->cfg->linger_time;
	c->linger_idle = now + srv->cfg->linger_timeout;
	/* Lingering is bounded too: the longest-lingering goes first. */
	if (srv->lists[L_LINGER].n >= srv->max_linger)
		conn_linger_end(srv->lists[L_LINGER].head);
	linger_drain(c);
}

/* ------------------------------------------------------------ pump */

static void pump(struct http_conn *c)
{
	struct http_session *s = &c->s;
	if (c->in_handler) {
		kiln_waitq_wake_all(&c->wq);
		return;
	}
	if (c->lingering) {
		linger_drain(c);
		return;
	}
	kiln_time now = kiln_now();
	for (;;) {
		if (http_session_handler(s)) {
			if (!conn_handler_start(c)) {
				http_stats.no_memory++;
				end_abort(c);
				return;
			}
			break;
		}
		const struct http_response *r = http_session_response(s);
		if (r) {
			int st = send_some(c, r, now);
			if (st < 0) {
				KILN_DEBUG("http", "send: %s",
				           kiln_strerror(st));
				if (st == -KILN_ENOMEM)
					http_stats.no_memory++;
				end_abort(c);
				return;
			}
			if (st == 0)
				break; /* TCP_EV_WRITABLE resumes */
			log_response(c, r, now);
			http_count_response(r->status);
			c->sent = 0;
			c->sending = false;
			http_session_sent(s, now);
			if (s->state == HTTP_S_CLOSED) {
				linger_start(c);
				return;
			}
			continue;
		}
		if (s->state == HTTP_S_CLOSED) {
			end_close(c);
			return;
		}
		const void *p;
		size_t n = io_peek(c, &p);
		if (n > 0) {
			size_t used =
			        http_session_input(s, p, n, now, kiln_wall());
			io_consume(c, used);
			http_stats.bytes_in += used;
			if (used == 0 && !http_session_response(s) &&
			    s->state != HTTP_S_CLOSED) {
				end_abort(c); /* cannot happen: no progress */
				return;
			}
			continue;
		}
		uint8_t byte;
		long e = io_recv(c, &byte, 1);
		if (e == -KILN_EAGAIN)
			break; /* TCP_EV_READABLE resumes */
		if (e == 0) {
			/* The peer's FIN: a 400 for a partial request, else
			 * the end. */
			if (http_session_eof(s, kiln_wall()))
				continue;
			end_close(c);
			return;
		}
		KILN_DEBUG("http", "read: %s", kiln_strerror((int)e));
		end_abort(c);
		return;
	}
	settle(c);
}

void conn_handler_done(struct http_conn *c, bool failed)
{
	c->in_handler = false;
	if (failed) {
		end_abort(c);
		return;
	}
	if (c->s.state == HTTP_S_CLOSED) {
		linger_start(c);
		return;
	}
	pump(c);
}

static void on_event(struct tcp_conn *t, unsigned events, void *arg)
{
	(void)t;
	(void)events;
	pump(arg);
}

static void on_tls_event(struct tls_conn *t, unsigned events, void *arg)
{
	(void)t;
	(void)events;
	pump(arg);
}

/* ---------------------------------------------------------- public */

bool conn_open(struct http_server *srv, struct tcp_conn *t)
{
	struct http_conn *c = calloc(1, sizeof *c);
	if (!c)
		return false;
	c->srv = srv;
	c->tcp = t;
	c->list = L_COUNT;
	kiln_timer_init(&c->timer, on_timer, c);
	kiln_waitq_init(&c->wq);
	http_session_init(&c->s, srv->cfg, kiln_now());
	tcp_set_nodelay(t, true);
	if (srv->tls) {
		/* The handshake runs in lib/tls; the session hears of the
		 * connection once it is done. */
		c->tls = tls_server(srv->tls, t);
		if (!c->tls) {
			free(c);
			return false;
		}
		tls_on_event(c->tls, on_tls_event, c);
	} else {
		tcp_on_event(t, on_event, c);
	}
	http_stats.accepted++;
	pump(c); /* bytes may have come with the handshake's end */
	return true;
}

void conn_shed(struct http_conn *c)
{
	if (c->list == L_READING && http_session_timeout(&c->s, kiln_wall())) {
		http_stats.shed_slow++;
		pump(c); /* the 408, then a lingering close */
		return;
	}
	http_stats.shed_idle++;
	end_close(c);
}

void conn_refuse(struct http_server *srv, struct tcp_conn *t)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	                           "Server: kiln\r\n"
	                           "Content-Type: text/plain; charset=utf-8\r\n"
	                           "Content-Length: 24\r\n"
	                           "Retry-After: 1\r\n"
	                           "Connection: close\r\n\r\n"
	                           "503 Service Unavailable\n";
	http_stats.refused++;
	if (srv->tls) {
		/* No handshake to spend on it: a reset says as much. */
		tcp_abort(t);
		return;
	}
	if (srv->cfg->access_log && kiln_log_enabled(KILN_LOG_INFO))
		http_log_access("- - 503 24 0.000ms (%u connections)",
		                srv->lists[L_IDLE].n + srv->lists[L_READING].n +
		                        srv->lists[L_BUSY].n);
	tcp_set_nodelay(t, true);
	long w = tcp_send(t, busy, sizeof busy - 1);
	if (w > 0)
		http_stats.bytes_out += (size_t)w;
	http_stats.status_class[5]++;
	struct http_conn *c = calloc(1, sizeof *c);
	if (!c) {
		http_stats.no_memory++;
		tcp_close(t);
		return;
	}
	c->srv = srv;
	c->tcp = t;
	c->list = L_COUNT;
	kiln_timer_init(&c->timer, on_timer, c);
	http_session_init(&c->s, srv->cfg, kiln_now());
	tcp_on_event(t, on_event, c);
	linger_start(c);
}
