/*
 * lib/http/exchange.c - a route's handler on a fiber of its own: the
 * request view, the body as a stream, and responses written as the
 * client takes them (see "routes" in include/kiln/http.h).
 *
 * The fiber blocks on the connection's wait queue, which the
 * connection's TCP events wake (conn.c). Bytes move through io_read and
 * io_write only, the seam a TLS stream would take over.
 */
#include "log.h"
#include "server.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct http_exchange {
	struct http_conn *c;
	const struct http_reply *rp;
	const struct http_config *cfg;
	/* The body. */
	uint64_t remaining; /* Content-Length bytes not read */
	struct http_chunked dec;
	bool chunked, body_done, expect_continue;
	/* The response. */
	char extra[512];
	size_t extra_len;
	bool started, stream_open, stream_chunked, close, io_failed;
	unsigned status;
	uint64_t bytes;
};

/* ------------------------------------------------------------- seam */

/* Bytes that came, without taking them (0 at the end of input). */
static long io_read(struct http_exchange *x, const void **p)
{
	for (;;) {
		size_t n = io_peek(x->c, p);
		if (n > 0)
			return (long)n;
		uint8_t b;
		long e = io_recv(x->c, &b, 1);
		if (e != -KILN_EAGAIN)
			return e; /* 0: the peer's FIN */
		if (kiln_waitq_wait(&x->c->wq,
		                    kiln_now() + x->cfg->header_timeout) ==
		    -KILN_ETIMEDOUT)
			return -KILN_ETIMEDOUT;
	}
}

/* Queue all of p, parking while TCP's send ring is full; lent (p outlives
 * the connection: io_send_static) or copied. */
static int io_write_as(struct http_exchange *x, const void *p, size_t n,
                       bool lent)
{
	const uint8_t *b = p;
	if (x->io_failed)
		return -KILN_EPIPE;
	while (n > 0) {
		long w =
		        lent ? io_send_static(x->c, b, n) : io_send(x->c, b, n);
		if (w > 0) {
			http_stats.bytes_out += (size_t)w;
			b += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -KILN_EAGAIN &&
		    kiln_waitq_wait(&x->c->wq,
		                    kiln_now() + x->cfg->send_timeout) == 0)
			continue;
		x->io_failed = true;
		return w == -KILN_EAGAIN ? -KILN_ETIMEDOUT : (int)w;
	}
	return 0;
}

static int io_write(struct http_exchange *x, const void *p, size_t n)
{
	return io_write_as(x, p, n, false);
}

/* ---------------------------------------------------------- request */

enum http_method http_method(const struct http_exchange *x)
{
	return x->rp->req.method;
}

struct kiln_view http_target(const struct http_exchange *x)
{
	return x->rp->req.target;
}

const char *http_path(const struct http_exchange *x)
{
	return x->rp->path;
}

bool http_param(const struct http_exchange *x, const char *name, char *out,
                size_t cap)
{
	const struct http_match *m = &x->rp->match;
	for (unsigned i = 0; i < m->nparams; i++)
		if (strlen(name) == m->param_name_len[i] &&
		    !memcmp(name, m->param_name[i], m->param_name_len[i])) {
			/* Decoded: "%2F" and "%25" were kept for matching. */
			if (m->param[i].len + 1 > cap)
				return false;
			size_t n =
			        http_path_unescape((const char *)m->param[i].p,
			                           m->param[i].len, out);
			out[n] = '\0';
			return true;
		}
	return false;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool http_query(const struct http_exchange *x, const char *name, char *out,
                size_t cap)
{
	struct kiln_view t = x->rp->req.target;
	const uint8_t *q = memchr(t.p, '?', t.len);
	if (!q)
		return false;
	const uint8_t *p = q + 1, *end = t.p + t.len;
	size_t nlen = strlen(name);
	while (p < end) {
		const uint8_t *amp = memchr(p, '&', (size_t)(end - p));
		const uint8_t *pe = amp ? amp : end;
		const uint8_t *eq = memchr(p, '=', (size_t)(pe - p));
		const uint8_t *ke = eq ? eq : pe;
		if ((size_t)(ke - p) == nlen && !memcmp(p, name, nlen)) {
			size_t o = 0;
			for (const uint8_t *v = eq ? eq + 1 : pe; v < pe; v++) {
				int c = *v;
				if (c == '+') {
					c = ' ';
				} else if (c == '%') {
					if (pe - v < 3 || hexval(v[1]) < 0 ||
					    hexval(v[2]) < 0)
						return false;
					c = hexval(v[1]) << 4 | hexval(v[2]);
					v += 2;
				}
				if (o + 1 >= cap)
					return false;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return true;
		}
		p = pe + 1;
	}
	return false;
}

bool http_header(const struct http_exchange *x, const char *name, char *out,
                 size_t cap)
{
	struct http_field_iter it;
	struct kiln_view n, v;
	size_t o = 0;
	bool found = false;
	http_fields_begin(&it, &x->rp->req, name);
	while (http_fields_next(&it, &n, &v)) {
		size_t sep = found ? 2 : 0;
		if (o + sep + v.len + 1 > cap)
			return false;
		if (found)
			memcpy(out + o, ", ", 2);
		o += sep;
		memcpy(out + o, v.p, v.len);
		o += v.len;
		found = true;
	}
	if (found)
		out[o] = '\0';
	return found;
}

void http_client(const struct http_exchange *x, uint32_t *addr, uint16_t *port)
{
	tcp_peer(x->c->tcp, addr, port);
}

int64_t http_body_length(const struct http_exchange *x)
{
	if (x->chunked)
		return -1;
	return x->rp->req.has_content_length
	               ? (int64_t)x->rp->req.content_length
	               : 0;
}

long http_body_read(struct http_exchange *x, void *buf, size_t cap)
{
	if (x->body_done || cap == 0)
		return 0;
	if (x->expect_continue) {
		x->expect_continue = false;
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		int e = io_write(x, cont, sizeof cont - 1);
		if (e)
			return e;
	}
	for (;;) {
		const void *p;
		long n = io_read(x, &p);
		if (n == 0)
			return -KILN_EINVAL; /* the body was cut short */
		if (n < 0)
			return n;
		if (!x->chunked) {
			size_t k = (size_t)n < cap ? (size_t)n : cap;
			if (k > x->remaining)
				k = (size_t)x->remaining;
			memcpy(buf, p, k);
			io_consume(x->c, k);
			http_stats.bytes_in += k;
			x->remaining -= k;
			x->body_done = x->remaining == 0;
			return (long)k;
		}
		size_t used, got;
		int st = http_chunked_feed(&x->dec, p, (size_t)n, &used, buf,
		                           cap, &got);
		io_consume(x->c, used);
		http_stats.bytes_in += used;
		if (st < 0)
			return st;
		if (x->dec.total > x->cfg->max_body)
			return -KILN_EMSGSIZE;
		if (st == HTTP_CHUNKED_DONE)
			x->body_done = true;
		if (got > 0 || x->body_done)
			return (long)got;
	}
}

/* -------------------------------------------------------- responses */

int http_add_header(struct http_exchange *x, const char *field)
{
	size_t n = strlen(field);
	if (x->started || x->extra_len + n + 3 > sizeof x->extra ||
	    memchr(field, '\r', n) || memchr(field, '\n', n))
		return -KILN_EINVAL;
	memcpy(x->extra + x->extra_len, field, n);
	memcpy(x->extra + x->extra_len + n, "\r\n", 2);
	x->extra_len += n + 2;
	return 0;
}

static bool head_only(const struct http_exchange *x)
{
	return x->rp->req.method == HTTP_HEAD;
}

/* The status line and fields; length < 0 means chunked. */
static int send_head(struct http_exchange *x, unsigned status,
                     const char *ctype, int64_t length)
{
	const struct http_request *r = &x->rp->req;
	char h[HTTP_RESPONSE_HEAD_MAX + 512], date[30];
	bool ka10 = r->version == 10 && r->conn_keep_alive && !r->conn_close;
	if (r->version == 11 ? r->conn_close : !ka10)
		x->close = true;
	/* A body left unread that cannot be skipped ends the connection. */
	if (x->chunked && !x->body_done)
		x->close = true;
	if (length < 0 && r->version == 10)
		x->close = true;
	http_date_format(kiln_wall() / 1000000000, date);
	int n = snprintf(h, sizeof h,
	                 "HTTP/1.1 %u %s\r\nServer: kiln\r\nDate: %s\r\n%.*s",
	                 status, http_reason(status), date, (int)x->extra_len,
	                 x->extra);
	if (ctype)
		n += snprintf(h + n, sizeof h - (size_t)n,
		              "Content-Type: %s\r\n", ctype);
	if (length >= 0)
		n += snprintf(h + n, sizeof h - (size_t)n,
		              "Content-Length: %lld\r\n", (long long)length);
	else if (r->version == 11)
		n += snprintf(h + n, sizeof h - (size_t)n,
		              "Transfer-Encoding: chunked\r\n");
	n += snprintf(h + n, sizeof h - (size_t)n, "%s\r\n",
	              x->close ? "Connection: close\r\n"
	              : ka10   ? "Connection: keep-alive\r\n"
	                       : "");
	x->started = true;
	x->status = status;
	x->stream_chunked = length < 0 && r->version == 11 && !head_only(x);
	return io_write(x, h, (size_t)n);
}

int http_reply(struct http_exchange *x, unsigned status,
               const char *content_type, const void *body, size_t len)
{
	if (x->started)
		return -KILN_EINVAL;
	int e = send_head(x, status, content_type, (int64_t)len);
	if (e || head_only(x))
		return e;
	x->bytes += len;
	return io_write(x, body, len);
}

int http_reply_status(struct http_exchange *x, unsigned status)
{
	char text[64];
	snprintf(text, sizeof text, "%u %s\n", status, http_reason(status));
	return http_reply(x, status, "text/plain; charset=utf-8", text,
	                  strlen(text));
}

int http_reply_asset(struct http_exchange *x,
                     const struct kiln_asset_table *table)
{
	if (x->started || !table)
		return -KILN_EINVAL;
	static struct http_response resp; /* not on the fiber's stack */
	http_respond_asset(x->cfg, table, &x->rp->req, kiln_wall(), &resp);
	x->started = true;
	x->status = resp.status;
	x->close = resp.close || (x->chunked && !x->body_done);
	struct http_response copy = resp; /* io_write may park: others run */
	int e = io_write(x, copy.head, copy.head_len);
	if (!e && copy.body_len) {
		x->bytes += copy.body_len;
		e = io_write_as(x, copy.body, copy.body_len, copy.body_static);
	}
	return e;
}

int http_stream_begin(struct http_exchange *x, unsigned status,
                      const char *content_type, int64_t length)
{
	if (x->started)
		return -KILN_EINVAL;
	x->stream_open = true;
	return send_head(x, status, content_type, length);
}

int http_stream_write(struct http_exchange *x, const void *data, size_t len)
{
	if (!x->stream_open)
		return -KILN_EINVAL;
	if (len == 0 || head_only(x))
		return 0;
	x->bytes += len;
	if (!x->stream_chunked)
		return io_write(x, data, len);
	char size[24];
	int n = snprintf(size, sizeof size, "%zx\r\n", len);
	int e = io_write(x, size, (size_t)n);
	if (!e)
		e = io_write(x, data, len);
	if (!e)
		e = io_write(x, "\r\n", 2);
	return e;
}

int http_stream_end(struct http_exchange *x)
{
	if (!x->stream_open)
		return -KILN_EINVAL;
	x->stream_open = false;
	if (x->stream_chunked)
		return io_write(x, "0\r\n\r\n", 5);
	return 0;
}

/* ------------------------------------------------------------ fiber */

static void run(void *arg)
{
	struct http_conn *c = arg;
	const struct http_reply *rp = http_session_handler(&c->s);
	struct http_exchange x;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.rp = rp;
	x.cfg = c->srv->cfg;
	x.chunked = rp->req.chunked;
	x.remaining = rp->req.has_content_length ? rp->req.content_length : 0;
	x.body_done = !x.chunked && x.remaining == 0;
	http_chunked_init(&x.dec);
	if (rp->req.version == 11 && !x.body_done) {
		char v[32];
		x.expect_continue = http_header(&x, "expect", v, sizeof v) &&
		                    !strcasecmp(v, "100-continue");
	}
	kiln_time start = kiln_now();
	const struct kiln_asset_table *assets =
	        http_route_asset_table(rp->match.route);
	int rc = assets ? http_reply_asset(&x, assets)
	                : http_route_call(rp->match.route, &x);
	if (rc < 0 || !x.started)
		KILN_ERROR("http", "%s %s: handler for %s failed (%s)",
		           rp->log_method, rp->log_path,
		           http_route_pattern(rp->match.route),
		           rc < 0 ? kiln_strerror(rc) : "no response");
	if (!x.started && !x.io_failed) {
		x.close = true;
		http_reply_status(&x, 500);
	} else if (rc < 0 && x.stream_open) {
		x.io_failed = true; /* cut short: the client must see it */
	} else if (x.stream_open) {
		http_stream_end(&x);
	}
	if (x.cfg->access_log && kiln_log_enabled(KILN_LOG_INFO))
		http_log_response(rp->log_method, rp->log_path, x.status,
		                  (size_t)x.bytes, kiln_now() - start);
	http_count_response(x.status);
	uint64_t unread =
	        x.chunked ? (x.body_done ? 0 : UINT64_MAX) : x.remaining;
	http_session_handled(&c->s, unread, x.close, kiln_now());
	conn_handler_done(c, x.io_failed);
}

bool conn_handler_start(struct http_conn *c)
{
	c->in_handler = true;
	/* The handler's stack: the default, as any fiber's. */
	if (kiln_fiber_spawn("http", run, c, 0))
		return true;
	c->in_handler = false;
	return false;
}
