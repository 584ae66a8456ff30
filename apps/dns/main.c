/*
 * dns - an authoritative name server: the zones compiled into the image
 * (apps/dns/zones/NAME.zone, read at boot by the same parser kiln-zone
 * checked them with at build time), served on UDP and TCP.
 *
 * Boot arguments: --port=N (53), --edns-size=N (1232: the UDP payload
 * offered with EDNS), --axfr-allow=ADDR (the one address that may transfer the
 * zones, over TCP; none by default), --stats-port=N
 * (0 = off; any datagram there gets the counters as text), --cache-mib=N
 * (8: the answer cache's budget, 0 = none), and the network's
 * (--ipv4=ADDR/PREFIX, ...).
 */
#include <kiln/assets.h>
#include <kiln/dns.h>
#include <kiln/net.h>
#include <kiln/rt.h>
#include <stdio.h>
#include <string.h>

static struct dns_catalog catalog;
static struct dns_stats stats;

static void print_stats(void *arg)
{
	(void)arg;
	kiln_printf("dns: queries %llu udp %llu tcp %llu dropped %llu "
	            "formerr %llu refused %llu nxdomain %llu truncated %llu "
	            "cache hits %llu misses %llu\n",
	            (unsigned long long)stats.queries,
	            (unsigned long long)stats.udp,
	            (unsigned long long)stats.tcp,
	            (unsigned long long)stats.dropped,
	            (unsigned long long)stats.formerr,
	            (unsigned long long)stats.refused,
	            (unsigned long long)stats.nxdomain,
	            (unsigned long long)stats.truncated,
	            (unsigned long long)stats.cache_hits,
	            (unsigned long long)stats.cache_misses);
}

static void stats_fiber(void *arg)
{
	struct udp_sock *s = arg;
	static char text[1024];
	char req[64];
	for (;;) {
		net_ipv4 src;
		uint16_t sport;
		if (udp_recvfrom(s, req, sizeof(req), &src, &sport,
		                 KILN_NEVER) < 0)
			continue;
		int n = snprintf(
		        text, sizeof(text),
		        "dns_queries %llu\ndns_udp %llu\ndns_tcp %llu\n"
		        "dns_dropped %llu\ndns_formerr %llu\ndns_refused %llu\n"
		        "dns_notimp %llu\ndns_nxdomain %llu\ndns_nodata %llu\n"
		        "dns_referrals %llu\ndns_truncated %llu\ndns_edns "
		        "%llu\n"
		        "dns_badvers %llu\ndns_axfr %llu\ndns_any %llu\n"
		        "dns_tcp_conns %llu\ndns_tcp_timeouts %llu\n",
		        (unsigned long long)stats.queries,
		        (unsigned long long)stats.udp,
		        (unsigned long long)stats.tcp,
		        (unsigned long long)stats.dropped,
		        (unsigned long long)stats.formerr,
		        (unsigned long long)stats.refused,
		        (unsigned long long)stats.notimp,
		        (unsigned long long)stats.nxdomain,
		        (unsigned long long)stats.nodata,
		        (unsigned long long)stats.referrals,
		        (unsigned long long)stats.truncated,
		        (unsigned long long)stats.edns,
		        (unsigned long long)stats.badvers,
		        (unsigned long long)stats.axfr,
		        (unsigned long long)stats.any,
		        (unsigned long long)stats.tcp_conns,
		        (unsigned long long)stats.tcp_timeouts);
		udp_sendto(s, src, sport, text, (size_t)n);
	}
}

/* Every asset named NAME.zone is zone NAME. */
static int load_zones(void)
{
	char err[400];
	for (size_t i = 0; kiln_asset_at(&kiln_assets, i); i++) {
		const struct kiln_asset *a = kiln_asset_at(&kiln_assets, i);
		const char *base = strrchr(a->path, '/');
		base = base ? base + 1 : a->path;
		size_t bl = strlen(base);
		if (bl <= 5 || strcmp(base + bl - 5, ".zone") != 0 || bl > 260)
			continue;
		char origin[256];
		memcpy(origin, base, bl - 5);
		origin[bl - 5] = 0;
		struct dns_zone *z = dns_zone_parse(a->path + 1, origin,
		                                    (const char *)a->data,
		                                    a->size, err, sizeof(err));
		if (!z) {
			kiln_printf("dns: %s\n", err);
			return -1;
		}
		if (dns_catalog_add(&catalog, z) != DNS_OK) {
			kiln_printf("dns: %s: a second zone %s or too many "
			            "zones\n",
			            a->path + 1, origin);
			return -1;
		}
		kiln_printf("dns: zone %s: %zu records\n", origin,
		            dns_zone_records(z));
	}
	if (!catalog.nzones) {
		kiln_puts("dns: no zones (apps/dns/zones/NAME.zone)");
		return -1;
	}
	return 0;
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t port = 53, edns = 1232, stats_port = 0, cache_mib = 8;
	dns_catalog_init(&catalog);
	if (!kiln_arg_uint("--port", 1, 65535, &port) ||
	    !kiln_arg_uint("--edns-size", 512, 4096, &edns) ||
	    !kiln_arg_uint("--stats-port", 0, 65535, &stats_port) ||
	    !kiln_arg_uint("--cache-mib", 0, 4096, &cache_mib))
		return 2;
	catalog.edns_size = (uint16_t)edns;
	const char *allow = kiln_arg_string("--axfr-allow");
	if (allow) {
		net_ipv4 a;
		if (!net_ipv4_parse(allow, &a)) {
			kiln_printf("boot argument --axfr-allow: not an IPv4 "
			            "address: %s\n",
			            allow);
			return 2;
		}
		catalog.axfr_allow[catalog.naxfr_allow++] = a;
	}
	if (tcp_configure_from_args() != 0)
		return 2;
	int err = net_start(NULL, kiln_now() + KILN_SEC(60));
	kiln_args_check();
	if (err) {
		kiln_printf("dns: network: %s\n", kiln_strerror(err));
		return 1;
	}
	if (load_zones() != 0)
		return 1;
	kiln_at_exit(print_stats, NULL);
	struct dns_server_config cfg = {
	        .port = (uint16_t)port,
	        .cache_bytes = (size_t)cache_mib << 20,
	};
	err = dns_serve(&catalog, &cfg, &stats);
	if (err) {
		kiln_printf("dns: cannot serve on port %u: %s\n",
		            (unsigned)port, kiln_strerror(err));
		return 1;
	}
	if (stats_port) {
		struct udp_sock *s = udp_bind(0, (uint16_t)stats_port, &err);
		if (!s || !kiln_fiber_spawn("dns-stats", stats_fiber, s, 0)) {
			kiln_puts("dns: cannot serve the counters");
			return 1;
		}
	}
	char a[16];
	kiln_printf("dns: serving %u zone%s on %s port %u (udp and tcp)\n",
	            catalog.nzones, catalog.nzones == 1 ? "" : "s",
	            net_ipv4_format(net_local_address(), a), (unsigned)port);
	for (;;)
		kiln_sleep(KILN_SEC(3600));
}
