/*
 * lib/http/server.c - the socket glue: accept connections and run one
 * session per connection on its own fiber.
 *
 * Everything protocol-related is in the session (session.c); this file
 * only moves bytes between TCP and the session, applies the session's
 * deadline to reads, bounds the number of connections and writes the
 * access log.
 */
#include <kiln/http.h>
#include <kiln/net.h>
#include <stdlib.h>
#include <string.h>

/*
 * Fiber stacks: the session state lives in struct conn on the heap, so
 * the stack only holds call frames. The network stack calls the platform
 * from the loop's stack, never from a connection's fiber, so 32 KiB is
 * plenty on every target (the sanitizer build of the tests included).
 */
#define CONN_STACK ((size_t)32 * 1024)

/* A client that stops reading its responses gets this long to take each
 * one before the connection is dropped. */
#define WRITE_TIMEOUT KILN_SEC(30)

struct conn {
	struct tcp_conn *tcp;
	const struct http_config *cfg;
	struct http_session session;
	uint8_t in[4096];
	/* The response head and the first body bytes, sent together. */
	uint8_t out[8192];
};

static unsigned active_conns;

/*
 * Wall-clock time for the Date field, derived from the monotonic clock
 * and re-read from the platform every few seconds: on hvt reading the
 * wall clock is a VM exit, and it was one exit per request.
 */
static kiln_time wall_now(void)
{
	static kiln_time mono_base = -1, wall_base;
	kiln_time now = kiln_now();
	if (mono_base < 0 || now - mono_base > KILN_SEC(10)) {
		mono_base = now;
		wall_base = kiln_wall();
	}
	return wall_base + (now - mono_base);
}

static long send_response(struct conn *c, const struct http_response *r)
{
	kiln_time deadline = kiln_now() + WRITE_TIMEOUT;
	/* The head and the start of the body go out together (full
	 * segments, no lone head segment); the rest of a large body is
	 * written straight from the asset table. */
	size_t first = sizeof c->out - r->head_len;
	if (first > r->body_len)
		first = r->body_len;
	memcpy(c->out, r->head, r->head_len);
	if (first)
		memcpy(c->out + r->head_len, r->body, first);
	long n = tcp_write(c->tcp, c->out, r->head_len + first, deadline);
	if (n >= 0 && r->body_len > first)
		n = tcp_write(c->tcp, r->body + first, r->body_len - first,
		              deadline);
	return n;
}

static void log_response(struct conn *c, const struct http_response *r)
{
	if (!c->cfg->access_log || !kiln_log_enabled(KILN_LOG_INFO))
		return;
	kiln_time us = (kiln_now() - c->session.resp_started) / 1000;
	kiln_log(KILN_LOG_INFO, "http", "%s %s %u %zu %lld.%03lldms",
	         c->session.log_method[0] ? c->session.log_method : "-",
	         c->session.log_path[0] ? c->session.log_path : "-", r->status,
	         r->body_len, (long long)(us / 1000), (long long)(us % 1000));
}

static void serve_conn(void *arg)
{
	struct conn *c = arg;
	struct http_session *s = &c->session;
	size_t have = 0, off = 0;
	http_session_init(s, c->cfg, kiln_now());
	for (;;) {
		while (off < have && !http_session_response(s) &&
		       s->state != HTTP_S_CLOSED)
			off += http_session_input(s, c->in + off, have - off,
			                          kiln_now(), wall_now());
		const struct http_response *r = http_session_response(s);
		if (r) {
			long w = send_response(c, r);
			if (w < 0) {
				KILN_DEBUG("http", "%s %s %u: write: %s",
				           s->log_method, s->log_path,
				           r->status, kiln_strerror((int)w));
				break;
			}
			log_response(c, r);
			http_session_sent(s, kiln_now());
			if (s->state == HTTP_S_CLOSED)
				break;
			continue;
		}
		if (s->state == HTTP_S_CLOSED)
			break;
		long n = tcp_read(c->tcp, c->in, sizeof c->in,
		                  http_session_deadline(s));
		if (n == -KILN_ETIMEDOUT) {
			if (http_session_timeout(s, wall_now()))
				continue; /* send the 408, then close */
			break;
		}
		if (n == 0) {
			if (http_session_eof(s, wall_now()))
				continue;
			break;
		}
		if (n < 0) {
			KILN_DEBUG("http", "read: %s", kiln_strerror((int)n));
			break;
		}
		have = (size_t)n;
		off = 0;
	}
	tcp_close(c->tcp);
	free(c);
	active_conns--;
}

/* Over the connection bound: say so and close (RFC 9110 15.6.4). */
static void refuse(struct tcp_conn *t, const struct http_config *cfg)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	                           "Content-Type: text/plain; charset=utf-8\r\n"
	                           "Content-Length: 24\r\n"
	                           "Retry-After: 1\r\n"
	                           "Connection: close\r\n\r\n"
	                           "503 Service Unavailable\n";
	tcp_send(t, busy, sizeof busy - 1);
	tcp_close(t);
	if (cfg->access_log)
		KILN_INFO("http", "- - 503 24 0.000ms (%u connections)",
		          active_conns);
}

int http_serve(const struct http_config *cfg, uint16_t port)
{
	int err = 0;
	struct tcp_listener *l = tcp_listen(0, port, 128, &err);
	if (!l)
		return err ? err : -KILN_EINVAL;
	for (;;) {
		struct tcp_conn *t = tcp_accept(l, KILN_NEVER, &err);
		if (!t) {
			if (err == -KILN_ECLOSED)
				return err;
			KILN_WARN("http", "accept: %s", kiln_strerror(err));
			kiln_sleep(KILN_MSEC(10));
			continue;
		}
		if (active_conns >= cfg->max_conns) {
			refuse(t, cfg);
			continue;
		}
		struct conn *c = malloc(sizeof *c);
		if (!c) {
			tcp_abort(t);
			continue;
		}
		c->tcp = t;
		c->cfg = cfg;
		KILN_DEBUG("http", "connection %u accepted", active_conns + 1);
		tcp_set_nodelay(t, true);
		active_conns++;
		if (!kiln_fiber_spawn("http", serve_conn, c, CONN_STACK)) {
			active_conns--;
			free(c);
			tcp_abort(t);
		}
	}
}
