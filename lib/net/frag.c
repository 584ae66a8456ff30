/*
 * lib/net/frag.c - IPv4 fragment reassembly with bounded memory.
 *
 * A fixed number of slots, each with a buffer for the largest datagram,
 * allocated at start. A datagram is identified by (src, dst, proto, id);
 * its fragments may come in any order. Any overlap between two different
 * fragments drops the whole datagram (overlaps are how filters are
 * evaded, and never happen between honest hosts); an exact duplicate is
 * ignored. A datagram not complete within FRAG_TIMEOUT is dropped; when
 * every slot is busy, the oldest datagram makes room. Every fragment
 * that ends up dropped is counted in drop_ip_frag.
 */
#include "iface.h"
#include <stdlib.h>
#include <string.h>

struct frag_piece {
	uint16_t start, end; /* payload byte range [start, end) */
};

struct frag_slot {
	bool used;
	net_ipv4 src, dst;
	uint8_t proto;
	uint16_t id;
	kiln_time started;
	uint32_t total; /* payload length, known once the last fragment came */
	unsigned npieces;
	struct frag_piece pieces[FRAG_MAX_PIECES];
	struct ipv4_hdr first; /* header of the offset-0 fragment */
	bool have_first;
	uint8_t *buf; /* IPV4_MAX_LEN bytes */
	struct kiln_timer timeout;
};

static struct frag_slot *slots;
static unsigned nslots;

static void slot_drop(struct frag_slot *s, unsigned extra)
{
	for (unsigned i = 0; i < s->npieces + extra; i++)
		NET_DROP(drop_ip_frag);
	kiln_timer_cancel(&s->timeout);
	s->used = false;
}

static void timed_out(struct kiln_timer *t, void *arg)
{
	(void)t;
	slot_drop(arg, 0);
}

int frag_init(unsigned count)
{
	if (count == 0)
		return 0;
	slots = calloc(count, sizeof(*slots));
	if (!slots)
		return -KILN_ENOMEM;
	for (unsigned i = 0; i < count; i++) {
		slots[i].buf = malloc(IPV4_MAX_LEN);
		if (!slots[i].buf)
			return -KILN_ENOMEM;
		kiln_timer_init(&slots[i].timeout, timed_out, &slots[i]);
	}
	nslots = count;
	return 0;
}

static struct frag_slot *find_slot(const struct ipv4_hdr *f)
{
	struct frag_slot *oldest = NULL, *free_slot = NULL;
	for (unsigned i = 0; i < nslots; i++) {
		struct frag_slot *s = &slots[i];
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->src == f->src && s->dst == f->dst &&
		    s->proto == f->proto && s->id == f->id)
			return s;
		if (!oldest || s->started < oldest->started)
			oldest = s;
	}
	struct frag_slot *s = free_slot;
	if (!s) {
		if (!oldest)
			return NULL; /* no slots at all */
		slot_drop(oldest, 0);
		s = oldest;
	}
	s->used = true;
	s->src = f->src;
	s->dst = f->dst;
	s->proto = f->proto;
	s->id = f->id;
	s->started = kiln_now();
	s->total = 0;
	s->npieces = 0;
	s->have_first = false;
	kiln_timer_arm(&s->timeout, s->started + FRAG_TIMEOUT);
	return s;
}

bool frag_input(const struct ipv4_hdr *f, struct ipv4_hdr *h,
                struct kiln_view *payload)
{
	struct frag_slot *s = find_slot(f);
	if (!s) {
		NET_DROP(drop_ip_frag);
		return false;
	}
	uint32_t start = f->frag_offset;
	uint32_t end = start + (uint32_t)f->payload.len;

	/* The last fragment fixes the length; nothing may pass it, and
	 * it may not change. */
	if (!f->mf) {
		if (s->total && s->total != end) {
			slot_drop(s, 1);
			return false;
		}
		s->total = end;
	}
	if (s->total && end > s->total) {
		slot_drop(s, 1);
		return false;
	}
	for (unsigned i = 0; i < s->npieces; i++) {
		struct frag_piece *p = &s->pieces[i];
		if (p->start == start && p->end == end) {
			/* An exact duplicate: keep the first copy. */
			NET_DROP(drop_ip_frag);
			return false;
		}
		if (start < p->end && p->start < end) {
			slot_drop(s, 1);
			return false;
		}
	}
	if (s->npieces == FRAG_MAX_PIECES) {
		slot_drop(s, 1);
		return false;
	}
	s->pieces[s->npieces].start = (uint16_t)start;
	s->pieces[s->npieces].end = (uint16_t)end;
	s->npieces++;
	memcpy(s->buf + start, f->payload.p, f->payload.len);
	if (start == 0) {
		s->first = *f;
		s->have_first = true;
	}

	/* Complete when the pieces cover [0, total) with no gaps; since
	 * they never overlap, it is enough that their sizes add up. */
	if (!s->total || !s->have_first)
		return false;
	uint32_t covered = 0;
	for (unsigned i = 0; i < s->npieces; i++)
		covered += s->pieces[i].end - s->pieces[i].start;
	if (covered != s->total)
		return false;

	*h = s->first;
	h->mf = false;
	h->frag_offset = 0;
	h->total_len = (uint16_t)(h->hdr_len + s->total > IPV4_MAX_LEN
	                                  ? IPV4_MAX_LEN
	                                  : h->hdr_len + s->total);
	*payload = kiln_view_make(s->buf, s->total);
	kiln_timer_cancel(&s->timeout);
	s->used = false; /* the buffer stays valid until the next call */
	net_counters.ip_reassembled++;
	return true;
}
