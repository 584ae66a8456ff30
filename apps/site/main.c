/*
 * site - Kiln's web site: every page, plot and deck is an asset compiled
 * into the image (made by prebuild.sh, see kiln.app), served by lib/http's
 * asset route.
 *
 * Boot arguments (http_app_init in include/kiln/http.h): --port=N (80),
 * --exit-after=SECS (end with status 0 after that long),
 * --stats-every=SECS, the server's (--http-log=on|off,
 * --http-max-conns=N, ...) and the network's (--ipv4=ADDR/PREFIX,
 * --ipv4-gateway=ADDR; DHCP otherwise).
 */
#include <kiln/assets.h>
#include <kiln/http.h>

static struct http_app app;

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int st = http_app_init(&app, "site", &kiln_assets);
	if (st)
		return st;
	return http_app_run(&app);
}
