/*
 * lib/http/server.h - what server.c (accepting, bounds, shedding) and
 * conn.c (one connection's events) share; internal to lib/http.
 *
 * Every connection is on exactly one of the server's lists, by what it is
 * doing, each list oldest first:
 *   idle     nothing of a request received yet: new, or keep-alive
 *            between requests (ordered by when it became idle)
 *   reading  a request head arriving (ordered by its first byte)
 *   busy     answering: a response being sent, a body being dropped
 *   linger   closing after a response: input read and dropped until the
 *            peer's FIN (ordered by when the close began)
 * The first two are where room is made when the bound is reached.
 */
#ifndef KILN_HTTP_SERVER_H
#define KILN_HTTP_SERVER_H

#include <kiln/http.h>
#include <kiln/net.h>
#include <kiln/tls.h>

enum conn_list { L_IDLE, L_READING, L_BUSY, L_LINGER, L_COUNT };

struct conn_queue {
	struct http_conn *head, *tail;
	unsigned n;
};

struct http_server {
	const struct http_config *cfg;
	struct tcp_listener *listener;
	unsigned max_conns;  /* open connections (idle, reading, busy) */
	unsigned max_linger; /* lingering ones, beyond which the oldest is
	                        closed at once */
	struct conn_queue lists[L_COUNT];
	struct tls_config *tls; /* HTTPS: NULL for plain HTTP */
};

struct http_conn {
	struct http_server *srv;
	struct tcp_conn *tcp;
	struct tls_conn *tls;          /* over tcp, on an HTTPS server */
	struct http_conn *prev, *next; /* in srv->lists[list] */
	enum conn_list list;
	struct kiln_timer timer;
	struct http_session s;
	size_t sent;           /* bytes of the current response queued */
	bool sending;          /* the current response was begun */
	kiln_time send_until;  /* send_timeout: progress must come by then */
	kiln_time linger_end;  /* lingering: the close happens by then */
	kiln_time linger_idle; /* ... or when no byte came by then */
	bool lingering;
	bool in_handler;      /* a route's handler runs on its fiber */
	struct kiln_waitq wq; /* where that fiber waits for TCP */
	bool in_pump;         /* pump() is running: conn_end waits for it */
	bool ended;           /* to be freed when pump() returns */
};

extern struct http_stats http_stats;

/* A response was sent in full (or its handler ended): count it. */
static inline void http_count_response(unsigned status)
{
	http_stats.requests++;
	http_stats.status_class[status >= 100 && status < 600 ? status / 100
	                                                      : 0]++;
}

/*
 * The connection's byte stream: TCP's calls, or lib/tls's of the same
 * meaning over TCP on an HTTPS server. lib/tls is referenced weakly, so
 * an image without it links (c->tls is then always NULL).
 */
#define HTTP_WEAK(f) extern __typeof__(f) f __attribute__((weak))
HTTP_WEAK(tls_server);
HTTP_WEAK(tls_peek);
HTTP_WEAK(tls_consume);
HTTP_WEAK(tls_recv);
HTTP_WEAK(tls_send);
HTTP_WEAK(tls_send_space);
HTTP_WEAK(tls_send_queued);
HTTP_WEAK(tls_on_event);
HTTP_WEAK(tls_shutdown);
HTTP_WEAK(tls_close);
HTTP_WEAK(tls_abort);
HTTP_WEAK(tls_image_config);

static inline size_t io_peek(struct http_conn *c, const void **p)
{
	return c->tls ? tls_peek(c->tls, p) : tcp_peek(c->tcp, p);
}
static inline void io_consume(struct http_conn *c, size_t n)
{
	if (c->tls)
		tls_consume(c->tls, n);
	else
		tcp_consume(c->tcp, n);
}
static inline long io_recv(struct http_conn *c, void *b, size_t n)
{
	return c->tls ? tls_recv(c->tls, b, n) : tcp_recv(c->tcp, b, n);
}
static inline long io_send(struct http_conn *c, const void *b, size_t n)
{
	return c->tls ? tls_send(c->tls, b, n) : tcp_send(c->tcp, b, n);
}
/* As io_send for bytes that outlive the connection: plain TCP sends them
 * without copying (tcp_send_static); TLS must encrypt them anyway. */
static inline long io_send_static(struct http_conn *c, const void *b, size_t n)
{
	return c->tls ? tls_send(c->tls, b, n) : tcp_send_static(c->tcp, b, n);
}
static inline size_t io_send_space(struct http_conn *c)
{
	return c->tls ? tls_send_space(c->tls) : tcp_send_space(c->tcp);
}
static inline size_t io_send_queued(struct http_conn *c)
{
	return c->tls ? tls_send_queued(c->tls) : tcp_send_queued(c->tcp);
}
static inline void io_shutdown(struct http_conn *c)
{
	if (c->tls)
		tls_shutdown(c->tls);
	else
		tcp_shutdown(c->tcp);
}
static inline void io_close(struct http_conn *c)
{
	if (c->tls)
		tls_close(c->tls);
	else
		tcp_close(c->tcp);
}
static inline void io_abort(struct http_conn *c)
{
	if (c->tls)
		tls_abort(c->tls);
	else
		tcp_abort(c->tcp);
}

/* A connection for t (accepted): on the idle list, its timer armed,
 * anything already received handled. false without memory (t is still
 * the caller's). */
bool conn_open(struct http_server *srv, struct tcp_conn *t);
/* Refuse t: a 503, then a lingering close (or, with no room to linger,
 * a close at once). */
void conn_refuse(struct http_server *srv, struct tcp_conn *t);
/* Make room: close an idle connection without a response, or answer a
 * slow head 408 and close. */
void conn_shed(struct http_conn *c);
/* Run the route's handler the session chose on a fiber (exchange.c);
 * false without memory for one. */
bool conn_handler_start(struct http_conn *c);
/* The handler's fiber is done (its response sent, the session told):
 * go on with the connection, or reset it when its I/O failed. */
void conn_handler_done(struct http_conn *c, bool failed);
/* Close a lingering connection now. */
void conn_linger_end(struct http_conn *c);

void conn_queue_push(struct http_server *srv, struct http_conn *c,
                     enum conn_list list);
void conn_queue_remove(struct http_server *srv, struct http_conn *c);

#endif
