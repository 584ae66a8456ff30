/*
 * tests/http/unit_handlers.c - route handlers on the sans-I/O core: the
 * session and lib/http/exchange.c (the handler's request view, body
 * stream and responses) linked against an in-memory TCP connection in
 * place of lib/net, and a fiber that runs at once in place of lib/rt's
 * scheduler. Input arrives in pieces of a chosen size; the send ring
 * holds RING bytes, so a streamed response must wait for the client
 * (kiln_waitq_wait here empties the ring, as a reader would) instead of
 * piling up. Built and run by test-http-core.sh under ASan+UBSan.
 */
#include "../../lib/http/server.h"

#include <kiln/http.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void report(const char *name, bool ok, const char *fmt, ...)
{
	if (ok) {
		printf("PASS: http-handlers-core: %s\n", name);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL: http-handlers-core: %s: ", name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures++;
}

/* ------------------------------------------------ the fake platform */

#define RING 4096

struct tcp_conn {
	const uint8_t *in;
	size_t in_len, in_off, step;
	char *out; /* everything sent, in order */
	size_t out_len;
	size_t ring;     /* sent bytes the client has not read yet */
	size_t ring_max; /* the most the ring held */
	unsigned waits;  /* times a handler parked for send room */
	bool reset;      /* conn_handler_done(c, true) */
};

struct http_stats http_stats;
enum kiln_log_level kiln_log_level = KILN_LOG_ERROR;
static char last_error[256];
static unsigned handler_calls;

void kiln_log(enum kiln_log_level level, const char *subsystem, const char *fmt,
              ...)
{
	(void)level;
	(void)subsystem;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	va_end(ap);
}

const char *kiln_strerror(int err)
{
	static char b[32];
	snprintf(b, sizeof b, "error %d", err);
	return b;
}

kiln_time kiln_now(void)
{
	return 0;
}

kiln_time kiln_wall(void)
{
	return (kiln_time)1767225600 * 1000000000;
}

void http_log_response(const char *method, const char *path, unsigned status,
                       size_t body, kiln_time took)
{
	(void)method, (void)path, (void)status, (void)body, (void)took;
}

size_t tcp_peek(struct tcp_conn *t, const void **data)
{
	size_t n = t->in_len - t->in_off;
	if (n > t->step)
		n = t->step;
	*data = t->in + t->in_off;
	return n;
}

void tcp_consume(struct tcp_conn *t, size_t n)
{
	t->in_off += n;
}

long tcp_recv(struct tcp_conn *t, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return t->in_off < t->in_len ? -KILN_EAGAIN : 0; /* then the FIN */
}

static void out_append(struct tcp_conn *t, const void *p, size_t n)
{
	t->out = realloc(t->out, t->out_len + n + 1);
	memcpy(t->out + t->out_len, p, n);
	t->out_len += n;
	t->out[t->out_len] = '\0';
}

long tcp_send(struct tcp_conn *t, const void *buf, size_t len)
{
	size_t room = RING - t->ring;
	if (room == 0)
		return -KILN_EAGAIN;
	size_t n = len < room ? len : room;
	out_append(t, buf, n);
	t->ring += n;
	if (t->ring > t->ring_max)
		t->ring_max = t->ring;
	return (long)n;
}

/* Lent bytes (an asset's body) count as sent bytes here: what the
 * exchange hands to TCP is what is checked, however it is queued. */
long tcp_send_static(struct tcp_conn *t, const void *buf, size_t len)
{
	return tcp_send(t, buf, len);
}

void tcp_peer(const struct tcp_conn *t, net_ipv4 *addr, uint16_t *port)
{
	(void)t;
	*addr = 0xc6120001; /* 198.18.0.1 */
	*port = 40000;
}

/* The only waiter is a handler: for send room (the client reads what
 * the ring holds) or for input (there is none to come). */
static struct tcp_conn *current;
int kiln_waitq_wait(struct kiln_waitq *q, kiln_time deadline)
{
	(void)q;
	(void)deadline;
	if (current->ring > 0) {
		current->ring = 0;
		current->waits++;
		return 0;
	}
	return -KILN_ETIMEDOUT;
}

struct kiln_fiber *kiln_fiber_spawn(const char *name, void (*fn)(void *arg),
                                    void *arg, size_t stack_size)
{
	(void)name;
	(void)stack_size;
	fn(arg);
	return (struct kiln_fiber *)1;
}

void conn_handler_done(struct http_conn *c, bool failed)
{
	c->in_handler = false;
	if (failed)
		c->tcp->reset = true;
}

/* ----------------------------------------------------------- driver */

struct result {
	char *out;
	size_t len;
	bool closed, reset;
	unsigned waits;
	size_t ring_max;
	size_t left; /* input not taken */
};

static struct http_config cfg;

/* Feed in to a session as conn.c would, in pieces of step bytes. */
static struct result run_step(const void *in, size_t len, size_t step)
{
	struct tcp_conn t = {.in = in, .in_len = len, .step = step};
	struct http_server srv = {.cfg = &cfg};
	struct http_conn *c = calloc(1, sizeof *c);
	c->srv = &srv;
	c->tcp = &t;
	http_session_init(&c->s, &cfg, 0);
	current = &t;
	out_append(&t, "", 0);
	for (;;) {
		if (t.reset || c->s.state == HTTP_S_CLOSED)
			break;
		if (http_session_handler(&c->s)) {
			conn_handler_start(c);
			t.ring = 0; /* the client reads the response */
			continue;
		}
		const struct http_response *r = http_session_response(&c->s);
		if (r) {
			out_append(&t, r->head, r->head_len);
			if (r->body_len)
				out_append(&t, r->body, r->body_len);
			http_session_sent(&c->s, 0);
			continue;
		}
		const void *p;
		size_t n = tcp_peek(&t, &p);
		if (n == 0)
			break; /* closed stays false: the server kept it */
		size_t used = http_session_input(&c->s, p, n, 0, kiln_wall());
		tcp_consume(&t, used);
	}
	struct result res = {
	        t.out,   t.out_len,  c->s.state == HTTP_S_CLOSED, t.reset,
	        t.waits, t.ring_max, t.in_len - t.in_off};
	http_session_release(&c->s);
	free(c);
	return res;
}

static struct result run(const char *in)
{
	return run_step(in, strlen(in), 1u << 20);
}

static bool has(const struct result *r, const char *s)
{
	return strstr(r->out, s) != NULL;
}

static unsigned count(const struct result *r, const char *s)
{
	unsigned n = 0;
	for (const char *p = r->out; (p = strstr(p, s)) != NULL; p++)
		n++;
	return n;
}

/* The status of the i-th response in the output. */
static unsigned status_at(const struct result *r, unsigned i)
{
	const char *p = r->out;
	for (;; p++) {
		p = strstr(p, "HTTP/1.1 ");
		if (!p)
			return 0;
		if (!strncmp(p + 9, "100 ", 4))
			continue;
		if (i-- == 0)
			return (unsigned)atoi(p + 9);
	}
}

/* The body of the first final response, decoded (Content-Length or
 * chunked) with the client's parser; its length, or -1. */
static long body_of(const struct result *r, uint8_t *buf, size_t cap,
                    bool head_request)
{
	const char *p = r->out;
	while (!strncmp(p, "HTTP/1.1 100 ", 13))
		p = strstr(p, "\r\n\r\n") + 4;
	static struct http_response_parser rp;
	http_response_parser_init(&rp, buf, cap, head_request);
	size_t used;
	size_t len = r->len - (size_t)(p - r->out);
	int st = http_response_parser_feed(&rp, p, len, &used);
	if (st == HTTP_PARSE_MORE)
		st = http_response_parser_eof(&rp);
	return st == HTTP_PARSE_DONE ? (long)rp.body_len : -1;
}

/* --------------------------------------------------------- handlers */

static int h_hello(struct http_exchange *x, void *arg)
{
	handler_calls++;
	return http_reply(x, 200, "text/plain", arg, strlen(arg));
}

static int h_item(struct http_exchange *x, void *arg)
{
	char id[64], out[160], q[32], hdr[128];
	uint32_t a;
	uint16_t port;
	(void)arg;
	handler_calls++;
	if (!http_param(x, "id", id, sizeof id))
		return -KILN_EINVAL;
	if (!http_query(x, "q", q, sizeof q))
		strcpy(q, "-");
	if (!http_header(x, "x-list", hdr, sizeof hdr))
		strcpy(hdr, "-");
	http_client(x, &a, &port);
	int n = snprintf(out, sizeof out, "id=%s q=%s list=%s path=%s %x:%u",
	                 id, q, hdr, http_path(x), a, port);
	return http_reply(x, 200, "text/plain", out, (size_t)n);
}

/* Reads the body; answers its length and its bytes, 413 past the bound,
 * 400 for bad framing. */
static int h_echo(struct http_exchange *x, void *arg)
{
	static uint8_t body[1 << 16];
	size_t total = 0;
	(void)arg;
	handler_calls++;
	for (;;) {
		uint8_t buf[7]; /* small reads: many calls */
		long n = http_body_read(x, buf, sizeof buf);
		if (n == -KILN_EMSGSIZE)
			return http_reply_status(x, 413);
		if (n == -KILN_EINVAL)
			return http_reply_status(x, 400);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		if (total + (size_t)n <= sizeof body)
			memcpy(body + total, buf, (size_t)n);
		total += (size_t)n;
	}
	char head[64];
	snprintf(head, sizeof head, "X-Body-Length: %zu", total);
	http_add_header(x, head);
	return http_reply(x, 200, "application/octet-stream", body, total);
}

/* Answers without reading the body. */
static int h_noread(struct http_exchange *x, void *arg)
{
	(void)arg;
	handler_calls++;
	return http_reply(x, 200, "text/plain", "ok", 2);
}

/* n bytes streamed in pieces of 1000: sized with &sized=1. */
static int h_stream(struct http_exchange *x, void *arg)
{
	char v[32];
	uint8_t piece[1000];
	(void)arg;
	handler_calls++;
	size_t n = http_query(x, "n", v, sizeof v) ? strtoul(v, NULL, 10) : 0;
	bool sized = http_query(x, "sized", v, sizeof v);
	int e = http_stream_begin(x, 200, "text/plain",
	                          sized ? (int64_t)n : -1);
	for (size_t off = 0; !e && off < n;) {
		size_t k = n - off < sizeof piece ? n - off : sizeof piece;
		for (size_t i = 0; i < k; i++)
			piece[i] = (uint8_t)('a' + (off + i) % 26);
		e = http_stream_write(x, piece, k);
		off += k;
	}
	return e ? e : http_stream_end(x);
}

static int h_fail(struct http_exchange *x, void *arg)
{
	(void)x;
	(void)arg;
	handler_calls++;
	return -KILN_EIO;
}

static int h_silent(struct http_exchange *x, void *arg)
{
	(void)x;
	(void)arg;
	handler_calls++;
	return 0; /* answers nothing */
}

/* Fails halfway through a streamed body. */
static int h_cut(struct http_exchange *x, void *arg)
{
	(void)arg;
	handler_calls++;
	http_stream_begin(x, 200, "text/plain", -1);
	http_stream_write(x, "partial", 7);
	return -KILN_EIO;
}

/* ------------------------------------------------------------ tests */

static void test_match(void)
{
	struct http_match m;
	const struct http_route *routes = cfg.routes;
	struct {
		enum http_method method;
		const char *path;
		const char *want; /* the pattern, NULL for none */
		unsigned allow;
	} cases[] = {
	        {HTTP_GET, "/hello", "/hello", 0},
	        {HTTP_HEAD, "/hello", "/hello", 0},
	        {HTTP_GET, "/items/special", "/items/special", 0},
	        {HTTP_GET, "/items/42", "/items/{id}", 0},
	        {HTTP_POST, "/items/42", "/items/{id}", 0},
	        {HTTP_GET, "/items/", NULL, 0},
	        {HTTP_GET, "/items/42/x", NULL, 0},
	        {HTTP_GET, "/u/ann/posts/7", "/u/{user}/posts/{post}", 0},
	        {HTTP_GET, "/static/a.css", "/static/*", 0},
	        {HTTP_GET, "/static/deep/a.css", "/static/deep/*", 0},
	        {HTTP_GET, "/static/deeper", "/static/*", 0},
	        {HTTP_GET, "/static", NULL, 0},
	        {HTTP_DELETE, "/hello", NULL, 1u << HTTP_GET | 1u << HTTP_HEAD},
	        {HTTP_PUT, "/any", "/any", 0},
	        {HTTP_PATCH, "/any", "/any", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		http_route_match(routes, cases[i].method, cases[i].path,
		                 strlen(cases[i].path), &m);
		const char *got = m.route ? http_route_pattern(m.route) : NULL;
		char name[96];
		snprintf(name, sizeof name, "match %s %s", cases[i].path,
		         cases[i].want ? cases[i].want : "(none)");
		bool ok = (got == NULL) == (cases[i].want == NULL) &&
		          (!got || !strcmp(got, cases[i].want)) &&
		          (!cases[i].allow || m.allow == cases[i].allow);
		report(name, ok, "got %s allow %x", got ? got : "(none)",
		       m.allow);
	}
	http_route_match(routes, HTTP_GET, "/u/ann/posts/7", 14, &m);
	report("two {params} captured",
	       m.nparams == 2 && m.param[0].len == 3 &&
	               !memcmp(m.param[0].p, "ann", 3) && m.param[1].len == 1,
	       "nparams %u", m.nparams);
	char allow[64];
	http_allow_format(1u << HTTP_GET | 1u << HTTP_HEAD | 1u << HTTP_POST,
	                  allow, sizeof allow);
	report("Allow formatting", !strcmp(allow, "GET, HEAD, POST"), "%s",
	       allow);
	struct http_config bad;
	http_config_default(&bad, NULL);
	report("bad patterns refused",
	       http_route(&bad, HTTP_GET, "nope", h_hello, "") ==
	                       -KILN_EINVAL &&
	               http_route(&bad, HTTP_GET, "/a/*/b", h_hello, "") ==
	                       -KILN_EINVAL &&
	               http_route(&bad, HTTP_GET, "/a/{x", h_hello, "") ==
	                       -KILN_EINVAL &&
	               http_route(&bad, HTTP_GET, "/{}", h_hello, "") ==
	                       -KILN_EINVAL &&
	               http_route(&bad, HTTP_GET, "/a*", h_hello, "") ==
	                       -KILN_EINVAL &&
	               http_route(&bad, HTTP_GET, "/{a}/{b}/{c}/{d}/{e}",
	                          h_hello, "") == -KILN_EINVAL &&
	               bad.routes == NULL,
	       "accepted");
}

static void test_routes(void)
{
	struct result r = run("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	report("GET /hello from a handler",
	       status_at(&r, 0) == 200 && has(&r, "Content-Length: 6\r\n") &&
	               has(&r, "\r\n\r\nhello\n") && !r.closed,
	       "%.300s", r.out);
	free(r.out);
	r = run("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	report("HEAD of a GET route: the length, no body",
	       status_at(&r, 0) == 200 && has(&r, "Content-Length: 6\r\n") &&
	               !has(&r, "hello"),
	       "%.300s", r.out);
	free(r.out);
	r = run("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	report("405 with Allow from the routes",
	       status_at(&r, 0) == 405 && has(&r, "Allow: GET, HEAD\r\n") &&
	               !r.closed,
	       "%.300s", r.out);
	free(r.out);
	r = run("PUT /items/7 HTTP/1.1\r\nHost: x\r\n\r\n");
	report("405 Allow lists every route of the path",
	       status_at(&r, 0) == 405 && has(&r, "Allow: GET, HEAD, POST\r\n"),
	       "%.300s", r.out);
	free(r.out);
	r = run("GET /items/a%20b?q=x+y%21&z=1 HTTP/1.1\r\nHost: x\r\n"
	        "X-List: a\r\nX-List: b, c\r\n\r\n");
	report("{id} decoded, query, a field's lines combined, client",
	       has(&r, "id=a b q=x y! list=a, b, c path=/items/a b "
	               "c6120001:40000"),
	       "%.300s", r.out);
	free(r.out);
	r = run("GET /items/special HTTP/1.1\r\nHost: x\r\n\r\n");
	report("exact outranks {param}, whatever the order added",
	       has(&r, "\r\n\r\nspecial"), "%.300s", r.out);
	free(r.out);
	r = run("GET /static/deep/x HTTP/1.1\r\nHost: x\r\n\r\n"
	        "GET /static/x HTTP/1.1\r\nHost: x\r\n\r\n");
	report("the longer prefix first",
	       has(&r, "\r\n\r\ndeep") && has(&r, "\r\n\r\nshallow"), "%.400s",
	       r.out);
	free(r.out);
	r = run("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"
	        "POST /nothing HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
	        "\r\nabc"
	        "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	report("no route: 404 (any method), keep-alive, body dropped",
	       status_at(&r, 0) == 404 && status_at(&r, 1) == 404 &&
	               status_at(&r, 2) == 200 && !r.closed,
	       "%.500s", r.out);
	free(r.out);
	r = run("GET /items/..%2f..%2f HTTP/1.1\r\nHost: x\r\n\r\n");
	report("a path above the root: 400", status_at(&r, 0) == 400, "%.300s",
	       r.out);
	free(r.out);
	/* Pipelined: each answered in order, one after the other. */
	r = run_step("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
	             "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
	             "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	             "\r\n",
	             3 * 34 + 40, 5);
	report("pipelined handlers, in pieces of 5 bytes, close at the end",
	       status_at(&r, 0) == 200 && status_at(&r, 1) == 200 &&
	               status_at(&r, 2) == 200 && count(&r, "hello\n") == 2 &&
	               has(&r, "id=1 ") && r.closed,
	       "%.600s", r.out);
	free(r.out);
}

static void test_escaped_slash(void)
{
	struct result r = run("GET /items/a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n");
	report("%2F does not split a segment: one {id}, decoded",
	       has(&r, "id=a/b q=- list=- path=/items/a/b "), "%.300s", r.out);
	free(r.out);
	r = run("GET /items/a%2fb%2F HTTP/1.1\r\nHost: x\r\n\r\n");
	report("%2f (lower case) and a trailing %2F: still one {id}",
	       has(&r, "id=a/b/ "), "%.300s", r.out);
	free(r.out);
	r = run("GET /items/a%252Fb HTTP/1.1\r\nHost: x\r\n\r\n");
	report("%25 stays a '%': %252F is the three bytes %2F",
	       has(&r, "id=a%2Fb "), "%.300s", r.out);
	free(r.out);
	r = run("GET /u/a%2Fb/posts/c HTTP/1.1\r\nHost: x\r\n\r\n");
	report("%2F inside the first of two {params}",
	       status_at(&r, 0) == 200 && has(&r, "\r\n\r\nu"), "%.300s",
	       r.out);
	free(r.out);
	static const char *bad[] = {
	        "/items/..%2Fhello", /* decodes to /hello */
	        "/static/deep/..%2F..%2Fhello",
	        "/items/a%2F%2Fb", /* an empty segment, merged */
	        "/items/.%2Fa",    /* a "." segment */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char in[128], name[96];
		snprintf(in, sizeof in, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n",
		         bad[i]);
		r = run(in);
		snprintf(name, sizeof name,
		         "%s: escaped slashes that change the path: 400",
		         bad[i]);
		report(name, status_at(&r, 0) == 400 && r.closed, "%.300s",
		       r.out);
		free(r.out);
	}
	struct http_config c2;
	http_config_default(&c2, NULL);
	report("a pattern with '%' is refused",
	       http_route(&c2, HTTP_GET, "/a%2Fb", h_hello, "") ==
	                       -KILN_EINVAL &&
	               c2.routes == NULL,
	       "accepted");
	char out[64];
	static const char raw[] = "/a%2fb/%2E%2E/c%25d%41/e%2Ff";
	long n = http_path_match_form(kiln_view_make(raw, sizeof raw - 1), out,
	                              sizeof out);
	report("match form: %2F and %25 kept (upper case), the rest decoded",
	       n == 13 && !memcmp(out, "/c%25dA/e%2Ff", 13), "%ld %.*s", n,
	       (int)(n > 0 ? n : 0), out);
}

static void test_bodies(void)
{
	uint8_t body[1 << 16];
	static const size_t steps[] = {1, 3, 64, 1 << 20};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		char name[96];
		const char *sized = "POST /echo HTTP/1.1\r\nHost: x\r\n"
		                    "Content-Length: 11\r\n\r\nhello world"
		                    "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
		struct result r = run_step(sized, strlen(sized), steps[i]);
		long n = body_of(&r, body, sizeof body, false);
		snprintf(name, sizeof name,
		         "sized body read, then the next request (pieces "
		         "of %zu)",
		         steps[i]);
		report(name,
		       n == 11 && !memcmp(body, "hello world", 11) &&
		               status_at(&r, 1) == 200 && !r.closed,
		       "%.400s", r.out);
		free(r.out);
		const char *chunked =
		        "POST /echo HTTP/1.1\r\nHost: x\r\n"
		        "Transfer-Encoding: chunked\r\n\r\n"
		        "5;name=value;q=\"quoted\"\r\nhello\r\n"
		        "1 \t;ext\r\n \r\n"
		        "00000005\r\nworld\r\n"
		        "0;last\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n"
		        "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
		r = run_step(chunked, strlen(chunked), steps[i]);
		n = body_of(&r, body, sizeof body, false);
		snprintf(name, sizeof name,
		         "chunked with extensions and trailers (pieces of "
		         "%zu)",
		         steps[i]);
		report(name,
		       n == 11 && !memcmp(body, "hello world", 11) &&
		               status_at(&r, 1) == 200 && !r.closed,
		       "n=%ld %.500s", n, r.out);
		free(r.out);
	}
	static const struct {
		const char *name, *chunks;
	} bad[] = {
	        {"a size that is not hex", "zz\r\nhello\r\n0\r\n\r\n"},
	        {"no size digits", ";ext\r\n0\r\n\r\n"},
	        {"a size that overflows", "10000000000000000\r\nx\r\n"},
	        {"data longer than its size", "3\r\nhello\r\n0\r\n\r\n"},
	        {"a bare LF after the size", "5\nhello\r\n0\r\n\r\n"},
	        {"a bare LF in the trailer", "0\r\nX: y\n\r\n"},
	        {"cut short (the FIN)", "5\r\nhel"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char in[512], name[96];
		int k = snprintf(in, sizeof in,
		                 "POST /echo HTTP/1.1\r\nHost: x\r\n"
		                 "Transfer-Encoding: chunked\r\n\r\n%s",
		                 bad[i].chunks);
		struct result r = run_step(in, (size_t)k, 4);
		snprintf(name, sizeof name,
		         "chunked, %s: the handler sees EINVAL, closed",
		         bad[i].name);
		report(name, status_at(&r, 0) == 400 && r.closed, "%.300s",
		       r.out);
		free(r.out);
	}
	/* The bound (max_body 1000). */
	unsigned calls = handler_calls;
	struct result r = run("POST /echo HTTP/1.1\r\nHost: x\r\n"
	                      "Content-Length: 1001\r\n\r\n");
	report("Content-Length past max_body: 413, handler not called",
	       status_at(&r, 0) == 413 && r.closed && handler_calls == calls,
	       "%.300s", r.out);
	free(r.out);
	char big[4096];
	int k = snprintf(big, sizeof big,
	                 "POST /echo HTTP/1.1\r\nHost: x\r\n"
	                 "Transfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 6; i++)
		k += snprintf(big + k, sizeof big - (size_t)k,
		              "c8\r\n%0200d\r\n", i);
	k += snprintf(big + k, sizeof big - (size_t)k, "0\r\n\r\n");
	r = run_step(big, (size_t)k, 100);
	report("chunked past max_body (1200 > 1000): EMSGSIZE, 413, closed",
	       status_at(&r, 0) == 413 && r.closed, "%.300s", r.out);
	free(r.out);
	big[0] = '\0';
	k = snprintf(big, sizeof big,
	             "POST /echo HTTP/1.1\r\nHost: x\r\n"
	             "Content-Length: 1000\r\n\r\n%01000d",
	             7);
	r = run_step(big, (size_t)k, 333);
	report("a body of exactly max_body is read",
	       status_at(&r, 0) == 200 && has(&r, "X-Body-Length: 1000\r\n"),
	       "%.300s", r.out);
	free(r.out);
	/* 100-continue: sent when the handler first reads, not otherwise. */
	r = run("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
	        "Content-Length: 2\r\n\r\nhi");
	report("Expect: 100-continue: the interim 100, then the response",
	       !strncmp(r.out, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 ",
	                38) &&
	               count(&r, "100 Continue") == 1,
	       "%.300s", r.out);
	free(r.out);
	r = run("POST /noread HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
	        "Content-Length: 2\r\n\r\nhi"
	        "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	report("a handler that does not read: no 100, the body dropped, "
	       "keep-alive",
	       !has(&r, "100 Continue") && status_at(&r, 0) == 200 &&
	               status_at(&r, 1) == 200 && !r.closed,
	       "%.400s", r.out);
	free(r.out);
	r = run("POST /noread HTTP/1.1\r\nHost: x\r\n"
	        "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
	        "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	report("a chunked body left unread: Connection: close",
	       status_at(&r, 0) == 200 && has(&r, "Connection: close\r\n") &&
	               r.closed && count(&r, "HTTP/1.1 200") == 1,
	       "%.400s", r.out);
	free(r.out);
	r = run("POST /noread HTTP/1.1\r\nHost: x\r\n"
	        "Content-Length: 900\r\n\r\nabc");
	report("a sized body left unread beyond max_discard_body (500): "
	       "closed",
	       status_at(&r, 0) == 200 && r.closed, "%.300s", r.out);
	free(r.out);
}

static void test_streams(void)
{
	static uint8_t body[300000];
	struct result r = run("GET /stream?n=250000&sized=1 HTTP/1.1\r\n"
	                      "Host: x\r\n\r\n");
	long n = body_of(&r, body, sizeof body, false);
	bool pattern = n == 250000;
	for (long i = 0; pattern && i < n; i++)
		pattern = body[i] == 'a' + i % 26;
	report("streamed, known length: Content-Length, the bytes",
	       has(&r, "Content-Length: 250000\r\n") &&
	               !has(&r, "Transfer-Encoding") && pattern && !r.closed,
	       "n=%ld %.200s", n, r.out);
	report("streamed: the handler parked for the client (ring bound)",
	       r.waits + 1 >= 250000 / RING && r.ring_max <= RING,
	       "waits %u ring_max %zu", r.waits, r.ring_max);
	free(r.out);
	r = run("GET /stream?n=250000 HTTP/1.1\r\nHost: x\r\n\r\n"
	        "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	n = body_of(&r, body, sizeof body, false);
	pattern = n == 250000;
	for (long i = 0; pattern && i < n; i++)
		pattern = body[i] == 'a' + i % 26;
	report("streamed, length unknown: chunked, then keep-alive",
	       has(&r, "Transfer-Encoding: chunked\r\n") &&
	               !has(&r, "Content-Length: 250000") && pattern &&
	               has(&r, "\r\n0\r\n\r\nHTTP/1.1 200 ") &&
	               has(&r, "hello\n") && !r.closed,
	       "n=%ld", n);
	free(r.out);
	r = run("GET /stream?n=5000 HTTP/1.0\r\n\r\n");
	const char *b = strstr(r.out, "\r\n\r\n");
	report("streamed to HTTP/1.0, length unknown: raw bytes, then close",
	       !has(&r, "Transfer-Encoding") && !has(&r, "Content-Length") &&
	               b && r.len - (size_t)(b + 4 - r.out) == 5000 && r.closed,
	       "%.300s", r.out);
	free(r.out);
	r = run("HEAD /stream?n=5000 HTTP/1.1\r\nHost: x\r\n\r\n"
	        "HEAD /stream?n=5000&sized=1 HTTP/1.1\r\nHost: x\r\n\r\n");
	report("HEAD of a stream: heads only",
	       count(&r, "HTTP/1.1 200") == 2 &&
	               has(&r, "Content-Length: 5000\r\n") &&
	               !has(&r, "abcdef") && !r.closed,
	       "%.500s", r.out);
	free(r.out);
	r = run("GET /stream?n=0 HTTP/1.1\r\nHost: x\r\n\r\n");
	report("an empty chunked stream: the last chunk only",
	       has(&r, "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), "%.300s",
	       r.out);
	free(r.out);
}

static void test_errors(void)
{
	last_error[0] = '\0';
	struct result r = run("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n"
	                      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	report("a handler error: 500, logged, closed",
	       status_at(&r, 0) == 500 && count(&r, "HTTP/1.1 ") == 1 &&
	               r.closed && !r.reset &&
	               strstr(last_error, "handler for /fail failed"),
	       "%.300s / log: %s", r.out, last_error);
	free(r.out);
	last_error[0] = '\0';
	r = run("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n");
	report("a handler that answers nothing: 500, logged",
	       status_at(&r, 0) == 500 && strstr(last_error, "no response"),
	       "%.300s / log: %s", r.out, last_error);
	free(r.out);
	r = run("GET /cut HTTP/1.1\r\nHost: x\r\n\r\n");
	report("an error mid-stream: no last chunk, the connection reset",
	       status_at(&r, 0) == 200 && has(&r, "partial") &&
	               !has(&r, "\r\n0\r\n\r\n") && r.reset,
	       "%.300s", r.out);
	free(r.out);
}

int main(void)
{
	http_config_default(&cfg, NULL);
	cfg.max_body = 1000;
	cfg.max_discard_body = 500;
	/* Added in an order that the precedence must override. */
	http_route(&cfg, HTTP_GET, "/static/*", h_hello, "shallow");
	http_route(&cfg, HTTP_GET, "/static/deep/*", h_hello, "deep");
	http_route(&cfg, HTTP_GET, "/items/{id}", h_item, NULL);
	http_route(&cfg, HTTP_POST, "/items/{id}", h_item, NULL);
	http_route(&cfg, HTTP_GET, "/items/special", h_hello, "special");
	http_route(&cfg, HTTP_GET, "/u/{user}/posts/{post}", h_hello, "u");
	http_route(&cfg, HTTP_GET, "/hello", h_hello, "hello\n");
	http_route(&cfg, HTTP_UNKNOWN, "/any", h_hello, "any");
	http_route(&cfg, HTTP_POST, "/echo", h_echo, NULL);
	http_route(&cfg, HTTP_POST, "/noread", h_noread, NULL);
	http_route(&cfg, HTTP_GET, "/stream", h_stream, NULL);
	http_route(&cfg, HTTP_GET, "/fail", h_fail, NULL);
	http_route(&cfg, HTTP_GET, "/silent", h_silent, NULL);
	http_route(&cfg, HTTP_GET, "/cut", h_cut, NULL);
	test_match();
	test_routes();
	test_escaped_slash();
	test_bodies();
	test_streams();
	test_errors();
	printf("%d failures\n", failures);
	return failures ? 1 : 0;
}
