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

/* Does the (possibly compressed) name at offset off of the message we
 * wrote equal the suffix s (wire form)? Our own output, but read through
 * a view all the same. */
static bool suffix_at(const struct dns_writer *w, uint16_t off,
                      const struct dns_name *s)
{
	struct kiln_view msg = kiln_view_make(w->buf, w->len), cur;
	struct dns_name n;
	if (!kiln_view_sub(&msg, off, w->len - off, &cur) ||
	    dns_name_read(&msg, &cur, &n) != DNS_OK)
		return false;
	return dns_name_equal(&n, s);
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
