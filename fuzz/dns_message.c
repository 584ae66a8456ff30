/*
 * fuzz/dns_message.c - any datagram through the answer engine, over UDP
 * and TCP, against a small zone with a wildcard, a delegation and a CNAME
 * chain (and through the answer cache, which must give the same bytes);
 * and every name in it through dns_name_read.
 */
#include <kiln/dns.h>
#include <stdlib.h>
#include <string.h>

static const char zone[] =
        "$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n"
        "ns A 198.18.0.1\n@ MX 1 ns\nw CNAME v\nv CNAME ns\n"
        "*.x TXT \"a\" \"b\"\nsub NS ns.sub\nns.sub A 1.2.3.4\n"
        "_s._tcp SRV 1 2 3 ns\n";

static bool sink(const uint8_t *m, size_t n, void *arg)
{
	(void)m;
	(void)arg;
	return n > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_catalog cat;
	static struct dns_stats st;
	static uint8_t out[65535];
	if (!cat.nzones) {
		char err[300];
		dns_catalog_init(&cat);
		cat.axfr_allow[cat.naxfr_allow++] = 1;
		struct dns_zone *z =
		        dns_zone_parse("f.zone", "example.com", zone,
		                       sizeof(zone) - 1, err, sizeof(err));
		if (!z || dns_catalog_add(&cat, z) != DNS_OK)
			abort();
	}
	size_t n = dns_answer(&cat, data, size, out, 512, DNS_UDP, 0, &st);
	if (n > 512)
		abort();
	/* Through the answer cache (a small one: slots are shared), twice:
	 * the same bytes as the engine's. */
	static struct dns_cache *cache;
	static uint8_t cached[512];
	if (!cache && !(cache = dns_cache_new(16 * 256)))
		abort();
	for (int i = 0; i < 2; i++) {
		size_t m = dns_cache_answer(cache, &cat, data, size, cached,
		                            512, DNS_UDP, 0, &st);
		if (m != n || memcmp(cached, out, n) != 0)
			abort();
	}
	n = dns_answer(&cat, data, size, out, sizeof(out), DNS_TCP, 1, &st);
	dns_axfr(&cat, data, size, 1, sink, NULL, &st);
	/* Every offset as the start of a name. */
	struct kiln_view msg = kiln_view_make(data, size);
	for (size_t i = 0; i < size && i < 64; i++) {
		struct kiln_view v;
		struct dns_name nm;
		kiln_view_sub(&msg, i, size - i, &v);
		if (dns_name_read(&msg, &v, &nm) == DNS_OK && nm.len > 255)
			abort();
	}
	return 0;
}
