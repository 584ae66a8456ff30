/*
 * monitor/usernet/stream.c - length-prefixed frames on a byte stream (see
 * stream.h).
 */
#include "stream.h"

#include <string.h>

void stream_reader_init(struct stream_reader *r)
{
	memset(r, 0, sizeof(*r));
}

bool stream_reader_feed(struct stream_reader *r, struct kiln_view in,
                        stream_frame_fn fn, void *ctx)
{
	while (in.len > 0) {
		if (r->hdr_len < 4) {
			/* The length field, possibly split across reads. */
			uint8_t b;
			if (!kiln_view_u8(&in, &b))
				return true;
			r->hdr[r->hdr_len++] = b;
			if (r->hdr_len < 4)
				continue;
			struct kiln_view h = kiln_view_make(r->hdr, 4);
			uint32_t len = 0;
			(void)kiln_view_u32(&h, &len);
			if (len > STREAM_LEN_MAX)
				return false;
			r->remaining = len;
			r->skipping = len > STREAM_FRAME_MAX;
			r->frame_len = 0;
		}
		/* As much of the frame's body as this input holds. */
		size_t n = in.len < r->remaining ? in.len : r->remaining;
		struct kiln_view part;
		if (!kiln_view_take(&in, n, &part))
			return true; /* cannot happen: n <= in.len */
		if (!r->skipping) {
			memcpy(r->frame + r->frame_len, part.p, n);
			r->frame_len += n;
		}
		r->remaining -= (uint32_t)n;
		if (r->remaining > 0)
			continue;
		/* A whole frame. */
		r->hdr_len = 0;
		if (r->skipping) {
			r->skipped++;
			continue;
		}
		r->frames++;
		fn(ctx, r->frame, r->frame_len);
	}
	return true;
}

void stream_writer_init(struct stream_writer *w)
{
	w->start = w->end = 0;
}

bool stream_writer_room(const struct stream_writer *w, size_t len)
{
	/* consume() moves the waiting bytes to the front, so the free
	 * space is always at the end. */
	return len <= STREAM_FRAME_MAX && w->end + 4 + len <= STREAM_OUT_MAX;
}

bool stream_writer_put(struct stream_writer *w, const void *frame, size_t len)
{
	if (!stream_writer_room(w, len))
		return false;
	uint8_t *p = w->buf + w->end;
	p[0] = (uint8_t)(len >> 24);
	p[1] = (uint8_t)(len >> 16);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	memcpy(p + 4, frame, len);
	w->end += 4 + len;
	return true;
}

void stream_writer_consume(struct stream_writer *w, size_t n)
{
	if (n > w->end - w->start)
		n = w->end - w->start;
	w->start += n;
	if (w->start == w->end) {
		w->start = w->end = 0;
	} else if (w->start > 0) {
		/* Keep the free space in one piece at the end. */
		memmove(w->buf, w->buf + w->start, w->end - w->start);
		w->end -= w->start;
		w->start = 0;
	}
}
