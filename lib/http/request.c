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

/*
 * absolute-form (RFC 9112 3.2.2): "http://" or "https://" (the scheme in
 * any case), an authority, then the path and query. The authority must
 * not be empty nor carry userinfo (RFC 9110 4.2.4). On success *t is left
 * at the path (possibly empty) and *authority names the authority.
 */
static bool absolute_form(struct kiln_view *t, struct kiln_view *authority)
{
	size_t skip;
	if (t->len >= 7 && http_view_ieq(kiln_view_make(t->p, 7), "http://"))
		skip = 7;
	else if (t->len >= 8 &&
	         http_view_ieq(kiln_view_make(t->p, 8), "https://"))
		skip = 8;
	else
		return false;
	kiln_view_skip(t, skip);
	size_t i = 0;
	while (i < t->len && t->p[i] != '/' && t->p[i] != '?') {
		if (t->p[i] == '@' || t->p[i] == '#')
			return false;
		i++;
	}
	if (i == 0)
		return false;
	kiln_view_take(t, i, authority);
	return true;
}

/* Cut the path out of the request target. */
static int target_path(struct http_request *req)
{
	struct kiln_view t = req->target;
	for (size_t i = 0; i < t.len; i++)
		if (t.p[i] <= 0x20 || t.p[i] >= 0x7f)
			return 400; /* not a VCHAR */
	if (t.p[0] != '/') {
		if (absolute_form(&t, &req->authority)) {
			req->absolute_form = true;
			if (t.len == 0 || t.p[0] != '/') {
				/* "http://host" or "http://host?q": the
				 * path is "/" (RFC 9110 4.2.3). */
				static const uint8_t slash = '/';
				req->path = kiln_view_make(&slash, 1);
				return 0;
			}
		} else if (req->method == HTTP_OPTIONS ||
		           req->method == HTTP_CONNECT) {
			/* asterisk-form and authority-form belong to
			 * OPTIONS and CONNECT, which are refused with 405
			 * anyway. */
			req->path = t;
			return 0;
		} else {
			return 400;
		}
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

/* A field that may appear once: the first value is kept, and a second
 * line is remembered in req->repeated (the caller decides what that
 * means). */
static void keep_first(struct http_request *req, struct kiln_view *slot,
                       unsigned bit, struct kiln_view value)
{
	if (slot->p == NULL)
		*slot = value;
	else
		req->repeated |= bit;
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
		if (http_view_ieq(name, "transfer-encoding")) {
			/* Only a lone "chunked" is a body a handler can
			 * read; a second line or other codings are not. */
			req->chunked = !req->has_transfer_encoding &&
			               http_view_ieq(value, "chunked");
			req->has_transfer_encoding = true;
		}
		break;
	case 'i':
		/* If-None-Match and Accept-Encoding are lists: their lines
		 * combine (RFC 9110 5.3) and are read with http_fields_*;
		 * the view is the first line's value. */
		if (http_view_ieq(name, "if-none-match"))
			keep_first(req, &req->if_none_match, 0, value);
		else if (http_view_ieq(name, "if-modified-since"))
			keep_first(req, &req->if_modified_since,
			           HTTP_REPEATED_IF_MODIFIED_SINCE, value);
		else if (http_view_ieq(name, "if-range"))
			keep_first(req, &req->if_range, HTTP_REPEATED_IF_RANGE,
			           value);
		break;
	case 'r':
		if (http_view_ieq(name, "range"))
			keep_first(req, &req->range, HTTP_REPEATED_RANGE,
			           value);
		break;
	case 'a':
		if (http_view_ieq(name, "accept-encoding"))
			keep_first(req, &req->accept_encoding, 0, value);
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
	req->fields = v;
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
	/* An absolute-form target names the host itself (RFC 9112 3.2.2:
	 * Host is then ignored), so it stands in for a missing Host, as
	 * nginx and Apache have it. */
	if (req->version == 11 && !req->has_host && !req->absolute_form)
		return 400;
	if (req->method == HTTP_UNKNOWN)
		return 501;
	if (req->has_transfer_encoding)
		return 501; /* the session lets handlers take chunked ones */
	return 0;
}

int http_request_line_check(const uint8_t *line, size_t len)
{
	struct http_request req;
	memset(&req, 0, sizeof req);
	return parse_request_line(kiln_view_make(line, len), &req);
}

/* ------------------------------------------------- field iteration */

void http_fields_begin(struct http_field_iter *it,
                       const struct http_request *req, const char *name)
{
	it->rest = req->fields;
	it->name = name;
	it->list = kiln_view_make(NULL, 0);
}

bool http_fields_next(struct http_field_iter *it, struct kiln_view *name,
                      struct kiln_view *value)
{
	struct kiln_view line;
	/* The lines were checked by http_request_parse: each has a colon
	 * after a non-empty token, and the head ends in an empty line. */
	while (http_next_line(&it->rest, &line) && line.len > 0) {
		size_t colon = 0;
		while (colon < line.len && line.p[colon] != ':')
			colon++;
		struct kiln_view n = kiln_view_make(line.p, colon);
		if (colon == line.len ||
		    (it->name && !http_view_ieq(n, it->name)))
			continue;
		if (name)
			*name = n;
		*value = http_trim(kiln_view_make(line.p + colon + 1,
		                                  line.len - colon - 1));
		return true;
	}
	it->rest = kiln_view_make(NULL, 0);
	return false;
}

bool http_fields_next_element(struct http_field_iter *it,
                              struct kiln_view *elem)
{
	for (;;) {
		if (http_list_next(&it->list, elem))
			return true;
		if (!http_fields_next(it, NULL, &it->list))
			return false;
	}
}
