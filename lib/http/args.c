/*
 * lib/http/args.c - the server's boot arguments (claimed through
 * kiln_arg_*, so that a mistyped one is reported by kiln_args_check).
 */
#include "server.h"

#include <kiln/http.h>
#include <string.h>

/* --NAME=SECS into *t (whole seconds, 1 to an hour). */
static bool arg_secs(const char *name, kiln_time *t)
{
	uint64_t v = (uint64_t)(*t / KILN_SEC(1));
	if (!kiln_arg_uint(name, 1, 3600, &v))
		return false;
	*t = KILN_SEC((kiln_time)v);
	return true;
}

bool http_config_from_args(struct http_config *cfg)
{
	const char *log = kiln_arg_string("--http-log");
	if (log) {
		if (strcmp(log, "on") == 0) {
			cfg->access_log = true;
		} else if (strcmp(log, "off") == 0) {
			cfg->access_log = false;
		} else {
			kiln_printf("boot argument --http-log: want on or off, "
			            "not %s\n",
			            log);
			return false;
		}
	}
	uint64_t v = cfg->max_conns;
	if (!kiln_arg_uint("--http-max-conns", 1, 1u << 20, &v))
		return false;
	cfg->max_conns = (unsigned)v;
	v = cfg->https_port;
	if (!kiln_arg_uint("--https-port", 1, 65535, &v))
		return false;
	cfg->https_port = (uint16_t)v;
	/* An image with lib/tls loads its credentials now, at start: that
	 * claims --tls-disk=DEVICE, and a disk that does not hold them ends
	 * the image (a line saying why) before anything is served. */
	if (tls_image_config)
		tls_image_config();
	return arg_secs("--http-idle-timeout", &cfg->idle_timeout) &&
	       arg_secs("--http-header-timeout", &cfg->header_timeout) &&
	       arg_secs("--http-send-timeout", &cfg->send_timeout) &&
	       arg_secs("--http-linger-timeout", &cfg->linger_timeout) &&
	       arg_secs("--http-linger-time", &cfg->linger_time);
}
