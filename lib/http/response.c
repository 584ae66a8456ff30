/*
 * lib/http/response.c - choose and describe the response to a request.
 *
 * Order of decisions (RFC 9110 13.2.2): the method, the resource, the
 * variant (Accept-Encoding), the preconditions (If-None-Match, else
 * If-Modified-Since), then Range. The body is never copied: it points
 * into the asset table.
 */
#include <kiln/http.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "token.h"

/* Status, reason phrase, and the short body of error responses. */
static const struct {
	unsigned status;
	const char *reason;
	const char *body;
} statuses[] = {
        {200, "OK", ""},
        {206, "Partial Content", ""},
        {301, "Moved Permanently", "301 Moved Permanently\n"},
        {304, "Not Modified", ""},
        {400, "Bad Request", "400 Bad Request\n"},
        {404, "Not Found", "404 Not Found\n"},
        {405, "Method Not Allowed", "405 Method Not Allowed\n"},
        {408, "Request Timeout", "408 Request Timeout\n"},
        {413, "Content Too Large", "413 Content Too Large\n"},
        {414, "URI Too Long", "414 URI Too Long\n"},
        {416, "Range Not Satisfiable", ""},
        {431, "Request Header Fields Too Large",
         "431 Request Header Fields Too Large\n"},
        {500, "Internal Server Error", "500 Internal Server Error\n"},
        {501, "Not Implemented", "501 Not Implemented\n"},
        {503, "Service Unavailable", "503 Service Unavailable\n"},
        {505, "HTTP Version Not Supported", "505 HTTP Version Not Supported\n"},
};

static unsigned status_index(unsigned status)
{
	for (unsigned i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (statuses[i].status == status)
			return i;
	return 12; /* 500 */
}

const char *http_reason(unsigned status)
{
	for (unsigned i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (statuses[i].status == status)
			return statuses[i].reason;
	return "";
}

/* Append to the response head; a head that would not fit is a bug in
 * the limits (every variable part is bounded), so it is cut short and
 * marked to close rather than overflowing. */
static void add(struct http_response *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void add(struct http_response *r, const char *fmt, ...)
{
	size_t room = sizeof r->head - r->head_len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->head + r->head_len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		r->close = true;
		return;
	}
	r->head_len += (size_t)n;
}

static void start(struct http_response *r, unsigned status, kiln_time wall)
{
	char date[30];
	http_date_format(wall / 1000000000, date);
	r->status = status;
	r->head_len = 0;
	r->body = NULL;
	r->body_len = 0;
	r->body_static = false;
	add(r, "HTTP/1.1 %u %s\r\nDate: %s\r\nServer: kiln\r\n", status,
	    http_reason(status), date);
}

static void finish(struct http_response *r, bool keep_alive_10)
{
	if (r->close)
		add(r, "Connection: close\r\n");
	else if (keep_alive_10)
		add(r, "Connection: keep-alive\r\n");
	add(r, "\r\n");
}

/* A short text/plain body naming the status. */
static void error_response(struct http_response *r, unsigned status,
                           kiln_time wall, bool head_only, bool keep_alive_10,
                           const char *extra)
{
	const char *text = statuses[status_index(status)].body;
	size_t n = strlen(text);
	start(r, status, wall);
	if (extra)
		add(r, "%s", extra);
	add(r,
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n",
	    n);
	finish(r, keep_alive_10);
	if (!head_only) {
		r->body = (const uint8_t *)text;
		r->body_len = n;
		r->body_static = true;
	}
}

void http_respond_error(unsigned status, kiln_time wall, bool head_only,
                        bool keep_alive_10, const char *extra,
                        struct http_response *out)
{
	out->body = NULL;
	out->body_len = 0;
	error_response(out, status, wall, head_only, keep_alive_10, extra);
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in
 * thousandths. A malformed one counts as 0: identity is always safe. */
static int parse_qvalue(struct kiln_view v)
{
	if (v.len == 0 || v.len > 5 || (v.p[0] != '0' && v.p[0] != '1'))
		return 0;
	int q = (v.p[0] - '0') * 1000;
	if (v.len == 1)
		return q;
	if (v.p[1] != '.')
		return 0;
	int scale = 100;
	for (size_t i = 2; i < v.len; i++, scale /= 10) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return 0;
		q += (v.p[i] - '0') * scale;
	}
	return q > 1000 ? 0 : q;
}

/* Does Accept-Encoding (all its lines) allow gzip? gzip (or x-gzip) with
 * its q, else '*' with its q; q=0 refuses (RFC 9110 12.5.3). */
static bool accepts_gzip(const struct http_request *req)
{
	int gzip_q = -1, star_q = -1; /* -1: not mentioned */
	struct kiln_view elem;
	struct http_field_iter it;
	http_fields_begin(&it, req, "accept-encoding");
	while (http_fields_next_element(&it, &elem)) {
		size_t i = 0;
		while (i < elem.len && elem.p[i] != ';')
			i++;
		struct kiln_view coding = http_trim(kiln_view_make(elem.p, i));
		int q = 1000;
		/* Parameters: look for q=VALUE (qvalue = 0[.ddd] / 1[.000]). */
		struct kiln_view params =
		        kiln_view_make(elem.p + i, elem.len - i);
		while (params.len > 0) {
			kiln_view_skip(&params, 1); /* the ';' */
			size_t j = 0;
			while (j < params.len && params.p[j] != ';')
				j++;
			struct kiln_view prm =
			        http_trim(kiln_view_make(params.p, j));
			kiln_view_skip(&params, j);
			if (prm.len >= 2 && http_lower(prm.p[0]) == 'q' &&
			    prm.p[1] == '=')
				q = parse_qvalue(
				        kiln_view_make(prm.p + 2, prm.len - 2));
		}
		if (http_view_ieq(coding, "gzip") ||
		    http_view_ieq(coding, "x-gzip"))
			gzip_q = q;
		else if (http_view_ieq(coding, "*"))
			star_q = q;
	}
	if (gzip_q >= 0)
		return gzip_q > 0;
	return star_q > 0;
}

/* Strip the weak prefix of an entity tag. */
static struct kiln_view opaque_tag(struct kiln_view t)
{
	if (t.len >= 2 && t.p[0] == 'W' && t.p[1] == '/')
		kiln_view_skip(&t, 2);
	return t;
}

/* If-None-Match (all its lines) uses the weak comparison (RFC 9110
 * 13.1.2). */
static bool none_match_hits(const struct http_request *req, const char *etag)
{
	struct kiln_view tag;
	size_t n = strlen(etag);
	struct http_field_iter it;
	http_fields_begin(&it, req, "if-none-match");
	while (http_fields_next_element(&it, &tag)) {
		if (tag.len == 1 && tag.p[0] == '*')
			return true;
		tag = opaque_tag(tag);
		if (tag.len == n && memcmp(tag.p, etag, n) == 0)
			return true;
	}
	return false;
}

enum range_result { RANGE_NONE, RANGE_ONE, RANGE_UNSATISFIABLE };

/* A single byte range, or RANGE_NONE when the field is to be ignored
 * (malformed, another unit, or several ranges: served whole). */
static enum range_result parse_range(struct kiln_view v, uint64_t size,
                                     uint64_t *first, uint64_t *last)
{
	if (v.len < 6 || !http_view_ieq(kiln_view_make(v.p, 6), "bytes="))
		return RANGE_NONE;
	kiln_view_skip(&v, 6);
	v = http_trim(v);
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] == ',')
			return RANGE_NONE;
	size_t dash = 0;
	while (dash < v.len && v.p[dash] != '-')
		dash++;
	if (dash == v.len)
		return RANGE_NONE;
	struct kiln_view a = kiln_view_make(v.p, dash);
	struct kiln_view b = kiln_view_make(v.p + dash + 1, v.len - dash - 1);
	uint64_t x, y;
	if (a.len == 0) {
		/* -n: the last n bytes */
		if (!http_parse_decimal(b, &y))
			return RANGE_NONE;
		if (y == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*first = y >= size ? 0 : size - y;
		*last = size - 1;
		return RANGE_ONE;
	}
	if (!http_parse_decimal(a, &x))
		return RANGE_NONE;
	if (b.len == 0) {
		y = UINT64_MAX; /* a-: to the end */
	} else {
		if (!http_parse_decimal(b, &y) || y < x)
			return RANGE_NONE;
	}
	if (x >= size)
		return RANGE_UNSATISFIABLE;
	*first = x;
	*last = y >= size ? size - 1 : y;
	return RANGE_ONE;
}

/* If-Range: the range applies only if the representation is unchanged:
 * a strong ETag equal to ours, or exactly our Last-Modified date. */
static bool if_range_holds(struct kiln_view v, const char *etag,
                           int64_t build_time)
{
	if (v.p == NULL)
		return true;
	if (v.len > 0 && (v.p[0] == '"' || v.p[0] == 'W')) {
		size_t n = strlen(etag);
		return v.len == n && memcmp(v.p, etag, n) == 0;
	}
	int64_t t;
	return http_date_parse(v, &t) && t == build_time;
}

/* Write path (a normalized one) into out as a URI path: bytes other
 * than unreserved, sub-delims, ':', '@' and '/' become %XX (RFC 3986
 * 3.3). Returns false if it does not fit. */
static bool encode_path(const char *path, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char safe[] = "-._~!$&'()*+,;=:@/";
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)path[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		             (c >= '0' && c <= '9') ||
		             (c != 0 && strchr(safe, c) != NULL);
		if (n + (plain ? 1 : 3) >= cap)
			return false;
		if (plain) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return true;
}

/* How the connection goes on after a response to req: out->close, and
 * whether an HTTP/1.0 client asked to keep it (ka10). */
static bool persistence(const struct http_request *req,
                        struct http_response *out)
{
	out->close = false;
	if (req->version == 11) {
		out->close = req->conn_close;
		return false;
	}
	if (req->conn_keep_alive && !req->conn_close)
		return true;
	out->close = true;
	return false;
}

void http_respond(const struct http_config *cfg, const struct http_request *req,
                  int parse_status, kiln_time wall, struct http_response *out)
{
	out->close = false;
	if (parse_status != 0 || req == NULL) {
		out->close = true;
		error_response(out, parse_status ? (unsigned)parse_status : 500,
		               wall, false, false, NULL);
		return;
	}
	bool head_only = req->method == HTTP_HEAD;
	bool ka10 = persistence(req, out);
	if (req->has_content_length &&
	    req->content_length > cfg->max_discard_body) {
		out->close = true;
		error_response(out, 413, wall, head_only, false, NULL);
		return;
	}
	/* Scratch for the decoded path: static, as below. */
	static char path[HTTP_HEAD_MAX];
	if (http_path_normalize(req->path, path, sizeof path) < 0) {
		out->close = true;
		error_response(out, 400, wall, head_only, false, NULL);
		return;
	}
	error_response(out, 404, wall, head_only, ka10, NULL);
}

void http_respond_asset(const struct http_config *cfg,
                        const struct kiln_asset_table *assets,
                        const struct http_request *req, kiln_time wall,
                        struct http_response *out)
{
	bool head_only = req->method == HTTP_HEAD;
	bool ka10 = persistence(req, out);

	if (req->has_content_length &&
	    req->content_length > cfg->max_discard_body) {
		out->close = true;
		error_response(out, 413, wall, head_only, false, NULL);
		return;
	}
	if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
		error_response(out, 405, wall, false, ka10,
		               "Allow: GET, HEAD\r\n");
		return;
	}
	/* Scratch for the decoded path. Static, not on the (small) fiber
	 * stack: http_respond never blocks, so no other caller can run
	 * while it is in use. */
	static char path[HTTP_HEAD_MAX];
	long plen = http_path_normalize(req->path, path, sizeof path);
	if (plen < 0) {
		out->close = true;
		error_response(out, 400, wall, head_only, false, NULL);
		return;
	}
	const struct kiln_asset *a =
	        kiln_asset_find(assets, path, (size_t)plen);
	if (a == NULL) {
		/* A folder named without its slash: send the client there, so
		 * that relative links in its index.html resolve. The Location
		 * is the normalized path (one leading slash: never a
		 * "//host" that would send the client elsewhere). */
		char loc[600], enc[560];
		if (plen > 0 && path[plen - 1] != '/' &&
		    (size_t)plen + 1 < sizeof path) {
			path[plen] = '/';
			if (kiln_asset_find(assets, path, (size_t)plen + 1) &&
			    encode_path(path, (size_t)plen + 1, enc,
			                sizeof enc)) {
				snprintf(loc, sizeof loc, "Location: %s\r\n",
				         enc);
				error_response(out, 301, wall, head_only, ka10,
				               loc);
				return;
			}
		}
		error_response(out, 404, wall, head_only, ka10, NULL);
		return;
	}

	/* The variant: ranges are served from the identity bytes. */
	uint64_t first = 0, last = 0;
	enum range_result range = RANGE_NONE;
	if (req->method == HTTP_GET && req->range.p != NULL &&
	    !(req->repeated & (HTTP_REPEATED_RANGE | HTTP_REPEATED_IF_RANGE)) &&
	    if_range_holds(req->if_range, a->etag, assets->build_time))
		range = parse_range(req->range, a->size, &first, &last);
	bool gz = a->gzip != NULL && range == RANGE_NONE &&
	          req->accept_encoding.p != NULL && accepts_gzip(req);
	const char *etag = gz ? a->etag_gzip : a->etag;
	const uint8_t *body = gz ? a->gzip : a->data;
	size_t size = gz ? a->gzip_size : a->size;
	char modified[30];
	http_date_format(assets->build_time, modified);

	/* Preconditions: If-None-Match wins over If-Modified-Since. */
	bool not_modified = false;
	if (req->if_none_match.p != NULL) {
		not_modified = none_match_hits(req, etag);
	} else if (req->if_modified_since.p != NULL &&
	           !(req->repeated & HTTP_REPEATED_IF_MODIFIED_SINCE)) {
		int64_t since;
		if (http_date_parse(req->if_modified_since, &since))
			not_modified = assets->build_time <= since;
	}
	if (not_modified)
		range = RANGE_NONE;

	unsigned status = not_modified                   ? 304
	                  : range == RANGE_ONE           ? 206
	                  : range == RANGE_UNSATISFIABLE ? 416
	                                                 : 200;
	start(out, status, wall);
	if (status == 416) {
		add(out,
		    "Content-Range: bytes */%zu\r\nContent-Type: text/plain; "
		    "charset=utf-8\r\n",
		    a->size);
		if (a->gzip)
			add(out, "Vary: Accept-Encoding\r\n");
		add(out, "Content-Length: 0\r\n");
		finish(out, ka10);
		return;
	}
	add(out, "ETag: %s\r\nLast-Modified: %s\r\n", etag, modified);
	if (a->gzip)
		add(out, "Vary: Accept-Encoding\r\n");
	if (status == 304) {
		finish(out, ka10);
		return;
	}
	add(out, "Content-Type: %s\r\nAccept-Ranges: bytes\r\n",
	    a->content_type);
	if (gz)
		add(out, "Content-Encoding: gzip\r\n");
	if (status == 206) {
		add(out, "Content-Range: bytes %llu-%llu/%zu\r\n",
		    (unsigned long long)first, (unsigned long long)last, size);
		body += first;
		size = (size_t)(last - first + 1);
	}
	add(out, "Content-Length: %zu\r\n", size);
	finish(out, ka10);
	if (!head_only) {
		out->body = body;
		out->body_len = size;
		out->body_static = true;
	}
}
