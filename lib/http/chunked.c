/*
 * lib/http/chunked.c - decode a chunked request body (RFC 9112 7.1)
 * without I/O: sizes in hex, extensions and trailer fields dropped, every
 * line ending in CRLF (a bare LF or CR is an error, as in the head).
 */
#include <kiln/http.h>

enum {
	C_SIZE,     /* chunk-size digits */
	C_EXT,      /* chunk extension, up to CR */
	C_SIZE_LF,  /* LF after the size line */
	C_DATA,     /* chunk data */
	C_DATA_CR,  /* CR after the data */
	C_DATA_LF,  /* LF after the data */
	C_TRAILER,  /* a trailer line (or the final empty one) */
	C_TRAIL_LF, /* LF ending a trailer line */
	C_DONE
};

/* Longest size or trailer line taken. */
#define LINE_MAX 4096

void http_chunked_init(struct http_chunked *d)
{
	d->state = C_SIZE;
	d->size = 0;
	d->line = 0;
	d->digits = false;
	d->total = 0;
}

static int hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int http_chunked_feed(struct http_chunked *d, const uint8_t *in, size_t len,
                      size_t *used, uint8_t *out, size_t cap, size_t *produced)
{
	size_t i = 0, o = 0;
	int ret = HTTP_CHUNKED_MORE;
	while (i < len && d->state != C_DONE) {
		uint8_t c = in[i];
		if (d->state == C_DATA) {
			size_t n = len - i;
			if (n > d->size)
				n = (size_t)d->size;
			if (n > cap - o)
				n = cap - o;
			if (n == 0)
				break; /* out is full */
			for (size_t k = 0; k < n; k++)
				out[o + k] = in[i + k];
			i += n;
			o += n;
			d->size -= n;
			d->total += n;
			if (d->size == 0)
				d->state = C_DATA_CR;
			continue;
		}
		i++;
		if (++d->line > LINE_MAX && d->state != C_DATA_CR &&
		    d->state != C_DATA_LF)
			goto bad;
		switch (d->state) {
		case C_SIZE: {
			int h = hex(c);
			if (h >= 0) {
				if (d->size >> 59)
					goto bad; /* would overflow */
				d->size = d->size << 4 | (uint64_t)h;
				d->digits = true;
			} else if (!d->digits) {
				goto bad;
			} else if (c == '\r') {
				d->state = C_SIZE_LF;
			} else if (c == ';' || c == ' ' || c == '\t') {
				d->state = C_EXT;
			} else {
				goto bad;
			}
			break;
		}
		case C_EXT:
			if (c == '\r')
				d->state = C_SIZE_LF;
			else if (c == '\n' || c == 0)
				goto bad;
			break;
		case C_SIZE_LF:
			if (c != '\n')
				goto bad;
			d->line = 0;
			d->digits = false;
			d->state = d->size ? C_DATA : C_TRAILER;
			break;
		case C_DATA_CR:
			if (c != '\r')
				goto bad;
			d->state = C_DATA_LF;
			break;
		case C_DATA_LF:
			if (c != '\n')
				goto bad;
			d->line = 0;
			d->size = 0;
			d->state = C_SIZE;
			break;
		case C_TRAILER:
			if (c == '\r')
				d->state = C_TRAIL_LF;
			else if (c == '\n' || c == 0)
				goto bad;
			break;
		case C_TRAIL_LF:
			if (c != '\n')
				goto bad;
			/* An empty line ends the trailer (line counts its
			 * CR and LF). */
			d->state = d->line == 2 ? C_DONE : C_TRAILER;
			d->line = 0;
			break;
		}
	}
	if (d->state == C_DONE)
		ret = HTTP_CHUNKED_DONE;
	*used = i;
	*produced = o;
	return ret;
bad:
	*used = i;
	*produced = o;
	return -KILN_EINVAL;
}
