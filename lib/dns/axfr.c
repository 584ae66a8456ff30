/*
 * lib/dns/axfr.c - zone transfers (RFC 5936) to the clients the catalog
 * allows: the SOA, every other record, the SOA again, in as many TCP
 * messages as it takes (each up to 16 KiB).
 */
#include "zone_data.h"
#include <stdlib.h>
#include <string.h>

#define AXFR_MSG 16384

struct xfr {
	struct dns_writer w;
	uint16_t id, count;
	size_t qend; /* end of the question */
	bool (*emit)(const uint8_t *, size_t, void *);
	void *arg;
	bool ok;
};

static void xfr_start(struct xfr *t, const uint8_t *question, size_t qlen)
{
	t->w.len = 0;
	t->w.nnames = 0;
	t->w.overflow = false;
	t->count = 0;
	dns_writer_u16(&t->w, t->id);
	dns_writer_u16(&t->w, DNS_F_QR | DNS_F_AA);
	dns_writer_u16(&t->w, 1);
	dns_writer_u16(&t->w, 0);
	dns_writer_u16(&t->w, 0);
	dns_writer_u16(&t->w, 0);
	dns_writer_bytes(&t->w, question, qlen);
}

static bool xfr_flush(struct xfr *t)
{
	dns_writer_put_u16(&t->w, 6, t->count);
	if (t->ok && !t->emit(t->w.buf, t->w.len, t->arg))
		t->ok = false;
	return t->ok;
}

/* One record; a full message is sent first when it does not fit. */
static void xfr_rr(struct xfr *t, const uint8_t *question, size_t qlen,
                   const struct dns_name *owner, const struct dns_rr *rr)
{
	for (int attempt = 0; attempt < 2 && t->ok; attempt++) {
		struct dns_writer_mark m = dns_writer_mark(&t->w);
		dns_writer_name(&t->w, owner, true);
		dns_writer_u16(&t->w, rr->type);
		dns_writer_u16(&t->w, DNS_CLASS_IN);
		dns_writer_u32(&t->w, rr->ttl);
		dns_writer_u16(&t->w, rr->rdlen);
		dns_writer_bytes(&t->w, rr->rdata, rr->rdlen);
		if (!t->w.overflow) {
			t->count++;
			return;
		}
		dns_writer_rollback(&t->w, m);
		if (t->count == 0) {
			t->ok = false; /* a record larger than a message */
			return;
		}
		xfr_flush(t);
		xfr_start(t, question, qlen);
	}
}

bool dns_axfr(const struct dns_catalog *c, const uint8_t *query, size_t len,
              uint32_t client, bool (*emit)(const uint8_t *, size_t, void *),
              void *arg, struct dns_stats *st)
{
	struct kiln_view msg = kiln_view_make(query, len), v = msg;
	struct dns_header h;
	struct dns_name qname;
	uint16_t qtype = 0, qclass = 0;
	if (dns_header_read(&v, &h) != DNS_OK || h.qdcount != 1 ||
	    (h.flags & (DNS_F_QR | 0x7800)) ||
	    dns_name_read(&msg, &v, &qname) != DNS_OK ||
	    !kiln_view_u16(&v, &qtype) || !kiln_view_u16(&v, &qclass) ||
	    qtype != DNS_T_AXFR)
		return false;
	bool allowed = false;
	for (unsigned i = 0; i < c->naxfr_allow; i++)
		allowed = allowed || c->axfr_allow[i] == client;
	const struct dns_zone *z = NULL;
	for (unsigned i = 0; i < c->nzones; i++)
		if (dns_name_equal(&c->zones[i]->apex, &qname))
			z = c->zones[i];
	if (!allowed || !z)
		return false;
	st->axfr++;
	const uint8_t *question = query + DNS_HEADER_LEN;
	size_t qlen = (size_t)(v.p - question);
	struct xfr t;
	t.id = h.id;
	t.emit = emit;
	t.arg = arg;
	t.ok = true;
	uint8_t *buf = malloc(AXFR_MSG);
	if (!buf)
		return false;
	dns_writer_init(&t.w, buf, AXFR_MSG);
	xfr_start(&t, question, qlen);
	const struct dns_node *apex = z->apex_node;
	const struct dns_rr *soa = dns_node_first(apex, DNS_T_SOA);
	xfr_rr(&t, question, qlen, &apex->name, soa);
	for (const struct dns_node *nd = z->first; nd; nd = nd->order)
		for (unsigned i = 0; i < nd->nrr; i++)
			if (nd->rrs[i].type != DNS_T_SOA)
				xfr_rr(&t, question, qlen, &nd->name,
				       &nd->rrs[i]);
	xfr_rr(&t, question, qlen, &apex->name, soa);
	xfr_flush(&t);
	free(buf);
	return true;
}
