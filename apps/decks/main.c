/*
 * decks - a slide server: the decks and reveal.js are assets compiled
 * into the image (see kiln.app), served by lib/http's asset route.
 *
 * Boot arguments (http_app_init in include/kiln/http.h): --port=N (80),
 * --exit-after=SECS (end with status 0 after that long: for benchmarks,
 * so the host sees a clean exit), --stats-every=SECS (a line of
 * connection and heap figures that often, for tests and benchmarks; also
 * printed at exit), the server's (--http-log=on|off, --http-max-conns=N,
 * --http-idle-timeout=SECS, --http-header-timeout=SECS, ...) and the
 * network's (--ipv4=ADDR/PREFIX, --ipv4-gateway=ADDR; DHCP otherwise).
 */
#include <kiln/assets.h>
#include <kiln/http.h>

static struct http_app app;

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int st = http_app_init(&app, "decks", &kiln_assets);
	if (st)
		return st;
	return http_app_run(&app);
}
