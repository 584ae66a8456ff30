/*
 * decks - a slide server: the decks and reveal.js are assets compiled
 * into the image (see kiln.app), served by lib/http's asset route, and
 * the live-follow routes (follow.c).
 *
 * Boot arguments (http_app_init in include/kiln/http.h): --port=N (80),
 * --exit-after=SECS (end with status 0 after that long: for benchmarks,
 * so the host sees a clean exit), --stats-every=SECS (a line of
 * connection and heap figures that often, for tests and benchmarks; also
 * printed at exit; and a line of live-follow's figures), the server's
 * (--http-log=on|off, --http-max-conns=N, --http-idle-timeout=SECS,
 * --http-header-timeout=SECS, ...), the network's (--ipv4=ADDR/PREFIX,
 * --ipv4-gateway=ADDR; DHCP otherwise) and live-follow's
 * (--follow-max=N, --follow-heartbeat=SECS: follow.h).
 *
 * Live-follow: the presenter key printed at start opens a deck as its
 * presenter (/DECK/?presenter=KEY); every browser that opened it with
 * /DECK/?follow moves with the presenter's slides.
 */
#include "follow.h"

#include <kiln/assets.h>
#include <kiln/http.h>
#include <kiln/rt.h>

static struct http_app app;

static void follow_stats_loop(void *arg)
{
	(void)arg;
	for (;;) {
		kiln_sleep(KILN_SEC((kiln_time)app.stats_every));
		struct follow_stats f;
		follow_get_stats(&f);
		kiln_printf("decks: follow followers=%u followers_peak=%u "
		            "changes=%llu events=%llu coalesced=%llu "
		            "follow_refused=%llu bad_key=%llu ended=%llu\n",
		            f.followers, f.peak, (unsigned long long)f.changes,
		            (unsigned long long)f.events,
		            (unsigned long long)f.coalesced,
		            (unsigned long long)f.refused,
		            (unsigned long long)f.bad_key,
		            (unsigned long long)f.ended);
	}
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	char key[33];
	int st = http_app_init(&app, "decks", &kiln_assets);
	if (st)
		return st;
	if (!follow_setup(&app.config, &kiln_assets, key))
		return 2;
	if (app.stats_every &&
	    !kiln_fiber_spawn("follow-stats", follow_stats_loop, NULL, 0))
		return 1;
	kiln_printf("decks: presenter key %s (present: /DECK/?presenter=KEY, "
	            "follow: /DECK/?follow)%s\n",
	            key,
	            kiln_random_strong() ? "" : " - WEAK: no entropy source");
	return http_app_run(&app);
}
