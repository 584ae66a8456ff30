/*
 * lib/dns/wire.c - the message header and the message writer, with name
 * compression (RFC 1035 4.1.4).
 */
#include <kiln/dns.h>
#include <string.h>

int dns_header_read(struct kiln_view *v, struct dns_header *h)
{
	kiln_view_u16(v, &h->id);
	kiln_view_u16(v, &h->flags);
	kiln_view_u16(v, &h->qdcount);
	kiln_view_u16(v, &h->ancount);
	kiln_view_u16(v, &h->nscount);
	kiln_view_u16(v, &h->arcount);
	return v->bad ? DNS_E_TRUNC : DNS_OK;
}

void dns_writer_init(struct dns_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
	w->nnames = 0;
}

void dns_writer_bytes(struct dns_writer *w, const void *p, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void dns_writer_u8(struct dns_writer *w, uint8_t x)
{
	dns_writer_bytes(w, &x, 1);
}

void dns_writer_u16(struct dns_writer *w, uint16_t x)
{
	uint8_t b[2] = {(uint8_t)(x >> 8), (uint8_t)x};
	dns_writer_bytes(w, b, 2);
}

void dns_writer_u32(struct dns_writer *w, uint32_t x)
{
	uint8_t b[4] = {(uint8_t)(x >> 24), (uint8_t)(x >> 16),
	                (uint8_t)(x >> 8), (uint8_t)x};
	dns_writer_bytes(w, b, 4);
}

void dns_writer_put_u16(struct dns_writer *w, size_t at, uint16_t x)
{
	if (at + 2 <= w->len) {
		w->buf[at] = (uint8_t)(x >> 8);
		w->buf[at + 1] = (uint8_t)x;
	}
}

struct dns_writer_mark dns_writer_mark(const struct dns_writer *w)
{
	struct dns_writer_mark m = {w->len, w->nnames};
	return m;
}

void dns_writer_rollback(struct dns_writer *w, struct dns_writer_mark m)
{
	w->len = m.len;
	w->nnames = m.nnames;
	w->overflow = false;
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Does the (possibly compressed) name at offset off of the message we
 * wrote equal the suffix s (wire form), letter case aside? Our own output,
 * but walked with the reader's rules all the same: every read inside what
 * was written, every pointer strictly backwards. Compared in place, label
 * by label, so that most candidates fail at their first octet. */
static bool suffix_at(const struct dns_writer *w, uint16_t off,
                      const struct dns_name *s)
{
	size_t at = off, limit = w->len, i = 0;
	for (;;) {
		if (at >= limit)
			return false;
		uint8_t c = w->buf[at];
		if ((c & 0xC0) == 0xC0) {
			if (at + 1 >= limit)
				return false;
			size_t t = (size_t)(c & 0x3F) << 8 | w->buf[at + 1];
			if (t >= at)
				return false;
			limit = at;
			at = t;
			continue;
		}
		if ((c & 0xC0) || i >= s->len || s->wire[i] != c)
			return false;
		if (c == 0)
			return i + 1 == s->len;
		if (at + 1 + c > limit || i + 1 + c > s->len)
			return false;
		for (unsigned k = 1; k <= c; k++)
			if (lower(w->buf[at + k]) != lower(s->wire[i + k]))
				return false;
		at += 1u + c;
		i += 1u + c;
	}
}

void dns_writer_name(struct dns_writer *w, const struct dns_name *n,
                     bool compress)
{
	/* Find the longest suffix already in the message. */
	unsigned off = 0, skip = 0;
	int ptr = -1;
	struct dns_name s;
	if (compress) {
		for (skip = 0; skip < n->nlabels; skip++) {
			dns_name_strip(n, skip, &s);
			for (unsigned i = 0; i < w->nnames && ptr < 0; i++)
				if (suffix_at(w, w->names[i], &s))
					ptr = w->names[i];
			if (ptr >= 0)
				break;
		}
	} else {
		skip = n->nlabels;
	}
	/* Write the labels before it, remembering where each starts. */
	for (unsigned i = 0; i < skip; i++) {
		unsigned l = n->wire[off];
		if (compress && w->len < 0x4000 &&
		    w->nnames < DNS_WRITER_NAMES && !w->overflow &&
		    w->len + 1 + l <= w->cap)
			w->names[w->nnames++] = (uint16_t)w->len;
		dns_writer_bytes(w, n->wire + off, 1 + l);
		off += 1 + l;
	}
	if (ptr >= 0)
		dns_writer_u16(w, (uint16_t)(0xC000 | ptr));
	else
		dns_writer_u8(w, 0);
}
