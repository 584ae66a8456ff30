/*
 * lib/dns/answer.c - the authoritative answer: one query in, one response
 * out (RFC 1034 4.3.2's algorithm without recursion).
 *
 * The query is read on views: exactly one question, the other sections
 * skipped record by record, one OPT record at most (RFC 6891). Then the
 * zone whose apex is the longest suffix of the name is searched from the
 * apex down: a delegation on the way gives a referral, the exact name its
 * RRset (or NODATA with the SOA), a CNAME is followed inside the zone, a
 * missing name the wildcard at its closest encloser (RFC 4592) or
 * NXDOMAIN with the SOA. RRsets go into the response whole or not at all;
 * one that does not fit in the answer or authority section sets TC.
 */
#include "zone_data.h"
#include <string.h>

#define MAX_CHAIN 8  /* CNAMEs followed in one answer */
#define MAX_EXTRA 16 /* names whose addresses go in the additional section */

struct ctx {
	const struct dns_catalog *c;
	const struct dns_zone *z;
	struct dns_writer w;
	uint16_t counts[3]; /* answer, authority, additional */
	bool tc, aa;
	bool apex_ns;   /* the answer holds the apex NS RRset */
	bool left_zone; /* a CNAME pointed outside the zone */
	/* RRsets in the answer section, not repeated as additional data */
	const struct dns_node *ans_node[MAX_CHAIN + 2];
	uint16_t ans_type[MAX_CHAIN + 2];
	unsigned nans;
	uint8_t rcode;
	uint16_t qtype;
	struct dns_name extra[MAX_EXTRA];
	unsigned nextra;
	struct dns_stats *st;
};

enum { AN, NS, AR };

/* The rdata of rr with its names compressed where RFC 3597 allows (the
 * types of RFC 1035); SRV's target is written whole (RFC 2782). */
static void write_rdata(struct ctx *x, const struct dns_rr *rr)
{
	struct kiln_view v = kiln_view_make(rr->rdata, rr->rdlen);
	struct dns_name n;
	switch (rr->type) {
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		if (dns_name_read(&v, &v, &n) == DNS_OK)
			dns_writer_name(&x->w, &n, true);
		return;
	case DNS_T_MX:
		dns_writer_bytes(&x->w, rr->rdata, 2);
		kiln_view_skip(&v, 2);
		if (dns_name_read(&v, &v, &n) == DNS_OK)
			dns_writer_name(&x->w, &n, true);
		return;
	case DNS_T_SOA:
		for (int i = 0; i < 2; i++)
			if (dns_name_read(&v, &v, &n) == DNS_OK)
				dns_writer_name(&x->w, &n, true);
		dns_writer_bytes(&x->w, v.p, v.len);
		return;
	default:
		dns_writer_bytes(&x->w, rr->rdata, rr->rdlen);
	}
}

static void write_rr(struct ctx *x, const struct dns_name *owner,
                     const struct dns_rr *rr, uint32_t ttl)
{
	dns_writer_name(&x->w, owner, true);
	dns_writer_u16(&x->w, rr->type);
	dns_writer_u16(&x->w, DNS_CLASS_IN);
	dns_writer_u32(&x->w, ttl);
	size_t at = x->w.len;
	dns_writer_u16(&x->w, 0);
	size_t start = x->w.len;
	write_rdata(x, rr);
	dns_writer_put_u16(&x->w, at, (uint16_t)(x->w.len - start));
}

static void want_addresses(struct ctx *x, const struct dns_node *nd,
                           uint16_t type);

/* The RRset of type at nd, owned by owner, into section; all or none. */
static bool add_rrset_opt(struct ctx *x, int section,
                          const struct dns_name *owner,
                          const struct dns_node *nd, uint16_t type,
                          bool optional)
{
	if (x->tc && !optional)
		return false;
	struct dns_writer_mark m = dns_writer_mark(&x->w);
	uint16_t n = 0;
	for (unsigned i = 0; i < nd->nrr; i++)
		if (nd->rrs[i].type == type) {
			write_rr(x, owner, &nd->rrs[i], nd->rrs[i].ttl);
			n++;
		}
	if (x->w.overflow) {
		dns_writer_rollback(&x->w, m);
		if (!optional)
			x->tc = true;
		return false;
	}
	x->counts[section] = (uint16_t)(x->counts[section] + n);
	if (section == AN && nd == x->z->apex_node && type == DNS_T_NS)
		x->apex_ns = true;
	if (section == AN && x->nans < MAX_CHAIN + 2) {
		x->ans_node[x->nans] = nd;
		x->ans_type[x->nans++] = type;
	}
	return true;
}

/* An RRset the answer needs (TC when it does not fit), or one it may
 * leave out (the additional section, the authority of a positive
 * answer). */
static bool add_rrset(struct ctx *x, int section, const struct dns_name *owner,
                      const struct dns_node *nd, uint16_t type)
{
	return add_rrset_opt(x, section, owner, nd, type, section == AR);
}

/* A positive answer also names the zone's servers (authority) and their
 * addresses (additional) when they fit, as NSD and BIND do; not a minimal
 * ANY answer (RFC 8482: NSD leaves them out there too). */
static void add_apex_ns(struct ctx *x)
{
	if (x->apex_ns || x->left_zone || !x->aa || x->rcode != DNS_R_NOERROR ||
	    !x->counts[AN] || x->counts[NS] || x->tc || x->qtype == DNS_T_ANY)
		return;
	const struct dns_node *apex = x->z->apex_node;
	if (add_rrset_opt(x, NS, &apex->name, apex, DNS_T_NS, true))
		want_addresses(x, apex, DNS_T_NS);
}

/* The SOA for a negative answer, its TTL the lesser of its own and its
 * minimum field (RFC 2308 section 3). */
static void add_soa(struct ctx *x)
{
	const struct dns_node *apex = x->z->apex_node;
	const struct dns_rr *soa = dns_node_first(apex, DNS_T_SOA);
	if (x->tc)
		return;
	const uint8_t *m = soa->rdata + soa->rdlen - 4;
	uint32_t min = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
	               (uint32_t)m[2] << 8 | m[3];
	struct dns_writer_mark mk = dns_writer_mark(&x->w);
	write_rr(x, &apex->name, soa, soa->ttl < min ? soa->ttl : min);
	if (x->w.overflow) {
		dns_writer_rollback(&x->w, mk);
		x->tc = true;
		return;
	}
	x->counts[NS]++;
}

/* Remember the names in rdata whose addresses belong in the additional
 * section (NS, MX, SRV targets; RFC 1035 3.3, RFC 2782). */
static void want_addresses(struct ctx *x, const struct dns_node *nd,
                           uint16_t type)
{
	size_t skip = type == DNS_T_MX ? 2 : type == DNS_T_SRV ? 6 : 0;
	if (type != DNS_T_NS && type != DNS_T_MX && type != DNS_T_SRV)
		return;
	for (unsigned i = 0; i < nd->nrr; i++) {
		const struct dns_rr *rr = &nd->rrs[i];
		if (rr->type != type || x->nextra == MAX_EXTRA)
			continue;
		struct kiln_view v = kiln_view_make(rr->rdata, rr->rdlen);
		kiln_view_skip(&v, skip);
		struct dns_name n;
		if (dns_name_read(&v, &v, &n) != DNS_OK)
			continue;
		bool dup = false;
		for (unsigned k = 0; k < x->nextra; k++)
			dup = dup || dns_name_equal(&x->extra[k], &n);
		if (!dup)
			x->extra[x->nextra++] = n;
	}
}

static void add_additional(struct ctx *x)
{
	for (unsigned i = 0; i < x->nextra; i++) {
		const struct dns_node *nd = dns_zone_find(x->z, &x->extra[i]);
		if (!nd)
			continue;
		bool have_a = false, have_aaaa = false;
		for (unsigned k = 0; k < x->nans; k++)
			if (x->ans_node[k] == nd) {
				have_a |= x->ans_type[k] == DNS_T_A;
				have_aaaa |= x->ans_type[k] == DNS_T_AAAA;
			}
		if (!have_a)
			add_rrset(x, AR, &nd->name, nd, DNS_T_A);
		if (!have_aaaa)
			add_rrset(x, AR, &nd->name, nd, DNS_T_AAAA);
	}
}

static void referral(struct ctx *x, const struct dns_node *cut)
{
	x->aa = false;
	x->st->referrals++;
	add_rrset(x, NS, &cut->name, cut, DNS_T_NS);
	want_addresses(x, cut, DNS_T_NS);
}

static void resolve(struct ctx *x, const struct dns_name *qname, int depth);

/* The name exists (nd, or the wildcard that stands for it): its answer
 * with owner as the owner of what is synthesised. */
static void answer_node(struct ctx *x, const struct dns_name *owner,
                        const struct dns_node *nd, int depth)
{
	const struct dns_rr *cname = dns_node_first(nd, DNS_T_CNAME);
	if (cname && x->qtype != DNS_T_CNAME) {
		if (!add_rrset(x, AN, owner, nd, DNS_T_CNAME))
			return;
		if (x->qtype == DNS_T_ANY)
			return;
		struct kiln_view v = kiln_view_make(cname->rdata, cname->rdlen);
		struct dns_name target;
		if (dns_name_read(&v, &v, &target) != DNS_OK)
			return;
		/* Follow only inside this zone, and not forever. */
		if (!dns_name_is_below(&target, &x->z->apex))
			x->left_zone = true;
		else if (depth < MAX_CHAIN)
			resolve(x, &target, depth + 1);
		return;
	}
	if (x->qtype == DNS_T_ANY) {
		/* RFC 8482: one RRset stands for all of them. */
		x->st->any++;
		if (nd->nrr) {
			add_rrset(x, AN, owner, nd, nd->rrs[0].type);
			want_addresses(x, nd, nd->rrs[0].type);
			return;
		}
	} else if (dns_node_has(nd, x->qtype)) {
		add_rrset(x, AN, owner, nd, x->qtype);
		want_addresses(x, nd, x->qtype);
		return;
	}
	x->st->nodata++;
	x->rcode = DNS_R_NOERROR;
	add_soa(x);
}

static void resolve(struct ctx *x, const struct dns_name *qname, int depth)
{
	const struct dns_zone *z = x->z;
	const struct dns_node *nd = NULL, *ce = z->apex_node;
	struct dns_name name;
	x->rcode = DNS_R_NOERROR;
	/* Down from the apex: the first delegation point on the way wins
	 * (a DS question at the cut itself is the parent's to answer). */
	for (unsigned k = z->apex.nlabels; k <= qname->nlabels; k++) {
		dns_name_strip(qname, qname->nlabels - k, &name);
		nd = dns_zone_find(z, &name);
		if (!nd)
			break;
		ce = nd;
		if (k > z->apex.nlabels && dns_node_has(nd, DNS_T_NS) &&
		    !(k == qname->nlabels && x->qtype == 43 /* DS */)) {
			referral(x, nd);
			return;
		}
	}
	if (nd) {
		answer_node(x, qname, nd, depth);
		return;
	}
	/* The closest encloser ce exists; is there a wildcard below it? */
	struct dns_name wild;
	wild.wire[0] = 1;
	wild.wire[1] = '*';
	if (ce->name.len + 2 <= DNS_NAME_MAX) {
		memcpy(wild.wire + 2, ce->name.wire, ce->name.len);
		wild.len = (uint8_t)(ce->name.len + 2);
		wild.nlabels = (uint8_t)(ce->name.nlabels + 1);
		const struct dns_node *wn = dns_zone_find(z, &wild);
		if (wn) {
			answer_node(x, qname, wn, depth);
			return;
		}
	}
	x->st->nxdomain++;
	x->rcode = DNS_R_NXDOMAIN;
	add_soa(x);
}

/* The zone for qname: the one whose apex is its longest suffix. */
static const struct dns_zone *find_zone(const struct dns_catalog *c,
                                        const struct dns_name *qname)
{
	const struct dns_zone *best = NULL;
	for (unsigned i = 0; i < c->nzones; i++) {
		const struct dns_zone *z = c->zones[i];
		if (dns_name_is_below(qname, &z->apex) &&
		    (!best || z->apex.nlabels > best->apex.nlabels))
			best = z;
	}
	return best;
}

/* Skip one resource record of a query; false if malformed. */
static bool skip_rr(const struct kiln_view *msg, struct kiln_view *v,
                    struct dns_name *owner, uint16_t *type, uint16_t *class,
                    uint32_t *ttl, uint16_t *rdlen)
{
	if (dns_name_read(msg, v, owner) != DNS_OK)
		return false;
	kiln_view_u16(v, type);
	kiln_view_u16(v, class);
	kiln_view_u32(v, ttl);
	kiln_view_u16(v, rdlen);
	return kiln_view_skip(v, *rdlen);
}

struct query {
	struct dns_header h;
	struct dns_name qname;
	uint16_t qtype, qclass;
	bool question_ok; /* the question could be read */
	bool edns;
	uint16_t edns_size;
	uint8_t edns_version;
	bool edns_do;
};

/* Read the query; returns the rcode to answer with when it is bad
 * (FORMERR), else NOERROR. */
static int read_query(const uint8_t *buf, size_t len, struct query *q)
{
	struct kiln_view msg = kiln_view_make(buf, len);
	struct kiln_view v = msg;
	memset(q, 0, sizeof(*q));
	if (dns_header_read(&v, &q->h) != DNS_OK)
		return DNS_R_FORMERR;
	if (q->h.qdcount != 1)
		return DNS_R_FORMERR;
	if (dns_name_read(&msg, &v, &q->qname) != DNS_OK)
		return DNS_R_FORMERR;
	kiln_view_u16(&v, &q->qtype);
	if (!kiln_view_u16(&v, &q->qclass))
		return DNS_R_FORMERR;
	q->question_ok = true;
	unsigned others = (unsigned)q->h.ancount + q->h.nscount;
	for (unsigned i = 0; i < others + q->h.arcount; i++) {
		struct dns_name owner;
		uint16_t type, class, rdlen;
		uint32_t ttl;
		if (!skip_rr(&msg, &v, &owner, &type, &class, &ttl, &rdlen))
			return DNS_R_FORMERR;
		if (i < others || type != DNS_T_OPT)
			continue;
		if (q->edns || owner.len != 1)
			return DNS_R_FORMERR; /* RFC 6891 6.1.1 */
		q->edns = true;
		q->edns_size = class;
		q->edns_version = (uint8_t)(ttl >> 16);
		q->edns_do = (ttl & 0x8000) != 0;
	}
	if (v.len)
		return DNS_R_FORMERR; /* bytes after the last record */
	return DNS_R_NOERROR;
}

size_t dns_answer(const struct dns_catalog *c, const uint8_t *query, size_t len,
                  uint8_t *out, size_t cap, enum dns_transport transport,
                  uint32_t client, struct dns_stats *st)
{
	(void)client;
	struct query q;
	struct ctx x;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.st = st;
	st->queries++;
	if (transport == DNS_UDP)
		st->udp++;
	else
		st->tcp++;
	if (len < DNS_HEADER_LEN || cap < 512) {
		st->dropped++;
		return 0;
	}
	int rc = read_query(query, len, &q);
	if (q.h.flags & DNS_F_QR) {
		st->dropped++; /* never answer a response */
		return 0;
	}
	/* What the response may take: 512 over UDP without EDNS, else the
	 * client's size bounded by ours; the whole buffer over TCP. */
	size_t limit = 512;
	if (transport == DNS_TCP)
		limit = cap < 65535 ? cap : 65535;
	else if (rc == DNS_R_NOERROR && q.edns) {
		limit = q.edns_size < c->edns_size ? q.edns_size : c->edns_size;
		if (limit < 512)
			limit = 512;
		if (limit > cap)
			limit = cap;
	}
	size_t opt_len = (rc == DNS_R_NOERROR && q.edns) ? 11 : 0;
	dns_writer_init(&x.w, out, limit - opt_len);
	uint16_t opcode = (uint16_t)((q.h.flags >> 11) & 15);
	uint16_t flags =
	        (uint16_t)(DNS_F_QR |
	                   (q.h.flags & (0x7800 | DNS_F_RD | DNS_F_CD)));
	dns_writer_u16(&x.w, q.h.id);
	dns_writer_u16(&x.w, 0); /* flags, set at the end */
	dns_writer_u16(&x.w, q.question_ok ? 1 : 0);
	dns_writer_u16(&x.w, 0);
	dns_writer_u16(&x.w, 0);
	dns_writer_u16(&x.w, 0);
	if (q.question_ok) {
		dns_writer_name(&x.w, &q.qname, true);
		dns_writer_u16(&x.w, q.qtype);
		dns_writer_u16(&x.w, q.qclass);
	}
	uint8_t ext_rcode = 0;
	if (rc != DNS_R_NOERROR) {
		st->formerr++;
		x.rcode = (uint8_t)rc;
	} else if (opcode != 0) {
		st->notimp++;
		x.rcode = DNS_R_NOTIMP;
	} else if (q.edns && q.edns_version != 0) {
		st->badvers++;
		x.rcode = DNS_R_BADVERS & 15;
		ext_rcode = DNS_R_BADVERS >> 4;
	} else {
		if (q.edns)
			st->edns++;
		const struct dns_zone *z = find_zone(c, &q.qname);
		if (!z ||
		    (q.qclass != DNS_CLASS_IN && q.qclass != DNS_CLASS_ANY) ||
		    q.qtype == DNS_T_AXFR || q.qtype == DNS_T_IXFR) {
			/* Not ours, or a transfer (dns_axfr serves the
			 * allowed ones before this is called). */
			st->refused++;
			x.rcode = DNS_R_REFUSED;
		} else if (q.qtype == DNS_T_OPT ||
		           (q.qtype >= 128 && q.qtype <= 254)) {
			/* meta types other than ANY cannot be asked */
			st->formerr++;
			x.rcode = DNS_R_FORMERR;
		} else {
			x.z = z;
			x.aa = true;
			x.qtype = q.qtype;
			resolve(&x, &q.qname, 0);
			add_apex_ns(&x);
			add_additional(&x);
		}
	}
	if (x.w.overflow) {
		/* Not even the question fits: answer with the header. */
		dns_writer_rollback(&x.w, (struct dns_writer_mark){0, 0});
		x.w.len = DNS_HEADER_LEN;
		memset(x.counts, 0, sizeof(x.counts));
		dns_writer_put_u16(&x.w, 4, 0);
		x.tc = true;
	}
	if (x.tc)
		st->truncated++;
	/* The OPT record of the response (RFC 6891 6.1.3). */
	uint16_t arcount = x.counts[AR];
	if (opt_len) {
		x.w.cap += opt_len;
		dns_writer_u8(&x.w, 0);
		dns_writer_u16(&x.w, DNS_T_OPT);
		dns_writer_u16(&x.w, c->edns_size);
		dns_writer_u32(&x.w, (uint32_t)ext_rcode << 24 |
		                             (q.edns_do ? 0x8000u : 0));
		dns_writer_u16(&x.w, 0);
		arcount++;
	}
	flags = (uint16_t)(flags | (x.aa ? DNS_F_AA : 0) |
	                   (x.tc ? DNS_F_TC : 0) | (x.rcode & 15));
	dns_writer_put_u16(&x.w, 2, flags);
	dns_writer_put_u16(&x.w, 6, x.counts[AN]);
	dns_writer_put_u16(&x.w, 8, x.counts[NS]);
	dns_writer_put_u16(&x.w, 10, arcount);
	return x.w.len;
}

void dns_catalog_init(struct dns_catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->edns_size = 1232;
}

int dns_catalog_add(struct dns_catalog *c, struct dns_zone *z)
{
	if (c->nzones == DNS_MAX_ZONES)
		return DNS_E_FORMAT;
	for (unsigned i = 0; i < c->nzones; i++)
		if (dns_name_equal(&c->zones[i]->apex, &z->apex))
			return DNS_E_FORMAT;
	c->zones[c->nzones++] = z;
	return DNS_OK;
}
