/*
 * lib/http/request.c - parse a complete request head (RFC 9112 3, 5).
 *
 * The head has already been collected by the scanner (head.c), which
 * guarantees CRLF line endings, no NUL, and the size limits. This pass
 * checks the syntax of the request line and of every field line, and
 * picks out the fields the server acts on. Anything doubtful is refused
 * with 400 rather than guessed at: a server and a proxy in front of it
 * must never disagree about where a request ends.
 */
#include <kiln/http.h>
#include <string.h>

#include "token.h"

static const struct {
	const char *name;
	enum http_method method;
} methods[] = {
        {"GET", HTTP_GET},         {"HEAD", HTTP_HEAD},
        {"POST", HTTP_POST},       {"PUT", HTTP_PUT},
        {"DELETE", HTTP_DELETE},   {"CONNECT", HTTP_CONNECT},
        {"OPTIONS", HTTP_OPTIONS}, {"TRACE", HTTP_TRACE},
        {"PATCH", HTTP_PATCH},
};

/* Methods are case-sensitive (RFC 9110 9.1). */
static enum http_method lookup_method(struct kiln_view v)
{
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		size_t n = strlen(methods[i].name);
		if (v.len == n && memcmp(v.p, methods[i].name, n) == 0)
			return methods[i].method;
	}
	return HTTP_UNKNOWN;
}

/* The next run of bytes up to a single space (which is skipped). */
static bool take_word(struct kiln_view *line, struct kiln_view *word)
{
	size_t i = 0;
	while (i < line->len && line->p[i] != ' ')
		i++;
	if (i == 0 || i == line->len)
		return false;
	kiln_view_take(line, i, word);
	kiln_view_skip(line, 1);
	return true;
}

/* Cut the path out of the request target. */
static int target_path(struct http_request *req)
{
	struct kiln_view t = req->target;
	for (size_t i = 0; i < t.len; i++)
		if (t.p[i] <= 0x20 || t.p[i] >= 0x7f)
			return 400; /* not a VCHAR */
	if (t.len >= 7 && http_view_ieq(kiln_view_make(t.p, 7), "http://")) {
		/* absolute-form: skip the scheme and authority. */
		kiln_view_skip(&t, 7);
		size_t i = 0;
		while (i < t.len && t.p[i] != '/' && t.p[i] != '?')
			i++;
		if (i == 0)
			return 400;
		kiln_view_skip(&t, i);
		if (t.len == 0 || t.p[0] != '/') {
			static const uint8_t slash = '/';
			t = kiln_view_make(&slash, 1);
		}
	} else if (t.p[0] != '/') {
		/* asterisk-form and authority-form belong to OPTIONS and
		 * CONNECT, which are refused with 405 anyway. */
		if (req->method == HTTP_OPTIONS ||
		    req->method == HTTP_CONNECT) {
			req->path = t;
			return 0;
		}
		return 400;
	}
	size_t n = 0;
	while (n < t.len && t.p[n] != '?' && t.p[n] != '#')
		n++;
	req->path = kiln_view_make(t.p, n);
	return 0;
}

/* HTTP-version = "HTTP/" DIGIT "." DIGIT */
static int parse_version(struct kiln_view v, unsigned *version)
{
	if (v.len != 8 || memcmp(v.p, "HTTP/", 5) != 0 || v.p[6] != '.' ||
	    v.p[5] < '0' || v.p[5] > '9' || v.p[7] < '0' || v.p[7] > '9')
		return 400;
	if (v.p[5] != '1')
		return 505;
	/* A later 1.x is answered as 1.1 (RFC 9110 2.5). */
	*version = v.p[7] == '0' ? 10 : 11;
	return 0;
}

static int parse_request_line(struct kiln_view line, struct http_request *req)
{
	if (!take_word(&line, &req->method_name) ||
	    !take_word(&line, &req->target))
		return 400;
	for (size_t i = 0; i < req->method_name.len; i++)
		if (!http_is_tchar(req->method_name.p[i]))
			return 400;
	req->method = lookup_method(req->method_name);
	int st = parse_version(line, &req->version);
	if (st)
		return st;
	return target_path(req);
}

/* Content-Length = 1*DIGIT; a list of equal values is accepted as one
 * (RFC 9110 8.6), different ones are an error. */
static int parse_content_length(struct kiln_view value,
                                struct http_request *req)
{
	struct kiln_view elem;
	bool any = false;
	while (http_list_next(&value, &elem)) {
		uint64_t n;
		if (!http_parse_decimal(elem, &n))
			return 400;
		if (req->has_content_length && n != req->content_length)
			return 400;
		req->has_content_length = true;
		req->content_length = n;
		any = true;
	}
	return any ? 0 : 400;
}

static void parse_connection(struct kiln_view value, struct http_request *req)
{
	struct kiln_view tok;
	while (http_list_next(&value, &tok)) {
		if (http_view_ieq(tok, "close"))
			req->conn_close = true;
		else if (http_view_ieq(tok, "keep-alive"))
			req->conn_keep_alive = true;
	}
}

static void keep_first(struct kiln_view *slot, struct kiln_view value)
{
	if (slot->p == NULL)
		*slot = value;
}

static int parse_field(struct kiln_view line, struct http_request *req)
{
	/* obs-fold: a line starting with white space continues the previous
	 * one; RFC 9112 5.2 lets a server reject it. */
	if (line.p[0] == ' ' || line.p[0] == '\t')
		return 400;
	size_t colon = 0;
	while (colon < line.len && line.p[colon] != ':') {
		if (!http_is_tchar(line.p[colon]))
			return 400; /* includes white space before the colon */
		colon++;
	}
	if (colon == 0 || colon == line.len)
		return 400;
	struct kiln_view name, value;
	kiln_view_take(&line, colon, &name);
	kiln_view_skip(&line, 1);
	value = http_trim(line);
	for (size_t i = 0; i < value.len; i++) {
		uint8_t c = value.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 400;
	}

	switch (http_lower(name.p[0])) {
	case 'h':
		if (http_view_ieq(name, "host")) {
			if (req->has_host)
				return 400;
			req->has_host = true;
			req->host = value;
		}
		break;
	case 'c':
		if (http_view_ieq(name, "content-length"))
			return parse_content_length(value, req);
		if (http_view_ieq(name, "connection"))
			parse_connection(value, req);
		break;
	case 't':
		if (http_view_ieq(name, "transfer-encoding"))
			req->has_transfer_encoding = true;
		break;
	case 'i':
		if (http_view_ieq(name, "if-none-match"))
			keep_first(&req->if_none_match, value);
		else if (http_view_ieq(name, "if-modified-since"))
			keep_first(&req->if_modified_since, value);
		else if (http_view_ieq(name, "if-range"))
			keep_first(&req->if_range, value);
		break;
	case 'r':
		if (http_view_ieq(name, "range"))
			keep_first(&req->range, value);
		break;
	case 'a':
		if (http_view_ieq(name, "accept-encoding"))
			keep_first(&req->accept_encoding, value);
		break;
	}
	return 0;
}

int http_request_parse(const uint8_t *head, size_t len,
                       struct http_request *req)
{
	memset(req, 0, sizeof *req);
	struct kiln_view v = kiln_view_make(head, len);
	struct kiln_view line;
	if (!http_next_line(&v, &line))
		return 400;
	int st = parse_request_line(line, req);
	if (st)
		return st;
	for (;;) {
		if (!http_next_line(&v, &line))
			return 400; /* no empty line at the end */
		if (line.len == 0)
			break;
		req->header_count++;
		st = parse_field(line, req);
		if (st)
			return st;
	}
	if (v.len != 0)
		return 400;
	/* Both framings at once is how smuggling works (RFC 9112 6.3). */
	if (req->has_transfer_encoding && req->has_content_length)
		return 400;
	if (req->version == 11 && !req->has_host)
		return 400;
	if (req->method == HTTP_UNKNOWN)
		return 501;
	if (req->has_transfer_encoding)
		return 501; /* request bodies in a transfer coding: not done */
	return 0;
}
