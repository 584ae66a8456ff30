/*
 * site - Kiln's web site: every page, plot and deck is an asset compiled
 * into the image (made by prebuild.sh, see kiln.app); lib/http serves them.
 *
 * Boot arguments: --port=N (80), --exit-after=SECS (end with status 0
 * after that long), the server's (--http-log=on|off, --http-max-conns=N,
 * ...: include/kiln/http.h) and the network's (--ipv4=ADDR/PREFIX,
 * --ipv4-gateway=ADDR; DHCP otherwise).
 */
#include <kiln/assets.h>
#include <kiln/http.h>
#include <kiln/net.h>
#include <kiln/rt.h>

static struct http_config config;
static uint64_t exit_after;

static void exit_later(void *arg)
{
	(void)arg;
	kiln_sleep(KILN_SEC((kiln_time)exit_after));
	kiln_printf("site: exiting after %llu s\n",
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
	    !http_config_from_args(&config))
		return 2;
	int err = net_start(NULL, kiln_now() + KILN_SEC(30));
	kiln_args_check();
	if (err) {
		kiln_printf("site: network: %s\n", kiln_strerror(err));
		return 1;
	}
	if (exit_after && !kiln_fiber_spawn("exit-after", exit_later, NULL, 0))
		return 1;
	char addr[16];
	kiln_printf("site: %zu assets, listening on %s port %u\n",
	            kiln_assets.count,
	            net_ipv4_format(net_local_address(), addr), (unsigned)port);
	err = http_serve(&config, (uint16_t)port);
	kiln_printf("site: cannot serve on port %u: %s\n", (unsigned)port,
	            kiln_strerror(err));
	return 1;
}
