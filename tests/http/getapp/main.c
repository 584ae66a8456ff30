/*
 * httpget - GET each URL (plain boot-argument words) with http_get() and
 * print one line per URL:
 *   get URL: STATUS LENGTH CONTENT-TYPE HASH     or     get URL: error NAME
 * Boot arguments: --body-cap=N (bytes, default 262144) and the network's.
 */
#include <kiln/http.h>
#include <kiln/net.h>
#include <kiln/rt.h>
#include <stdlib.h>

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t cap = 256 * 1024;
	if (!kiln_arg_uint("--body-cap", 0, 16 << 20, &cap))
		return 2;
	const char *urls[16];
	unsigned n = 0;
	while (n < 16 && (urls[n] = kiln_arg_word(n)) != NULL)
		n++;
	int err = net_start(NULL, kiln_now() + KILN_SEC(20));
	kiln_args_check();
	if (err) {
		kiln_printf("httpget: network: %s\n", kiln_strerror(err));
		return 1;
	}
	uint8_t *body = malloc(cap ? cap : 1);
	if (!body)
		return 1;
	for (unsigned i = 0; i < n; i++) {
		struct http_client_response r;
		int rc = http_get(urls[i], body, cap, &r,
		                  kiln_now() + KILN_SEC(10));
		if (rc < 0)
			kiln_printf("get %s: error %s\n", urls[i],
			            kiln_strerror(rc));
		else
			kiln_printf("get %s: %u %zu %s %08x\n", urls[i],
			            r.status, r.body_len,
			            r.content_type[0] ? r.content_type : "-",
			            (unsigned)fnv1a(r.body, r.body_len));
	}
	free(body);
	return 0;
}
