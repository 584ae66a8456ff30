/*
 * tests/dns/unit.c - lib/dns on the host: names and compression, the
 * master-file parser's errors (FILE:LINE), the answer engine's rules, and
 * hostile messages (compression loops, pointers past the end, labels over
 * 63, names over 255, counts that lie, 10,000 random datagrams): each is
 * dropped or answered FORMERR, never a crash (built with ASan/UBSan).
 */
#include <kiln/dns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL: %s:%d: %s\n", __FILE__, __LINE__,        \
			       #cond);                                         \
			failures++;                                            \
		}                                                              \
	} while (0)

static const char zone_text[] = "$TTL 300\n"
                                "@ IN SOA ns hostmaster ( 1 2 3 4 60 )\n"
                                "  IN NS ns\n"
                                "ns IN A 198.18.0.1\n"
                                "www IN A 198.18.0.2\n"
                                "*.w IN A 198.18.0.3\n"
                                "loop1 IN CNAME loop2\n"
                                "loop2 IN CNAME loop1\n"
                                "v6 IN AAAA ::ffff:198.18.0.4\n"
                                "v6b IN AAAA 2001:db8:0:0:1::\n";

static struct dns_catalog cat;
static struct dns_stats st;

/* A query for name (text, absolute) and type; returns its length. */
static size_t make_query(uint8_t *b, const char *name, uint16_t type)
{
	size_t o = 0;
	b[o++] = 0x12, b[o++] = 0x34, b[o++] = 0, b[o++] = 0;
	b[o++] = 0, b[o++] = 1;
	for (int i = 0; i < 6; i++)
		b[o++] = 0;
	const char *p = name;
	while (*p) {
		const char *d = strchr(p, '.');
		size_t l = (size_t)(d - p);
		b[o++] = (uint8_t)l;
		memcpy(b + o, p, l);
		o += l;
		p = d + 1;
	}
	b[o++] = 0;
	b[o++] = (uint8_t)(type >> 8), b[o++] = (uint8_t)type;
	b[o++] = 0, b[o++] = 1;
	return o;
}

static int rcode_of(const uint8_t *r, size_t n)
{
	return n >= 4 ? r[3] & 15 : -1;
}

static void test_zone_errors(void)
{
	struct {
		const char *text, *want;
	} cases[] = {
	        {"$TTL 1\n@ SOA a b 1 2 3 4 5\n@ NS a\nx A 1.2.3\n",
	         "t.zone:4: bad IPv4 address '1.2.3'"},
	        {"$TTL 1\n@ SOA a b 1 2 3 4 5\n@ NS a\nx FOO 1\n",
	         "t.zone:4: unknown or unsupported type 'FOO'"},
	        {"$TTL 1\n@ NS a\n@ SOA a b ( 1 2 3 4 5\n",
	         "t.zone:4: unbalanced parenthesis"},
	        {"$TTL 1\n@ SOA a b 1 2 3 4 5\n@ NS a\nx CNAME y\nx A "
	         "1.2.3.4\n",
	         "t.zone:5: CNAME and other data at the same name"},
	        {"$TTL 1\n@ SOA a b 1 2 3 4 5\n@ NS a\nx.example.org. A "
	         "1.2.3.4\n",
	         "t.zone:4: x.example.org. is outside the zone"},
	        {"$TTL 1\n@ NS a\n", "t.zone:3: no SOA record at the apex"},
	        {"$TTL 1\n@ SOA a b 1 2 3 4 5\n",
	         "t.zone:3: no NS records at the apex"},
	        {"@ SOA a b 1 2 3 4 5\n@ NS a\n$INCLUDE x\n",
	         "t.zone:3: $INCLUDE is not supported (one file per zone)"},
	        {"$TTL 1\n@ SOA a b 1 2 3 4 5\n@ NS a\n"
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	         "aaa"
	         " A 1.2.3.4\n",
	         "t.zone:4: label over 63 octets in "},
	        {"$TTL 1\n@ SOA a b 1 2 3 4 5\n@ NS a\nt TXT \"open\n",
	         "t.zone:4: newline inside a quoted string"},
	        {"$TTL 1\n@ SOA a b 1 2 3 4 5\n@ NS a\nv AAAA 1::2::3\n",
	         "t.zone:4: bad IPv6 address '1::2::3'"},
	        {"$TTL 1\n@ SOA a b 1 2 3 4 5\n@ NS a\nm MX 70000 x\n",
	         "t.zone:4: bad preference"},
	};
	char err[400];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		struct dns_zone *z =
		        dns_zone_parse("t.zone", "example.com", cases[i].text,
		                       strlen(cases[i].text), err, sizeof(err));
		CHECK(z == NULL);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0) {
			printf("FAIL: zone case %zu: got '%s', want '%s'\n", i,
			       err, cases[i].want);
			failures++;
		}
		dns_zone_free(z);
	}
}

static void test_answers(void)
{
	uint8_t q[512], r[65535];
	size_t n = make_query(q, "www.example.com.", DNS_T_A);
	size_t rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rn > n && rcode_of(r, rn) == DNS_R_NOERROR && (r[2] & 4));
	n = make_query(q, "nope.example.com.", DNS_T_A);
	rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rcode_of(r, rn) == DNS_R_NXDOMAIN && r[9] == 1);
	n = make_query(q, "x.w.example.com.", DNS_T_A);
	rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rcode_of(r, rn) == DNS_R_NOERROR && r[7] == 1);
	n = make_query(q, "www.example.org.", DNS_T_A);
	rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rcode_of(r, rn) == DNS_R_REFUSED && !(r[2] & 4));
	/* A CNAME loop ends after MAX_CHAIN steps with an answer. */
	n = make_query(q, "loop1.example.com.", DNS_T_A);
	rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rcode_of(r, rn) == DNS_R_NOERROR && r[7] >= 2);
	n = make_query(q, "example.com.", DNS_T_AXFR);
	rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_TCP, 0, &st);
	CHECK(rcode_of(r, rn) == DNS_R_REFUSED);
	/* Case: the question comes back as asked. */
	n = make_query(q, "WwW.ExAmPlE.CoM.", DNS_T_A);
	rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rn > n && memcmp(r + 12, q + 12, n - 12) == 0);
	/* A response is never answered; opcode 2 is NOTIMP. */
	q[2] = 0x80;
	CHECK(dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st) == 0);
	q[2] = 0x10;
	rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rcode_of(r, rn) == DNS_R_NOTIMP);
	q[2] = 0;
	/* EDNS version 1: BADVERS (extended rcode 1 in the OPT TTL). */
	size_t m = n;
	q[11] = 1;
	uint8_t opt[] = {0, 0, 41, 4, 0, 0, 1, 0, 0, 0, 0};
	memcpy(q + m, opt, sizeof(opt));
	m += sizeof(opt);
	rn = dns_answer(&cat, q, m, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rn >= 11 && r[rn - 6] == 1 && rcode_of(r, rn) == 0);
	/* Two OPT records: FORMERR. */
	q[11] = 2;
	opt[6] = 0;
	memcpy(q + m, opt, sizeof(opt));
	rn = dns_answer(&cat, q, m + sizeof(opt), r, sizeof(r), DNS_UDP, 0,
	                &st);
	CHECK(rcode_of(r, rn) == DNS_R_FORMERR);
}

/* Hostile names through dns_name_read and through the server. */
static void test_hostile(void)
{
	uint8_t r[4096];
	struct dns_name nm;
	/* a pointer to itself, a forward pointer, a mutual loop */
	uint8_t self[] = {0xC0, 0};
	struct kiln_view msg = kiln_view_make(self, sizeof(self)), v = msg;
	CHECK(dns_name_read(&msg, &v, &nm) == DNS_E_POINTER);
	uint8_t fwd[] = {0xC0, 2, 0};
	msg = kiln_view_make(fwd, sizeof(fwd)), v = msg;
	CHECK(dns_name_read(&msg, &v, &nm) == DNS_E_POINTER);
	uint8_t loop[] = {1, 'a', 0xC0, 4, 1, 'b', 0xC0, 0};
	msg = kiln_view_make(loop, sizeof(loop));
	kiln_view_sub(&msg, 4, 4, &v);
	CHECK(dns_name_read(&msg, &v, &nm) == DNS_E_POINTER);
	uint8_t past[] = {1, 'a', 0xC0, 200};
	msg = kiln_view_make(past, sizeof(past)), v = msg;
	CHECK(dns_name_read(&msg, &v, &nm) == DNS_E_POINTER);
	uint8_t longlabel[70] = {64};
	msg = kiln_view_make(longlabel, sizeof(longlabel)), v = msg;
	CHECK(dns_name_read(&msg, &v, &nm) == DNS_E_LABEL);
	uint8_t ext[] = {0x41, 0};
	msg = kiln_view_make(ext, sizeof(ext)), v = msg;
	CHECK(dns_name_read(&msg, &v, &nm) == DNS_E_LABEL);
	/* a name over 255 octets: 5 labels of 63 */
	uint8_t big[5 * 64 + 1];
	for (int i = 0; i < 5; i++) {
		big[i * 64] = 63;
		memset(big + i * 64 + 1, 'x', 63);
	}
	big[320] = 0;
	msg = kiln_view_make(big, sizeof(big)), v = msg;
	CHECK(dns_name_read(&msg, &v, &nm) == DNS_E_NAMELEN);
	/* backward pointers chained (each strictly earlier) are fine, after
	 * a header's 12 bytes */
	uint8_t chain[] = {0, 0,   0, 0, 0,   0,    0,  0, 0,   0,    0, 0,
	                   1, 'a', 0, 1, 'b', 0xC0, 12, 1, 'c', 0xC0, 15};
	msg = kiln_view_make(chain, sizeof(chain));
	kiln_view_sub(&msg, 19, 4, &v);
	CHECK(dns_name_read(&msg, &v, &nm) == DNS_OK && nm.nlabels == 3 &&
	      v.len == 0);
	/* a pointer into the header: no name is there (and the name would
	 * hold the message's id) */
	uint8_t into_header[] = {2, 'i', 'd', 0, 0, 0,   0,    0,
	                         0, 0,   0,   0, 1, 'x', 0xC0, 0};
	msg = kiln_view_make(into_header, sizeof(into_header));
	kiln_view_sub(&msg, 12, 4, &v);
	CHECK(dns_name_read(&msg, &v, &nm) == DNS_E_POINTER);

	/* Whole queries that lie: counts beyond the data, a question whose
	 * name loops. Each gets FORMERR (or is dropped), never more. */
	uint8_t q[600];
	size_t n = make_query(q, "www.example.com.", DNS_T_A);
	q[7] = 5; /* five answers that are not there */
	size_t rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rcode_of(r, rn) == DNS_R_FORMERR);
	q[7] = 0;
	q[5] = 0; /* no question */
	rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rcode_of(r, rn) == DNS_R_FORMERR);
	q[5] = 1;
	q[12] = 0xC0, q[13] = 12; /* the question's name points at itself */
	rn = dns_answer(&cat, q, n, r, sizeof(r), DNS_UDP, 0, &st);
	CHECK(rcode_of(r, rn) == DNS_R_FORMERR);
	CHECK(dns_answer(&cat, q, 11, r, sizeof(r), DNS_UDP, 0, &st) == 0);

	/* 10,000 random datagrams, some starting from a valid query. */
	uint64_t before = st.queries;
	unsigned answered = 0, formerr = 0;
	srand(16);
	for (int i = 0; i < 10000; i++) {
		size_t len = (size_t)(rand() % 600);
		if (i % 2) {
			n = make_query(q, "a.w.example.com.", DNS_T_TXT);
			len = n + (size_t)(rand() % 40);
			for (int k = 0; k < 1 + rand() % 4; k++)
				q[rand() % (int)len] = (uint8_t)rand();
		} else {
			for (size_t k = 0; k < len; k++)
				q[k] = (uint8_t)rand();
		}
		rn = dns_answer(&cat, q, len, r, sizeof(r), DNS_UDP, 0, &st);
		CHECK(rn <= 512 || (rn <= 1232 && len > 12));
		if (rn) {
			answered++;
			formerr += rcode_of(r, rn) == DNS_R_FORMERR;
		}
	}
	CHECK(st.queries - before == 10000);
	printf("random: 10000 datagrams, %u answered (%u FORMERR), %llu "
	       "dropped in all\n",
	       answered, formerr, (unsigned long long)st.dropped);
}

static void test_writer(void)
{
	/* The second name points at the first, the third at a suffix. */
	uint8_t b[512];
	struct dns_writer w;
	dns_writer_init(&w, b, sizeof(b));
	for (int i = 0; i < 6; i++)
		dns_writer_u16(&w, 0); /* a header: names follow it */
	struct dns_name a = {17, 3, "\3www\7example\3com"},
	                c = {13, 2, "\7EXAMPLE\3com"};
	dns_writer_name(&w, &a, true);
	size_t one = w.len;
	dns_writer_name(&w, &a, true);
	CHECK(w.len == one + 2 && b[one] == 0xC0 && b[one + 1] == 12);
	dns_writer_name(&w, &c, true);
	CHECK(w.len == one + 4 && b[one + 3] == 16);
	struct kiln_view msg = kiln_view_make(b, w.len), v;
	kiln_view_sub(&msg, one + 2, 2, &v);
	struct dns_name out;
	CHECK(dns_name_read(&msg, &v, &out) == DNS_OK &&
	      dns_name_equal(&out, &c));
	char text[300];
	dns_name_format(&a, text, sizeof(text));
	CHECK(strcmp(text, "www.example.com.") == 0);
}

/* The answer cache gives dns_answer's bytes with the query's id, and the
 * same counters: names in several letter cases, every type, with and
 * without EDNS, over UDP and TCP, random datagrams; in a cache small
 * enough that slots are taken over, and in one that grows (doubling from
 * 256 slots) while the answers are asked. */
static void test_cache(size_t bytes)
{
	struct dns_cache *k = dns_cache_new(bytes);
	CHECK(k != NULL);
	if (!k)
		return;
	struct dns_stats a = {0}, c = {0};
	static const char *names[] = {
	        "www.example.com.",   "WWW.example.COM.", "nope.example.com.",
	        "x.w.example.com.",   "X.W.Example.Com.", "www.example.org.",
	        "loop1.example.com.", "example.com.",     "EXAMPLE.com."};
	static const uint16_t types[] = {DNS_T_A,     DNS_T_NS,  DNS_T_SOA,
	                                 DNS_T_MX,    DNS_T_TXT, DNS_T_AAAA,
	                                 DNS_T_CNAME, DNS_T_ANY, 99};
	static uint8_t q[600], r1[65535], r2[65535];
	uint32_t seed = 7;
	unsigned asked = 0;
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			for (size_t t = 0; t < sizeof(types) / 2; t++)
				for (int mode = 0; mode < 3; mode++) {
					size_t n = make_query(q, names[i],
					                      types[t]);
					q[0] = (uint8_t)(round * 37 + t);
					q[1] = (uint8_t)i;
					if (mode == 1) { /* EDNS, 600 bytes */
						static const uint8_t opt[] = {
						        0, 0, 41, 2, 88, 0,
						        0, 0, 0,  0, 0};
						memcpy(q + n, opt, sizeof(opt));
						n += sizeof(opt);
						q[11] = 1;
					}
					enum dns_transport tr =
					        mode == 2 ? DNS_TCP : DNS_UDP;
					size_t cap =
					        tr == DNS_TCP ? 65535 : 4096;
					size_t n1 = dns_answer(&cat, q, n, r1,
					                       cap, tr, 0, &a);
					size_t n2 = dns_cache_answer(k, &cat, q,
					                             n, r2, cap,
					                             tr, 0, &c);
					CHECK(n1 == n2 &&
					      memcmp(r1, r2, n1) == 0);
					asked++;
				}
	for (int i = 0; i < 3000; i++) {
		size_t n = 12 + (seed = seed * 1103515245u + 12345u) % 60;
		for (size_t j = 0; j < n; j++)
			q[j] = (uint8_t)((seed = seed * 1103515245u + 12345u) >>
			                 16);
		if (i % 2)
			memcpy(q + 2, "\0\0\0\1\0\0\0\0\0\0", 10);
		for (int again = 0; again < 2; again++) {
			size_t n1 = dns_answer(&cat, q, n, r1, 4096, DNS_UDP, 0,
			                       &a);
			size_t n2 = dns_cache_answer(k, &cat, q, n, r2, 4096,
			                             DNS_UDP, 0, &c);
			CHECK(n1 == n2 && memcmp(r1, r2, n1) == 0);
		}
	}
	CHECK(c.cache_hits > 0 && c.cache_misses > 0);
	uint64_t hits = c.cache_hits;
	c.cache_hits = c.cache_misses = 0;
	CHECK(memcmp(&a, &c, sizeof(a)) == 0);
	printf("cache of %zu KiB: %u queries and 6000 random datagrams, the "
	       "same bytes and counters as without it (%llu hits)\n",
	       bytes >> 10, asked, (unsigned long long)hits);
	dns_cache_free(k);
}

int main(void)
{
	char err[400];
	dns_catalog_init(&cat);
	struct dns_zone *z =
	        dns_zone_parse("t.zone", "example.com", zone_text,
	                       sizeof(zone_text) - 1, err, sizeof(err));
	if (!z) {
		printf("FAIL: zone: %s\n", err);
		return 1;
	}
	CHECK(dns_catalog_add(&cat, z) == DNS_OK);
	CHECK(dns_zone_records(z) == 9);
	test_writer();
	test_zone_errors();
	test_answers();
	test_hostile();
	test_cache(64 * 256);
	test_cache(1 << 20);
	dns_zone_free(z);
	if (failures)
		return 1;
	printf("PASS: dns unit tests\n");
	return 0;
}
