/*
 * lib/http/args.c - the server's boot arguments (claimed through
 * kiln_arg_*, so that a mistyped one is reported by kiln_args_check).
 */
#include <kiln/http.h>
#include <string.h>

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
	if (!kiln_arg_uint("--http-max-conns", 1, 100000, &v))
		return false;
	cfg->max_conns = (unsigned)v;
	v = (uint64_t)(cfg->idle_timeout / KILN_SEC(1));
	if (!kiln_arg_uint("--http-idle-timeout", 1, 3600, &v))
		return false;
	cfg->idle_timeout = KILN_SEC((kiln_time)v);
	v = (uint64_t)(cfg->header_timeout / KILN_SEC(1));
	if (!kiln_arg_uint("--http-header-timeout", 1, 3600, &v))
		return false;
	cfg->header_timeout = KILN_SEC((kiln_time)v);
	return true;
}
