/*
 * lib/http/response_parser.c - parse an HTTP/1.1 response as it arrives
 * (RFC 9112 4, 6, 7.1), for the client.
 *
 * The head goes through the same scanner as requests do; the body is
 * framed as RFC 9112 6.3 says: no body after HEAD, 1xx, 204 and 304;
 * chunked when Transfer-Encoding ends in chunked; else Content-Length;
 * else everything until the connection closes. Chunked bodies are
 * decoded byte by byte, so any split of the input parses the same.
 */
#include <kiln/http.h>
#include <string.h>

#include "token.h"

enum {
	P_HEAD,
	P_LENGTH,      /* Content-Length bytes to go */
	P_UNTIL_CLOSE, /* everything until the end of the connection */
	P_CHUNK_SIZE,  /* chunk-size [ chunk-ext ] CRLF */
	P_CHUNK_DATA,
	P_CHUNK_END, /* the CRLF after a chunk's data */
	P_TRAILER,   /* trailer fields, then an empty line */
	P_DONE,
	P_ERROR
};

/* Bounds on the parts of a chunked body that are not data. */
#define MAX_CHUNK_LINE 1024
#define MAX_TRAILER 8192

static const struct http_head_limits response_limits = {
        1024, HTTP_CLIENT_HEAD_MAX - 1100, 128};

void http_response_parser_init(struct http_response_parser *p, uint8_t *body,
                               size_t body_cap, bool head_request)
{
	memset(p, 0, sizeof *p);
	http_head_init_fixed(&p->head, p->head_buf, sizeof p->head_buf);
	p->state = P_HEAD;
	p->head_request = head_request;
	p->body = body;
	p->body_cap = body_cap;
}

static struct kiln_view head_view(const struct http_response_parser *p)
{
	return kiln_view_make(p->head.buf, p->head.len);
}

bool http_response_header(const struct http_response_parser *p,
                          const char *name, struct kiln_view *value)
{
	if (p->state == P_HEAD || p->head.len == 0)
		return false;
	struct kiln_view v = head_view(p), line;
	http_next_line(&v, &line); /* the status line */
	while (http_next_line(&v, &line) && line.len > 0) {
		size_t colon = 0;
		while (colon < line.len && line.p[colon] != ':')
			colon++;
		if (http_view_ieq(kiln_view_make(line.p, colon), name)) {
			*value = http_trim(kiln_view_make(
			        line.p + colon + 1, line.len - colon - 1));
			return true;
		}
	}
	return false;
}

/* "HTTP/1.1 200 OK": version, status code, optional reason. */
static bool parse_status_line(struct http_response_parser *p,
                              struct kiln_view line)
{
	if (line.len < 12 || memcmp(line.p, "HTTP/1.", 7) != 0 ||
	    line.p[7] < '0' || line.p[7] > '9' || line.p[8] != ' ')
		return false;
	p->version = line.p[7] == '0' ? 10 : 11;
	unsigned st = 0;
	for (int i = 9; i < 12; i++) {
		if (line.p[i] < '0' || line.p[i] > '9')
			return false;
		st = st * 10 + (unsigned)(line.p[i] - '0');
	}
	if (st < 100 || (line.len > 12 && line.p[12] != ' '))
		return false;
	for (size_t i = 13; i < line.len; i++)
		if (line.p[i] < 0x20 && line.p[i] != '\t')
			return false;
	p->status = st;
	return true;
}

/* Check every field line's syntax; pick out the framing. */
static bool parse_head(struct http_response_parser *p)
{
	struct kiln_view v = head_view(p), line;
	if (!http_next_line(&v, &line) || !parse_status_line(p, line))
		return false;
	bool te = false, te_chunked = false;
	while (http_next_line(&v, &line) && line.len > 0) {
		if (line.p[0] == ' ' || line.p[0] == '\t')
			return false; /* obs-fold */
		size_t colon = 0;
		while (colon < line.len && line.p[colon] != ':') {
			if (!http_is_tchar(line.p[colon]))
				return false;
			colon++;
		}
		if (colon == 0 || colon == line.len)
			return false;
		struct kiln_view name = kiln_view_make(line.p, colon);
		struct kiln_view value = http_trim(kiln_view_make(
		        line.p + colon + 1, line.len - colon - 1));
		if (http_view_ieq(name, "transfer-encoding")) {
			/* chunked must be the last coding (RFC 9112 6.1). */
			struct kiln_view coding;
			te = true;
			while (http_list_next(&value, &coding))
				te_chunked = http_view_ieq(coding, "chunked");
		} else if (http_view_ieq(name, "content-length")) {
			struct kiln_view elem;
			while (http_list_next(&value, &elem)) {
				uint64_t n;
				if (!http_parse_decimal(elem, &n) ||
				    (p->has_length && n != p->remaining))
					return false;
				p->has_length = true;
				p->remaining = n;
			}
		}
	}
	if (p->head_request || p->status < 200 || p->status == 204 ||
	    p->status == 304) {
		p->state = P_DONE;
		p->has_length = false;
		return true;
	}
	if (te) {
		p->has_length = false;
		p->chunked = te_chunked;
		p->until_close = !te_chunked;
		p->state = te_chunked ? P_CHUNK_SIZE : P_UNTIL_CLOSE;
	} else if (p->has_length) {
		p->state = p->remaining ? P_LENGTH : P_DONE;
	} else {
		p->until_close = true;
		p->state = P_UNTIL_CLOSE;
	}
	return true;
}

static int append(struct http_response_parser *p, const uint8_t *data, size_t n)
{
	if (n > p->body_cap - p->body_len)
		return -KILN_EMSGSIZE;
	if (n > 0)
		memcpy(p->body + p->body_len, data, n);
	p->body_len += n;
	return 0;
}

static int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = http_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void new_line(struct http_response_parser *p)
{
	p->line_bytes = 0;
	p->line_digits = false;
	p->line_ext = false;
	p->line_cr = false;
}

/* One byte of a chunk-size line, chunk end or trailer. */
static bool chunk_byte(struct http_response_parser *p, uint8_t c)
{
	if (p->line_cr) {
		if (c != '\n')
			return false;
		switch (p->state) {
		case P_CHUNK_SIZE:
			if (!p->line_digits)
				return false;
			p->state = p->chunk_size ? P_CHUNK_DATA : P_TRAILER;
			p->remaining = MAX_TRAILER;
			break;
		case P_CHUNK_END:
			p->chunk_size = 0;
			p->state = P_CHUNK_SIZE;
			break;
		case P_TRAILER:
			if (p->line_bytes == 0)
				p->state = P_DONE;
			break;
		}
		new_line(p);
		return true;
	}
	if (c == '\r') {
		p->line_cr = true;
		return true;
	}
	if (c == '\n' || c == '\0')
		return false;
	if (p->state == P_CHUNK_END)
		return false; /* data longer than its size */
	if (++p->line_bytes > MAX_CHUNK_LINE && p->state == P_CHUNK_SIZE)
		return false;
	if (p->state == P_TRAILER)
		return p->remaining-- > 0;
	int v = hex_value(c);
	if (!p->line_ext && v >= 0) {
		if (p->chunk_size > (UINT64_MAX >> 4))
			return false;
		p->chunk_size = p->chunk_size << 4 | (uint64_t)v;
		p->line_digits = true;
		return true;
	}
	if (!p->line_digits)
		return false;
	if (c == ';' || c == ' ' || c == '\t')
		p->line_ext = true;
	return p->line_ext; /* extensions are ignored */
}

int http_response_parser_feed(struct http_response_parser *p, const void *data,
                              size_t len, size_t *consumed)
{
	struct kiln_view in = kiln_view_make(data, len);
	int rc = HTTP_PARSE_MORE;
	while (in.len > 0 && rc == HTTP_PARSE_MORE) {
		switch (p->state) {
		case P_HEAD: {
			size_t n = 0;
			int r = http_head_scan(&p->head, &response_limits, in.p,
			                       in.len, &n);
			kiln_view_skip(&in, n);
			if (r == HTTP_HEAD_DONE && !parse_head(p))
				r = -1;
			if (r != HTTP_HEAD_DONE && r != HTTP_HEAD_MORE) {
				p->state = P_ERROR;
				rc = -KILN_EINVAL;
			}
			break;
		}
		case P_LENGTH:
		case P_CHUNK_DATA:
		case P_UNTIL_CLOSE: {
			size_t n = in.len;
			if (p->state != P_UNTIL_CLOSE) {
				uint64_t want = p->state == P_LENGTH
				                        ? p->remaining
				                        : p->chunk_size;
				if (n > want)
					n = (size_t)want;
			}
			struct kiln_view piece;
			kiln_view_take(&in, n, &piece);
			int r = append(p, piece.p, piece.len);
			if (r < 0) {
				p->state = P_ERROR;
				rc = r;
				break;
			}
			if (p->state == P_LENGTH) {
				p->remaining -= n;
				if (p->remaining == 0)
					p->state = P_DONE;
			} else if (p->state == P_CHUNK_DATA) {
				p->chunk_size -= n;
				if (p->chunk_size == 0) {
					p->state = P_CHUNK_END;
					new_line(p);
				}
			}
			break;
		}
		case P_CHUNK_SIZE:
		case P_CHUNK_END:
		case P_TRAILER: {
			uint8_t c = 0;
			kiln_view_u8(&in, &c);
			if (!chunk_byte(p, c)) {
				p->state = P_ERROR;
				rc = -KILN_EINVAL;
			}
			break;
		}
		case P_DONE:
			rc = HTTP_PARSE_DONE;
			break;
		default:
			rc = -KILN_EINVAL;
			break;
		}
		if (p->state == P_DONE)
			rc = HTTP_PARSE_DONE;
	}
	if (p->state == P_DONE)
		rc = HTTP_PARSE_DONE;
	else if (p->state == P_ERROR && rc > 0)
		rc = -KILN_EINVAL;
	*consumed = len - in.len;
	return rc;
}

int http_response_parser_eof(struct http_response_parser *p)
{
	if (p->state == P_UNTIL_CLOSE || p->state == P_DONE) {
		p->state = P_DONE;
		return HTTP_PARSE_DONE;
	}
	p->state = P_ERROR;
	return -KILN_EINVAL;
}
