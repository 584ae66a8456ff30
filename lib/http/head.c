/*
 * lib/http/head.c - collect a message head as it arrives in pieces.
 *
 * Each byte is checked once, as it is appended: line endings must be
 * CRLF (a bare CR or LF is a 400: accepting them is how request smuggling
 * starts), NUL is refused, and the start line and the field section are
 * held to their limits while they grow, so a client cannot make the
 * server buffer more than the limits before it answers.
 *
 * The buffer is the caller's (a fixed one, for the client) or taken from
 * the heap as the head grows: nothing until its first byte, then 512
 * bytes, doubling up to HTTP_HEAD_MAX. A connection between requests, or
 * one trickling a head byte by byte, so holds only what it sent.
 */
#include <kiln/http.h>
#include <stdlib.h>

#define HEAD_FIRST 512

void http_head_init(struct http_head *h)
{
	h->buf = NULL;
	h->cap = 0;
	h->fixed = false;
	http_head_reset(h);
}

void http_head_init_fixed(struct http_head *h, uint8_t *buf, size_t cap)
{
	h->buf = buf;
	h->cap = cap;
	h->fixed = true;
	http_head_reset(h);
}

void http_head_reset(struct http_head *h)
{
	h->len = 0;
	h->line_start = 0;
	h->fields_start = 0;
	h->lines = 0;
}

void http_head_release(struct http_head *h)
{
	if (!h->fixed) {
		free(h->buf);
		h->buf = NULL;
		h->cap = 0;
	}
	http_head_reset(h);
}

/* Room for one more byte: false at the bound (or out of memory, *oom). */
static bool grow(struct http_head *h, bool *oom)
{
	if (h->fixed || h->cap >= HTTP_HEAD_MAX)
		return false;
	size_t n = h->cap ? h->cap * 2 : HEAD_FIRST;
	if (n > HTTP_HEAD_MAX)
		n = HTTP_HEAD_MAX;
	uint8_t *nb = realloc(h->buf, n);
	if (!nb) {
		*oom = true;
		return false;
	}
	h->buf = nb;
	h->cap = n;
	return true;
}

int http_head_scan(struct http_head *h, const struct http_head_limits *lim,
                   const uint8_t *data, size_t len, size_t *consumed)
{
	struct kiln_view in = kiln_view_make(data, len);
	uint8_t c;
	while (kiln_view_u8(&in, &c)) {
		bool after_cr =
		        h->len > h->line_start && h->buf[h->len - 1] == '\r';
		*consumed = len - in.len;
		if (c == '\0')
			return 400;
		if (after_cr != (c == '\n'))
			return 400; /* CR without LF, or LF without CR */
		if (c != '\r' && c != '\n') {
			if (h->lines == 0 &&
			    h->len - h->line_start >= lim->max_start_line)
				return 414;
			if (h->lines > 0 &&
			    h->len - h->fields_start >= lim->max_field_bytes)
				return 431;
		}
		bool oom = false;
		if (h->len == h->cap && !grow(h, &oom))
			return oom ? 503 : h->lines == 0 ? 414 : 431;
		h->buf[h->len++] = c;
		if (c != '\n')
			continue;
		if (h->len - h->line_start == 2) {
			/* An empty line: before the start line it is
			 * skipped (RFC 9112 2.2); after, it ends the head. */
			if (h->lines > 0)
				return HTTP_HEAD_DONE;
			h->len = 0;
			h->line_start = 0;
			continue;
		}
		h->lines++;
		if (h->lines == 1)
			h->fields_start = h->len;
		else if (h->lines - 1 > lim->max_fields)
			return 431;
		h->line_start = h->len;
	}
	*consumed = len;
	return HTTP_HEAD_MORE;
}
