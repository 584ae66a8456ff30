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
};

struct http_conn {
	struct http_server *srv;
	struct tcp_conn *tcp;
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
