/*
 * lib/net/tcp_buf.c - the send and receive rings.
 *
 * Each ring has a size, the most it may hold (tcp_config's sndbuf and
 * rcvbuf: what the windows promise), and memory that is taken only while
 * it holds bytes: a ring is allocated when the first byte comes, grows
 * (doubling, up to its size) as more must fit, and is freed as soon as it
 * is empty again. An idle connection so costs its struct alone, however
 * many there are. A ring that cannot grow for want of heap takes what
 * fits: the application's send is short (or fails with -KILN_ENOMEM when
 * nothing is queued to wait for), a received segment is dropped as if
 * lost and the peer sends it again (tcp_stats.no_memory_drops).
 *
 * Outgoing segments point into the send ring (two chunks where the data
 * wraps), so bulk data is copied once: from the application into the
 * ring. Bytes that never change and outlive the connection (an asset
 * compiled into the image) may be lent instead (tcp_send_static): the
 * buffer then names them, as up to TCP_SNDREF_MAX runs between the ring's
 * bytes, and segments point at them where they lie: no copy at all.
 * Out-of-order data is written straight into its final place in the receive
 * ring, so reassembly costs no copy and no memory beyond the ring and a fixed
 * array of ranges.
 */
#include "tcp_impl.h"

#include <stdlib.h>
#include <string.h>

/* The smallest ring allocated. */
#define RING_MIN 2048u

/* Room for need bytes in a ring of at most size, holding used bytes
 * from head (wrapping at *cap): allocate a larger one and move them to
 * its start. false if the heap is short. */
static bool ring_grow(uint8_t **buf, uint32_t *cap, uint32_t *head,
                      uint32_t used, uint32_t need, uint32_t size)
{
	uint32_t n = *cap ? *cap : RING_MIN;
	while (n < need && n < size)
		n = n > size / 2 ? size : n * 2;
	if (n > size)
		n = size;
	if (n < need)
		return false;
	uint8_t *nb = malloc(n);
	if (!nb)
		return false;
	if (used) {
		uint32_t first = used < *cap - *head ? used : *cap - *head;
		memcpy(nb, *buf + *head, first);
		memcpy(nb + first, *buf, used - first);
	}
	free(*buf);
	*buf = nb;
	*cap = n;
	*head = 0;
	return true;
}

void tcp_bufs_release(struct tcp_conn *c)
{
	free(c->snd.buf);
	free(c->rcv.buf);
	c->snd.buf = c->rcv.buf = NULL;
	c->snd.cap = c->rcv.cap = 0;
	c->snd.head = c->rcv.head = 0;
	c->snd.len = c->rcv.len = 0;
	c->snd.ring_len = 0;
	c->snd.n_refs = 0;
	c->rcv.n_ooo = 0;
	tcp_rack_release(c);
}

/* ------------------------------------------------------------- send */

uint32_t tcp_snd_space(const struct tcp_conn *c)
{
	return c->snd.size - c->snd.len;
}

uint32_t tcp_snd_append(struct tcp_conn *c, const void *data, uint32_t len)
{
	struct tcp_sndbuf *b = &c->snd;
	uint32_t n = len < b->size - b->len ? len : b->size - b->len;
	if (b->ring_len + n > b->cap &&
	    !ring_grow(&b->buf, &b->cap, &b->head, b->ring_len, b->ring_len + n,
	               b->size))
		n = b->cap - b->ring_len; /* what fits without growing */
	if (!n)
		return 0;
	uint32_t tail = (b->head + b->ring_len) % b->cap;
	uint32_t first = n < b->cap - tail ? n : b->cap - tail;

	memcpy(b->buf + tail, data, first);
	memcpy(b->buf, (const uint8_t *)data + first, n - first);
	b->ring_len += n;
	b->len += n;
	return n;
}

uint32_t tcp_snd_append_ref(struct tcp_conn *c, const void *data, uint32_t len)
{
	struct tcp_sndbuf *b = &c->snd;
	uint32_t n = len < b->size - b->len ? len : b->size - b->len;
	if (!n)
		return 0;
	struct tcp_sndref *last = b->n_refs ? &b->refs[b->n_refs - 1] : NULL;
	if (last && last->at + last->len == b->len &&
	    last->p + last->len == (const uint8_t *)data) {
		/* The next piece of the same bytes (a body sent as room
		 * comes): one run. */
		last->len += n;
	} else {
		if (b->n_refs == TCP_SNDREF_MAX)
			return 0;
		b->refs[b->n_refs++] =
		        (struct tcp_sndref){(const uint8_t *)data, b->len, n};
	}
	b->len += n;
	return n;
}

void tcp_snd_drop(struct tcp_conn *c, uint32_t n)
{
	struct tcp_sndbuf *b = &c->snd;
	KILN_ASSERT(n <= b->len);
	/* Of the n bytes, those not in a referenced run were in the ring. */
	uint32_t ring_n = n;
	unsigned gone = 0;
	for (unsigned i = 0; i < b->n_refs; i++) {
		struct tcp_sndref *r = &b->refs[i];
		if (r->at >= n)
			break;
		if (r->at + r->len <= n) {
			ring_n -= r->len;
			gone++;
			continue;
		}
		uint32_t cut = n - r->at;
		ring_n -= cut;
		r->p += cut;
		r->len -= cut;
		r->at = n;
		break;
	}
	b->n_refs -= gone;
	memmove(&b->refs[0], &b->refs[gone], b->n_refs * sizeof(b->refs[0]));
	for (unsigned i = 0; i < b->n_refs; i++)
		b->refs[i].at -= n;
	b->len -= n;
	KILN_ASSERT(ring_n <= b->ring_len);
	b->ring_len -= ring_n;
	if (b->ring_len) {
		b->head = (b->head + ring_n) % b->cap;
		return;
	}
	/* The ring's bytes were all acknowledged: give the memory back. */
	free(b->buf);
	b->buf = NULL;
	b->cap = 0;
	b->head = 0;
}

/* The chunks for ring bytes [at, at + len): two where they wrap. */
static unsigned ring_chunks(const struct tcp_sndbuf *b, uint32_t at,
                            uint32_t len, struct net_chunk *out)
{
	uint32_t start = (b->head + at) % b->cap;
	uint32_t first = len < b->cap - start ? len : b->cap - start;
	out[0] = (struct net_chunk){b->buf + start, first, false};
	if (first == len)
		return 1;
	out[1] = (struct net_chunk){b->buf, len - first, false};
	return 2;
}

unsigned tcp_snd_chunks(const struct tcp_conn *c, uint32_t off, uint32_t len,
                        struct net_chunk out[TCP_SEG_CHUNKS])
{
	const struct tcp_sndbuf *b = &c->snd;
	KILN_ASSERT(off + len <= b->len);
	uint32_t end = off + len;
	unsigned n = 0;
	/* Walk the buffer as runs: ring bytes up to each referenced run,
	 * then the run; cur is the offset in the buffer, ring_at the
	 * offset in the ring. */
	uint32_t cur = 0, ring_at = 0;
	for (unsigned i = 0; i <= b->n_refs && cur < end; i++) {
		uint32_t ring_end = i < b->n_refs ? b->refs[i].at : b->len;
		uint32_t s = off > cur ? off : cur;
		uint32_t e = end < ring_end ? end : ring_end;
		if (s < e)
			n += ring_chunks(b, ring_at + (s - cur), e - s,
			                 out + n);
		ring_at += ring_end - cur;
		cur = ring_end;
		if (i == b->n_refs)
			break;
		const struct tcp_sndref *r = &b->refs[i];
		s = off > cur ? off : cur;
		e = end < cur + r->len ? end : cur + r->len;
		if (s < e) {
			out[n].data = r->p + (s - cur);
			out[n].len = e - s;
			out[n].lent = true;
			n++;
		}
		cur += r->len;
	}
	return n;
}

/* ---------------------------------------------------------- receive */

uint32_t tcp_rcv_free(const struct tcp_conn *c)
{
	return c->rcv.size - c->rcv.len;
}

/* Copy data to ring position pos (an offset from head). */
static void rcv_write(struct tcp_rcvbuf *b, uint32_t pos, const uint8_t *p,
                      uint32_t n)
{
	uint32_t at = (b->head + pos) % b->cap;
	uint32_t first = n < b->cap - at ? n : b->cap - at;
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

	KILN_ASSERT(SEQ_GEQ(seq, c->rcv_nxt));
	KILN_ASSERT(off + n <= b->size - b->len);
	if (!n)
		return false;
	/* The ring must reach the new bytes and keep the out-of-order ranges
	 * already there (the last one ends furthest). */
	uint32_t used = b->len;
	if (b->n_ooo)
		used += b->ooo[b->n_ooo - 1].end - c->rcv_nxt;
	uint32_t need = b->len + off + n > used ? b->len + off + n : used;
	if (need > b->cap &&
	    !ring_grow(&b->buf, &b->cap, &b->head, used, need, b->size)) {
		tcp_stats.no_memory_drops++;
		return false;
	}
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
	return b->len < b->cap - b->head ? b->len : b->cap - b->head;
}

void tcp_rcv_consume(struct tcp_conn *c, uint32_t n)
{
	struct tcp_rcvbuf *b = &c->rcv;
	KILN_ASSERT(n <= b->len);
	b->len -= n;
	if (b->len || b->n_ooo) {
		b->head = (b->head + n) % b->cap;
		return;
	}
	/* All read, nothing out of order held: give the memory back. */
	free(b->buf);
	b->buf = NULL;
	b->cap = 0;
	b->head = 0;
}

/* ------------------------------------------------------ auto-tuning */

void tcp_snd_autotune(struct tcp_conn *c)
{
	/* As Linux's send-buffer expansion: the application may queue two
	 * windows (the smaller of cwnd and the largest the peer offered:
	 * a slow reader's connection keeps its ring) beyond what is in
	 * flight or held for a hole (SACKed bytes stay in the ring until
	 * snd_una passes them). */
	uint32_t w = c->cwnd < c->max_snd_wnd ? c->cwnd : c->max_snd_wnd;
	uint64_t want = (uint64_t)(c->snd_max - c->snd_una) + 2ull * w;
	if (want <= c->snd.size || c->snd.size >= tcp_cfg.sndbuf_max)
		return;
	if (want > (1u << 30))
		want = 1u << 30;
	uint32_t before = c->snd.size;
	if (tcp_buf_grow(c, false, (uint32_t)want) > before) {
		tcp_stats.sndbuf_grows++;
		tcp_event(c, TCP_EV_WRITABLE);
	}
}

void tcp_rcv_autotune(struct tcp_conn *c)
{
	/* Dynamic right-sizing (as Linux's tcp_rcv_space_adjust): once per
	 * round trip, the window is made twice what arrived in order in the
	 * last one (plus 16 segments), so a sender held by our window sees
	 * it double each round trip while one that is not (or an
	 * application that does not read) leaves it alone. */
	struct tcp_rcvbuf *b = &c->rcv;
	kiln_time now = kiln_now();
	kiln_time rtt = c->rcv_rtt ? c->rcv_rtt : c->srtt;
	if (!rtt)
		rtt = KILN_MSEC(10);
	if (!c->rcvq_at) {
		c->rcvq_at = now;
		c->rcvq_seq = c->rcv_nxt;
		return;
	}
	if (now - c->rcvq_at < rtt)
		return;
	uint32_t copied = c->rcv_nxt - c->rcvq_seq;
	c->rcvq_at = now;
	c->rcvq_seq = c->rcv_nxt;
	if (b->size >= tcp_cfg.rcvbuf_max || b->len > b->size / 2)
		return;
	uint64_t want = 2ull * copied + 16ull * c->smss;
	if (want <= b->size)
		return;
	if (want > 2ull * b->size)
		want = 2ull * b->size; /* at most doubling per round trip */
	if (want > (1u << 30))
		want = 1u << 30;
	uint32_t before = b->size;
	if (tcp_buf_grow(c, true, (uint32_t)want) > before) {
		tcp_stats.rcvbuf_grows++;
		c->flags |= TF_ACKNOW; /* tell the peer at once */
	}
}

bool tcp_rcv_note_dup(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	struct tcp_rcvbuf *b = &c->rcv;
	uint32_t end = seq + len;
	if (!(c->flags & TF_SACK) || !len)
		return false;
	if (SEQ_LT(seq, c->rcv_nxt)) {
		/* Below the cumulative ACK (RFC 2883 4.1.1). */
		b->dsack.start = seq;
		b->dsack.end = SEQ_LT(end, c->rcv_nxt) ? end : c->rcv_nxt;
		b->dsack_on = true;
		return true;
	}
	for (unsigned i = 0; i < b->n_ooo; i++) {
		const struct tcp_sack_block *r = &b->ooo[i];
		uint32_t s = SEQ_GT(seq, r->start) ? seq : r->start;
		uint32_t e = SEQ_LT(end, r->end) ? end : r->end;
		if (SEQ_LT(s, e)) {
			/* Inside data held out of order (4.1.2). */
			b->dsack.start = s;
			b->dsack.end = e;
			b->dsack_on = true;
			return true;
		}
	}
	return false;
}

unsigned tcp_rcv_sack_blocks(const struct tcp_conn *c,
                             struct tcp_sack_block *out, unsigned max)
{
	const struct tcp_rcvbuf *b = &c->rcv;
	unsigned n = 0;
	int first = -1;

	if (b->dsack_on && n < max) {
		out[n++] = b->dsack;
		/* The range holding it, if any, comes second. */
		for (unsigned i = 0; i < b->n_ooo; i++)
			if (SEQ_LEQ(b->ooo[i].start, b->dsack.start) &&
			    SEQ_LEQ(b->dsack.end, b->ooo[i].end))
				first = (int)i;
	}
	/* RFC 2018 4: the first block holds the most recent segment, the
	 * others follow (here in sequence order). */
	if (first < 0)
		for (unsigned i = 0; i < b->n_ooo; i++)
			if (SEQ_LEQ(b->ooo[i].start, b->last_ooo) &&
			    SEQ_LT(b->last_ooo, b->ooo[i].end))
				first = (int)i;
	if (first >= 0 && n < max)
		out[n++] = b->ooo[first];
	for (unsigned i = 0; i < b->n_ooo && n < max; i++)
		if ((int)i != first)
			out[n++] = b->ooo[i];
	return n;
}
