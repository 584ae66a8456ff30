/*
 * lib/http/session.c - one connection's protocol state, without I/O.
 *
 * The glue feeds received bytes in; the session collects a request head,
 * answers it, and then (if the request had a body) drops the body before
 * the next head. One response is outstanding at a time, which keeps
 * pipelined responses in request order without queueing them.
 *
 * Memory: the head's buffer grows with the bytes that came and the reply
 * exists from the response's making to its sending; between requests the
 * session holds neither. When the heap cannot give them, the request is
 * answered from a shared, read-only 503 that closes the connection.
 */
#include <kiln/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The answer when no reply can be allocated (no Date: it is formatted
 * into a reply). Never written to. */
#define NO_MEMORY_HEAD                                                         \
	"HTTP/1.1 503 Service Unavailable\r\nServer: kiln\r\n"                 \
	"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\n"    \
	"Retry-After: 1\r\nConnection: close\r\n\r\n"
static struct http_reply no_memory_reply = {
        .resp = {.status = 503,
                 .head = NO_MEMORY_HEAD,
                 .head_len = sizeof NO_MEMORY_HEAD - 1,
                 .body = (const uint8_t *)"503 Service Unavailable\n",
                 .body_len = 24,
                 .body_static = true,
                 .close = true},
};

/* A reply to fill in; the shared 503 (already filled) if memory is
 * short. */
static bool take_reply(struct http_session *s)
{
	s->reply = malloc(sizeof *s->reply);
	if (s->reply) {
		s->reply->path = NULL;
		s->reply->match_path = NULL;
		s->reply->match.route = NULL;
		s->reply->log_method[0] = '\0';
		s->reply->log_path[0] = '\0';
		return true;
	}
	s->reply = &no_memory_reply;
	return false;
}

static void drop_reply(struct http_session *s)
{
	if (s->reply != &no_memory_reply && s->reply) {
		free(s->reply->path);
		free(s->reply->match_path);
		free(s->reply);
	}
	s->reply = NULL;
}

void http_config_default(struct http_config *cfg,
                         const struct kiln_asset_table *assets)
{
	cfg->routes = NULL;
	cfg->max_body = 1024 * 1024;
	/* nginx's large_client_header_buffers (4 8k): a request line of
	 * 8 KiB, fields of 32 KiB in all; it has no bound on the number of
	 * lines, Apache's is 100. */
	cfg->max_request_line = 8192;
	cfg->max_header_bytes = 32768;
	cfg->max_headers = 256;
	cfg->max_discard_body = 64 * 1024;
	/* nginx's client_header_timeout, keepalive_timeout, send_timeout,
	 * lingering_timeout and lingering_time. */
	cfg->header_timeout = KILN_SEC(60);
	cfg->idle_timeout = KILN_SEC(75);
	cfg->send_timeout = KILN_SEC(60);
	cfg->linger_timeout = KILN_SEC(5);
	cfg->linger_time = KILN_SEC(30);
	cfg->max_conns = 0; /* from the heap, when the server starts */
	cfg->access_log = true;
	cfg->https_port = 443;
	/* Static serving is a route like any other (the one of last
	 * resort: every other pattern outranks a bare prefix). */
	if (assets)
		http_route_assets(cfg, "/*", assets);
}

void http_session_init(struct http_session *s, const struct http_config *cfg,
                       kiln_time now)
{
	s->cfg = cfg;
	s->state = HTTP_S_HEAD;
	http_head_init(&s->head);
	s->reply = NULL;
	s->discard = 0;
	s->pending_drop = 0;
	s->request_started = false;
	s->line_checked = false;
	s->request_start = now;
	s->last_activity = now;
	s->requests = 0;
	s->resp_started = now;
}

void http_session_release(struct http_session *s)
{
	drop_reply(s);
	http_head_release(&s->head);
}

/* Remember the request line for the access log (cut to fit). */
static void note_request(struct http_reply *x, const struct http_request *r)
{
	size_t n = r->method_name.len < sizeof x->log_method - 1
	                   ? r->method_name.len
	                   : sizeof x->log_method - 1;
	if (n > 0)
		memcpy(x->log_method, r->method_name.p, n);
	x->log_method[n] = '\0';
	n = r->target.len < sizeof x->log_path - 1 ? r->target.len
	                                           : sizeof x->log_path - 1;
	if (n > 0)
		memcpy(x->log_path, r->target.p, n);
	x->log_path[n] = '\0';
}

/* A request some route may answer. Returns true when it was decided
 * here: a handler is to run (HTTP_S_HANDLER), or a response is ready (an
 * asset route's, a 405, a 413); false when no route's pattern matches
 * (http_respond answers: 404, or 400 for a bad path). */
static bool route_request(struct http_session *s, const struct http_request *r,
                          kiln_time wall)
{
	struct http_reply *x = s->reply;
	struct http_response *out = &x->resp;
	bool ka10 = r->version == 10 && r->conn_keep_alive && !r->conn_close;
	out->close = r->version == 11 ? r->conn_close : !ka10;
	x->path = malloc(r->path.len + 1);
	x->match_path = malloc(r->path.len + 1);
	if (!x->path || !x->match_path) {
		out->close = true;
		http_respond_error(503, wall, r->method == HTTP_HEAD, false,
		                   "Retry-After: 1\r\n", out);
		return true;
	}
	long n = http_path_normalize(r->path, x->path, r->path.len + 1);
	if (n < 0)
		return false; /* http_respond says 400 */
	x->path[n] = '\0';
	/* Matched with escaped slashes kept; that form, decoded, must be
	 * the path itself (else its escapes hid a dot segment, or an empty
	 * one, from the routes). */
	long m = http_path_match_form(r->path, x->match_path, r->path.len + 1);
	if (m < 0)
		return false; /* http_respond says 400 */
	x->match_path[m] = '\0';
	char *check = malloc((size_t)m + 1);
	bool same = check &&
	            http_path_unescape(x->match_path, (size_t)m, check) ==
	                    (size_t)n &&
	            !memcmp(check, x->path, (size_t)n);
	free(check);
	if (!same) {
		out->close = true;
		http_respond_error(400, wall, r->method == HTTP_HEAD, false,
		                   NULL, out);
		return true;
	}
	http_route_match(s->cfg->routes, r->method, x->match_path, (size_t)m,
	                 &x->match);
	if (!x->match.allow)
		return false;
	/* A body the handler does not read is dropped, up to a bound. */
	bool too_big = r->has_content_length &&
	               r->content_length > s->cfg->max_discard_body;
	const struct kiln_asset_table *assets =
	        x->match.route ? http_route_asset_table(x->match.route) : NULL;
	if (assets) {
		/* Answered at once, without a fiber: nothing here blocks. A
		 * chunked body is not read: 501, as from any asset. */
		if (r->has_transfer_encoding)
			return false;
		http_respond_asset(s->cfg, assets, r, wall, out);
		if (r->has_content_length && !out->close)
			s->pending_drop = r->content_length;
		return true;
	}
	if (!x->match.route) {
		char allow[96], extra[112];
		http_allow_format(x->match.allow, allow, sizeof allow);
		snprintf(extra, sizeof extra, "Allow: %s\r\n", allow);
		if (too_big) {
			out->close = true;
			http_respond_error(413, wall, r->method == HTTP_HEAD,
			                   false, NULL, out);
			return true;
		}
		/* A body it came with is not read: close. */
		if (r->has_transfer_encoding)
			out->close = true;
		http_respond_error(405, wall, r->method == HTTP_HEAD, ka10,
		                   extra, out);
		if (r->has_content_length && !out->close)
			s->pending_drop = r->content_length;
		return true;
	}
	if (r->has_content_length && r->content_length > s->cfg->max_body) {
		out->close = true;
		http_respond_error(413, wall, r->method == HTTP_HEAD, false,
		                   NULL, out);
		return true;
	}
	s->state = HTTP_S_HANDLER;
	return true;
}

static void head_complete(struct http_session *s, kiln_time wall)
{
	s->state = HTTP_S_RESPOND;
	s->pending_drop = 0;
	if (!take_reply(s))
		return;
	struct http_request *req = &s->reply->req;
	int st = http_request_parse(s->head.buf, s->head.len, req);
	if (st == 0 || req->method_name.p != NULL)
		note_request(s->reply, req);
	/* Routes take chunked bodies, which the assets refuse (501). */
	bool routable = st == 0 || (st == 501 && req->chunked &&
	                            req->method != HTTP_UNKNOWN);
	if (routable && route_request(s, req, wall))
		return;
	http_respond(s->cfg, st == 0 ? req : NULL, st, wall, &s->reply->resp);
	/* A body (Content-Length) follows the head: drop it after the
	 * response, unless the connection closes anyway. */
	if (st == 0 && req->has_content_length && !s->reply->resp.close)
		s->pending_drop = req->content_length;
}

static void fail(struct http_session *s, int status, kiln_time wall)
{
	s->state = HTTP_S_RESPOND;
	s->pending_drop = 0;
	if (take_reply(s))
		http_respond(s->cfg, NULL, status, wall, &s->reply->resp);
}

size_t http_session_input(struct http_session *s, const void *data, size_t len,
                          kiln_time now, kiln_time wall)
{
	const uint8_t *p = data;
	size_t used = 0;
	struct http_head_limits lim = {s->cfg->max_request_line,
	                               s->cfg->max_header_bytes,
	                               s->cfg->max_headers};
	while (used < len) {
		if (s->state == HTTP_S_BODY) {
			size_t n = len - used;
			if (n > s->discard)
				n = (size_t)s->discard;
			s->discard -= n;
			used += n;
			s->last_activity = now;
			if (s->discard == 0)
				s->state = HTTP_S_HEAD;
			continue;
		}
		if (s->state != HTTP_S_HEAD)
			break;
		if (!s->request_started) {
			s->request_started = true;
			s->line_checked = false;
			s->request_start = now;
		}
		size_t n = 0;
		int r = http_head_scan(&s->head, &lim, p + used, len - used,
		                       &n);
		used += n;
		if (r == HTTP_HEAD_MORE && !s->line_checked &&
		    s->head.lines > 0) {
			/* The request line is complete: one that cannot
			 * start a request (HTTP/0.9's "GET /", say) is
			 * answered now, not after a header timeout. */
			s->line_checked = true;
			r = http_request_line_check(s->head.buf,
			                            s->head.fields_start - 2);
			if (r == 0)
				r = HTTP_HEAD_MORE;
		}
		if (r == HTTP_HEAD_MORE)
			break;
		s->resp_started = now;
		if (r == HTTP_HEAD_DONE)
			head_complete(s, wall);
		else
			fail(s, r, wall);
	}
	return used;
}

const struct http_response *http_session_response(const struct http_session *s)
{
	return s->state == HTTP_S_RESPOND ? &s->reply->resp : NULL;
}

const char *http_session_log_method(const struct http_session *s)
{
	return s->reply ? s->reply->log_method : "";
}

const char *http_session_log_path(const struct http_session *s)
{
	return s->reply ? s->reply->log_path : "";
}

const struct http_reply *http_session_handler(const struct http_session *s)
{
	return s->state == HTTP_S_HANDLER ? s->reply : NULL;
}

void http_session_handled(struct http_session *s, uint64_t unread, bool close,
                          kiln_time now)
{
	if (s->state != HTTP_S_HANDLER)
		return;
	drop_reply(s);
	s->requests++;
	s->last_activity = now;
	s->request_started = false;
	http_head_release(&s->head);
	if (close || unread > s->cfg->max_discard_body) {
		s->state = HTTP_S_CLOSED;
		return;
	}
	s->discard = unread;
	s->state = unread > 0 ? HTTP_S_BODY : HTTP_S_HEAD;
}

void http_session_sent(struct http_session *s, kiln_time now)
{
	if (s->state != HTTP_S_RESPOND)
		return;
	bool close = s->reply->resp.close;
	drop_reply(s);
	s->requests++;
	s->last_activity = now;
	s->request_started = false;
	http_head_release(&s->head);
	if (close) {
		s->state = HTTP_S_CLOSED;
		return;
	}
	s->discard = s->pending_drop;
	s->pending_drop = 0;
	s->state = s->discard > 0 ? HTTP_S_BODY : HTTP_S_HEAD;
}

kiln_time http_session_deadline(const struct http_session *s)
{
	switch (s->state) {
	case HTTP_S_HEAD:
		if (s->request_started)
			return s->request_start + s->cfg->header_timeout;
		/* A new connection must send its first request as promptly
		 * as a request's head; later ones may idle longer. */
		return s->last_activity + (s->requests == 0
		                                   ? s->cfg->header_timeout
		                                   : s->cfg->idle_timeout);
	case HTTP_S_BODY:
		return s->last_activity + s->cfg->header_timeout;
	default:
		return KILN_NEVER;
	}
}

bool http_session_timeout(struct http_session *s, kiln_time wall)
{
	if (s->state == HTTP_S_HEAD &&
	    (s->request_started || s->requests == 0)) {
		fail(s, 408, wall);
		return true;
	}
	if (s->state == HTTP_S_RESPOND)
		return true;
	s->state = HTTP_S_CLOSED;
	return false;
}

bool http_session_eof(struct http_session *s, kiln_time wall)
{
	if (s->state == HTTP_S_HEAD && s->request_started) {
		fail(s, 400, wall);
		return true;
	}
	if (s->state == HTTP_S_RESPOND)
		return true;
	s->state = HTTP_S_CLOSED;
	return false;
}
