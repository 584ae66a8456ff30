/*
 * lib/http/server.c - listen, accept, and keep the number of connections
 * within the bound: the idle and the slow make room before anyone is
 * refused (see "server" in include/kiln/http.h).
 *
 * Everything protocol-related is in the session (session.c); a
 * connection's events are handled in conn.c. This file runs in the
 * listener's callback, on the loop's stack.
 */
#include "server.h"

#include <stdlib.h>

/* Heap per connection for the default bound: TCP's struct (about 600
 * bytes), this library's (about 300), a request head and a reply while
 * one is answered, and room for TCP's rings of those moving data. With
 * TCP's own default (one per 4 KiB) this leaves TCP room for the
 * lingering, TIME-WAIT and orphaned connections beyond these. */
#define HEAP_PER_CONN 5120u

struct http_stats http_stats;

/* Every server started, for http_get_stats. */
#define MAX_SERVERS 8
static struct http_server *servers[MAX_SERVERS];
static unsigned n_servers;

static unsigned open_conns(const struct http_server *srv)
{
	return srv->lists[L_IDLE].n + srv->lists[L_READING].n +
	       srv->lists[L_BUSY].n;
}

/* Close the connection that has sent least: the oldest idle one, else
 * the oldest unfinished head. false if all are busy answering. */
static bool make_room(struct http_server *srv)
{
	struct http_conn *c = srv->lists[L_IDLE].head;
	if (!c)
		c = srv->lists[L_READING].head;
	if (!c)
		return false;
	conn_shed(c);
	return true;
}

static void on_ready(struct tcp_listener *l, void *arg)
{
	struct http_server *srv = arg;
	struct tcp_conn *t;
	int err;
	while ((t = tcp_accept_nowait(l, &err)) != NULL) {
		if (open_conns(srv) >= srv->max_conns)
			make_room(srv);
		if (open_conns(srv) >= srv->max_conns) {
			conn_refuse(srv, t);
			continue;
		}
		if (!conn_open(srv, t)) {
			/* No heap for one more: shed one, try again. */
			http_stats.no_memory++;
			if (!make_room(srv) || !conn_open(srv, t))
				conn_refuse(srv, t);
		}
	}
}

/* Heap per HTTPS connection beyond a plain one's: lib/tls's bound. */
#define HEAP_PER_TLS_CONN (HEAP_PER_CONN + TLS_CONN_HEAP_MAX)

int http_server_start_tls(const struct http_config *cfg, uint16_t port,
                          struct tls_config *tls)
{
	if (n_servers == MAX_SERVERS)
		return -KILN_ENOMEM;
	struct http_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return -KILN_ENOMEM;
	srv->cfg = cfg;
	srv->max_conns = cfg->max_conns;
	if (!srv->max_conns) {
		struct kiln_mem_stats st;
		kiln_mem_stats(&st);
		size_t n = st.heap_size /
		           (tls ? HEAP_PER_TLS_CONN : HEAP_PER_CONN);
		srv->max_conns = n < 16           ? 16
		                 : n > (1u << 20) ? 1u << 20
		                                  : (unsigned)n;
	}
	srv->max_linger = srv->max_conns / 8 > 16 ? srv->max_conns / 8 : 16;
	int err = 0;
	/* TCP caps the backlog at its max_backlog. Connections are taken
	 * as soon as they are established, so the backlog holds handshakes
	 * in progress. */
	srv->listener = tcp_listen(0, port, 1u << 20, &err);
	if (!srv->listener) {
		free(srv);
		return err ? err : -KILN_EINVAL;
	}
	srv->tls = tls;
	tcp_listener_on_ready(srv->listener, on_ready, srv);
	servers[n_servers++] = srv;
	return 0;
}

int http_server_start(const struct http_config *cfg, uint16_t port)
{
	return http_server_start_tls(cfg, port, NULL);
}

int http_serve(const struct http_config *cfg, uint16_t port)
{
	int err = http_server_start(cfg, port);
	if (err)
		return err;
	/* An image with TLS credentials (lib/tls) serves HTTPS too. */
	struct tls_config *tls = tls_image_config ? tls_image_config() : NULL;
	if (tls) {
		uint16_t https = cfg->https_port ? cfg->https_port : 443;
		err = http_server_start_tls(cfg, https, tls);
		if (err)
			return err;
		kiln_printf("http: serving HTTPS on port %u\n",
		            (unsigned)https);
	}
	/* The callbacks serve; this fiber has nothing more to do. */
	struct kiln_waitq forever;
	kiln_waitq_init(&forever);
	for (;;)
		kiln_waitq_wait(&forever, KILN_NEVER);
}

void http_get_stats(struct http_stats *st)
{
	*st = http_stats;
	st->conns = st->idle = st->reading = st->lingering = 0;
	st->max_conns = 0;
	for (unsigned i = 0; i < n_servers; i++) {
		const struct http_server *srv = servers[i];
		st->conns += open_conns(srv);
		st->idle += srv->lists[L_IDLE].n;
		st->reading += srv->lists[L_READING].n;
		st->lingering += srv->lists[L_LINGER].n;
		st->max_conns += srv->max_conns;
	}
}
