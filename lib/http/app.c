/*
 * lib/http/app.c - the start-up an asset server's kiln_main would
 * otherwise repeat: boot arguments, the network, the asset route, a
 * stats line, a timed exit, the server (see "apps" in
 * include/kiln/http.h).
 */
#include <kiln/http.h>
#include <kiln/net.h>
#include <kiln/rt.h>
#include <stdlib.h>
#include <string.h>

void http_app_print_stats(const struct http_app *app)
{
	struct http_stats h;
	struct kiln_mem_stats m;
	http_get_stats(&h);
	kiln_mem_stats(&m);
	kiln_printf("%s: stats conns=%u idle=%u reading=%u lingering=%u "
	            "max_conns=%u accepted=%llu requests=%llu shed_idle=%llu "
	            "shed_slow=%llu refused=%llu heap_size=%zu heap_in_use=%zu "
	            "heap_peak=%zu heap_largest_free=%zu alloc_failures=%llu\n",
	            app->name, h.conns, h.idle, h.reading, h.lingering,
	            h.max_conns, (unsigned long long)h.accepted,
	            (unsigned long long)h.requests,
	            (unsigned long long)h.shed_idle,
	            (unsigned long long)h.shed_slow,
	            (unsigned long long)h.refused, m.heap_size, m.in_use,
	            m.peak, m.largest_free, (unsigned long long)m.failures);
}

/* At exit: one summary line, or with --counters the stats line and every
 * non-zero counter of the network stack. */
static void print_counters(void *arg)
{
	const struct http_app *app = arg;
	if (app->counters) {
		http_app_print_stats(app);
		net_print_counters();
		return;
	}
	struct http_stats h;
	struct kiln_mem_stats m;
	static char buf[2048];
	http_get_stats(&h);
	kiln_mem_stats(&m);
	net_format_counters(buf, sizeof(buf), false);
	unsigned long long dropped = 0;
	for (char *l = buf; *l;) {
		char *nl = strchr(l, '\n');
		if (strncmp(l, "drop_", 5) == 0) {
			char *sp = strchr(l, ' ');
			if (sp && (!nl || sp < nl))
				dropped += strtoull(sp + 1, NULL, 10);
		}
		if (!nl)
			break;
		l = nl + 1;
	}
	kiln_printf("%s: %llu requests on %llu connections, heap peak %zu "
	            "bytes, %llu packets dropped (--counters for every "
	            "counter)\n",
	            app->name, (unsigned long long)h.requests,
	            (unsigned long long)h.accepted, m.peak, dropped);
}

static void stats_loop(void *arg)
{
	const struct http_app *app = arg;
	for (;;) {
		kiln_sleep(KILN_SEC((kiln_time)app->stats_every));
		http_app_print_stats(app);
	}
}

static void exit_later(void *arg)
{
	const struct http_app *app = arg;
	kiln_sleep(KILN_SEC((kiln_time)app->exit_after));
	kiln_printf("%s: exiting after %llu s\n", app->name,
	            (unsigned long long)app->exit_after);
	kiln_exit(0);
}

int http_app_init(struct http_app *app, const char *name,
                  const struct kiln_asset_table *assets)
{
	memset(app, 0, sizeof *app);
	app->name = name;
	app->assets = assets;
	uint64_t port = 80;
	http_config_default(&app->config, NULL);
	app->counters = kiln_arg_flag("--counters");
	if (!kiln_arg_uint("--port", 1, 65535, &port) ||
	    !kiln_arg_uint("--exit-after", 1, 86400, &app->exit_after) ||
	    !kiln_arg_uint("--stats-every", 1, 3600, &app->stats_every) ||
	    !http_config_from_args(&app->config))
		return 2;
	app->port = (uint16_t)port;
	if (assets) {
		int err = http_route_assets(&app->config, "/*", assets);
		if (err) {
			kiln_printf("%s: assets: %s\n", name,
			            kiln_strerror(err));
			return 1;
		}
	}
	return 0;
}

int http_app_run(struct http_app *app)
{
	int err = net_start(NULL, kiln_now() + KILN_SEC(30));
	kiln_args_check();
	if (err) {
		kiln_printf("%s: network: %s\n", app->name, kiln_strerror(err));
		return 1;
	}
	/* On a clean exit (--exit-after), say what the stack dropped. */
	kiln_at_exit(print_counters, app);
	if (app->exit_after &&
	    !kiln_fiber_spawn("exit-after", exit_later, app, 0))
		return 1;
	if (app->stats_every && !kiln_fiber_spawn("stats", stats_loop, app, 0))
		return 1;
	char addr[16];
	kiln_printf("%s: %zu assets, listening on %s port %u\n", app->name,
	            app->assets ? app->assets->count : 0,
	            net_ipv4_format(net_local_address(), addr),
	            (unsigned)app->port);
	err = http_serve(&app->config, app->port);
	kiln_printf("%s: cannot serve on port %u: %s\n", app->name,
	            (unsigned)app->port, kiln_strerror(err));
	return 1;
}
