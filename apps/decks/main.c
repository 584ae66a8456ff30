/*
 * decks - a slide server: the decks and reveal.js are assets compiled
 * into the image (see kiln.app); lib/http serves them.
 *
 * Boot arguments: --port=N (80), --exit-after=SECS (end with status 0
 * after that long: for benchmarks, so the host sees a clean exit),
 * --stats-every=SECS (a line of connection and heap figures that often,
 * for tests and benchmarks; also printed at exit), the server's
 * (--http-log=on|off, --http-max-conns=N, --http-idle-timeout=SECS,
 * --http-header-timeout=SECS, ...: include/kiln/http.h) and the network's
 * (--ipv4=ADDR/PREFIX, --ipv4-gateway=ADDR; DHCP otherwise).
 */
#include <kiln/assets.h>
#include <kiln/http.h>
#include <kiln/net.h>
#include <kiln/rt.h>

static struct http_config config;
static uint64_t exit_after, stats_every;

/* One line: the server's connections and the heap (in bytes). */
static void print_stats(void)
{
	struct http_stats h;
	struct kiln_mem_stats m;
	http_get_stats(&h);
	kiln_mem_stats(&m);
	kiln_printf("decks: stats conns=%u idle=%u reading=%u lingering=%u "
	            "max_conns=%u accepted=%llu requests=%llu shed_idle=%llu "
	            "shed_slow=%llu refused=%llu heap_size=%zu heap_in_use=%zu "
	            "heap_peak=%zu heap_largest_free=%zu alloc_failures=%llu\n",
	            h.conns, h.idle, h.reading, h.lingering, h.max_conns,
	            (unsigned long long)h.accepted,
	            (unsigned long long)h.requests,
	            (unsigned long long)h.shed_idle,
	            (unsigned long long)h.shed_slow,
	            (unsigned long long)h.refused, m.heap_size, m.in_use,
	            m.peak, m.largest_free, (unsigned long long)m.failures);
}

static void print_counters(void *arg)
{
	(void)arg;
	print_stats();
	net_print_counters();
}

static void stats_loop(void *arg)
{
	(void)arg;
	for (;;) {
		kiln_sleep(KILN_SEC((kiln_time)stats_every));
		print_stats();
	}
}

static void exit_later(void *arg)
{
	(void)arg;
	kiln_sleep(KILN_SEC((kiln_time)exit_after));
	kiln_printf("decks: exiting after %llu s\n",
	            (unsigned long long)exit_after);
	kiln_exit(0);
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t port = 80;
	http_config_default(&config, &kiln_assets);
	if (!kiln_arg_uint("--port", 1, 65535, &port) ||
	    !kiln_arg_uint("--exit-after", 1, 86400, &exit_after) ||
	    !kiln_arg_uint("--stats-every", 1, 3600, &stats_every) ||
	    !http_config_from_args(&config))
		return 2;
	int err = net_start(NULL, kiln_now() + KILN_SEC(30));
	kiln_args_check();
	if (err) {
		kiln_printf("decks: network: %s\n", kiln_strerror(err));
		return 1;
	}
	/* On a clean exit (--exit-after), say what the stack dropped. */
	kiln_at_exit(print_counters, NULL);
	if (exit_after && !kiln_fiber_spawn("exit-after", exit_later, NULL, 0))
		return 1;
	if (stats_every && !kiln_fiber_spawn("stats", stats_loop, NULL, 0))
		return 1;
	char addr[16];
	kiln_printf("decks: %zu assets, listening on %s port %u\n",
	            kiln_assets.count,
	            net_ipv4_format(net_local_address(), addr), (unsigned)port);
	err = http_serve(&config, (uint16_t)port);
	kiln_printf("decks: cannot serve on port %u: %s\n", (unsigned)port,
	            kiln_strerror(err));
	return 1;
}
