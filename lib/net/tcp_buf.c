/*
 * lib/net/tcp_buf.c - the send and receive rings.
 *
 * Both buffers are allocated once per connection (tcp_conn_buffers) and
 * never grow. Outgoing segments point into the send ring (at most two
 * chunks when the data wraps), so bulk data is copied once: from the
 * application into the ring. Out-of-order data is written straight into
 * its final place in the receive ring, so reassembly costs no copy and no
 * memory beyond the ring and a fixed array of ranges.
 */
#include "tcp_impl.h"

#include <string.h>

/* ------------------------------------------------------------- send */

uint32_t tcp_snd_space(const struct tcp_conn *c)
{
	return c->snd.size - c->snd.len;
}

uint32_t tcp_snd_append(struct tcp_conn *c, const void *data, uint32_t len)
{
	struct tcp_sndbuf *b = &c->snd;
	uint32_t n = len < b->size - b->len ? len : b->size - b->len;
	uint32_t tail = (b->head + b->len) % b->size;
	uint32_t first = n < b->size - tail ? n : b->size - tail;

	memcpy(b->buf + tail, data, first);
	memcpy(b->buf, (const uint8_t *)data + first, n - first);
	b->len += n;
	return n;
}

void tcp_snd_drop(struct tcp_conn *c, uint32_t n)
{
	struct tcp_sndbuf *b = &c->snd;
	KILN_ASSERT(n <= b->len);
	b->len -= n;
	b->head = b->len ? (b->head + n) % b->size : 0;
}

unsigned tcp_snd_chunks(const struct tcp_conn *c, uint32_t off, uint32_t len,
                        struct net_chunk out[2])
{
	const struct tcp_sndbuf *b = &c->snd;
	KILN_ASSERT(off + len <= b->len);
	if (!len)
		return 0;
	uint32_t start = (b->head + off) % b->size;
	uint32_t first = len < b->size - start ? len : b->size - start;
	out[0].data = b->buf + start;
	out[0].len = first;
	if (first == len)
		return 1;
	out[1].data = b->buf;
	out[1].len = len - first;
	return 2;
}

/* ---------------------------------------------------------- receive */

uint32_t tcp_rcv_free(const struct tcp_conn *c)
{
	if (!c->rcv.buf)
		return 0;
	return c->rcv.size - c->rcv.len;
}

/* Copy data to ring position pos (an offset from head). */
static void rcv_write(struct tcp_rcvbuf *b, uint32_t pos, const uint8_t *p,
                      uint32_t n)
{
	uint32_t at = (b->head + pos) % b->size;
	uint32_t first = n < b->size - at ? n : b->size - at;
	memcpy(b->buf + at, p, first);
	memcpy(b->buf, p + first, n - first);
}

bool tcp_ranges_insert(struct tcp_sack_block *r, unsigned *n, unsigned max,
                       uint32_t s, uint32_t e)
{
	unsigned i = 0;
	while (i < *n && SEQ_LT(r[i].end, s))
		i++;
	/* r[i] is the first range ending at or after s. */
	if (i < *n && SEQ_LEQ(r[i].start, e)) {
		/* Overlaps or touches: grow it and swallow the following. */
		if (SEQ_LT(s, r[i].start))
			r[i].start = s;
		if (SEQ_GT(e, r[i].end))
			r[i].end = e;
		unsigned j = i + 1;
		while (j < *n && SEQ_LEQ(r[j].start, r[i].end)) {
			if (SEQ_GT(r[j].end, r[i].end))
				r[i].end = r[j].end;
			j++;
		}
		memmove(&r[i + 1], &r[j], (*n - j) * sizeof(r[0]));
		*n -= j - (i + 1);
		return true;
	}
	if (*n == max)
		return false;
	memmove(&r[i + 1], &r[i], (*n - i) * sizeof(r[0]));
	r[i].start = s;
	r[i].end = e;
	(*n)++;
	return true;
}

bool tcp_rcv_store(struct tcp_conn *c, uint32_t seq, struct kiln_view data)
{
	struct tcp_rcvbuf *b = &c->rcv;
	uint32_t n = (uint32_t)data.len;
	uint32_t off = seq - c->rcv_nxt;

	KILN_ASSERT(b->buf && SEQ_GEQ(seq, c->rcv_nxt));
	KILN_ASSERT(off + n <= b->size - b->len);
	if (!n)
		return false;
	if (off > 0) {
		/* Out of order: keep it only if the range list can track it,
		 * else the sender retransmits it later. */
		if (!tcp_ranges_insert(b->ooo, &b->n_ooo, TCP_OOO_MAX, seq,
		                       seq + n))
			return false;
		rcv_write(b, b->len + off, data.p, n);
		b->last_ooo = seq;
		return false;
	}
	rcv_write(b, b->len, data.p, n);
	b->len += n;
	c->rcv_nxt += n;
	/* Pull in the ranges the new data reaches. */
	while (b->n_ooo && SEQ_LEQ(b->ooo[0].start, c->rcv_nxt)) {
		if (SEQ_GT(b->ooo[0].end, c->rcv_nxt)) {
			b->len += b->ooo[0].end - c->rcv_nxt;
			c->rcv_nxt = b->ooo[0].end;
		}
		memmove(&b->ooo[0], &b->ooo[1],
		        (b->n_ooo - 1) * sizeof(b->ooo[0]));
		b->n_ooo--;
	}
	return true;
}

size_t tcp_rcv_peek(const struct tcp_conn *c, const void **data)
{
	const struct tcp_rcvbuf *b = &c->rcv;
	if (!b->buf || !b->len) {
		*data = NULL;
		return 0;
	}
	*data = b->buf + b->head;
	return b->len < b->size - b->head ? b->len : b->size - b->head;
}

void tcp_rcv_consume(struct tcp_conn *c, uint32_t n)
{
	struct tcp_rcvbuf *b = &c->rcv;
	KILN_ASSERT(n <= b->len);
	b->len -= n;
	b->head = (b->head + n) % b->size;
}

unsigned tcp_rcv_sack_blocks(const struct tcp_conn *c,
                             struct tcp_sack_block *out, unsigned max)
{
	const struct tcp_rcvbuf *b = &c->rcv;
	unsigned n = 0;
	int newest = -1;

	/* RFC 2018 4: the first block holds the most recent segment, the
	 * others follow (here in sequence order). */
	for (unsigned i = 0; i < b->n_ooo; i++)
		if (SEQ_LEQ(b->ooo[i].start, b->last_ooo) &&
		    SEQ_LT(b->last_ooo, b->ooo[i].end))
			newest = (int)i;
	if (newest >= 0 && n < max)
		out[n++] = b->ooo[newest];
	for (unsigned i = 0; i < b->n_ooo && n < max; i++)
		if ((int)i != newest)
			out[n++] = b->ooo[i];
	return n;
}
