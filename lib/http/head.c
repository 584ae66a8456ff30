/*
 * lib/http/head.c - collect a message head as it arrives in pieces.
 *
 * Each byte is checked once, as it is appended: line endings must be
 * CRLF (a bare CR or LF is a 400: accepting them is how request smuggling
 * starts), NUL is refused, and the start line and the field section are
 * held to their limits while they grow, so a client cannot make the
 * server buffer more than the limits before it answers.
 */
#include <kiln/http.h>

void http_head_reset(struct http_head *h)
{
	h->len = 0;
	h->line_start = 0;
	h->fields_start = 0;
	h->lines = 0;
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
		if (h->len == sizeof h->buf)
			return h->lines == 0 ? 414 : 431;
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
