/*
 * fuzz/hostopt.c - the host option parser (host/hostopt.c) on arbitrary
 * command lines: the input is split at NUL bytes into argv words.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../host/hostopt.h"

#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A NUL-terminated private copy, so every word is a C string. */
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *argv[MAX_WORDS + 1];
	int argc = 0;
	for (size_t i = 0; i <= size && argc < MAX_WORDS;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;

	static struct host_options o;
	host_options_init(&o);
	char err[128];
	for (int i = 0; i < argc;) {
		err[0] = '\0';
		int used = host_option(&o, argc, argv, i, err, sizeof(err));
		if (used < 0) {
			/* An error always says something, in bounds. */
			if (err[0] == '\0' || strlen(err) >= sizeof(err))
				abort();
			break;
		}
		i += used ? used : 1;
	}
	if (o.n_net > HOST_MAX_NETS || o.n_block > HOST_MAX_BLOCKS ||
	    o.mem % 4096 != 0 || o.mem < HOST_MEM_MIN - 4096 ||
	    o.mem > HOST_MEM_MAX)
		abort();
	for (unsigned i = 0; i < o.n_net; i++) {
		const struct host_net_opt *n = &o.net[i];
		if (n->kind == HOST_NET_TAP &&
		    (n->ifname[0] == '\0' ||
		     strnlen(n->ifname, sizeof(n->ifname)) > HOST_IFNAME_MAX))
			abort();
		if (n->n_hostfwd > HOST_MAX_HOSTFWDS)
			abort();
		for (unsigned k = 0; k < n->n_hostfwd; k++)
			if (n->hostfwd[k].host_port == 0 ||
			    n->hostfwd[k].guest_port == 0)
				abort();
	}
	for (unsigned i = 0; i < o.n_block; i++)
		if (o.block[i].path == NULL || o.block[i].path[0] == '\0')
			abort();

	uint64_t v;
	for (int i = 0; i < argc; i++)
		host_parse_size(argv[i], &v);
	free(buf);
	return 0;
}
