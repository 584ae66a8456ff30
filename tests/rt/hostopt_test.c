/*
 * hostopt_test.c - host/hostopt.c parses what docs/building.md promises.
 * Prints "ok NAME" / "not ok NAME: why" lines.
 */
#include <stdio.h>
#include <string.h>

#include "../../host/hostopt.h"

static int failures;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond) {                                                    \
			printf("ok %s\n", name);                               \
		} else {                                                       \
			failures++;                                            \
			printf("not ok %s: %s\n", name, #cond);                \
		}                                                              \
	} while (0)

/* Parse a NULL-terminated word list; returns the last host_option result
 * and how many words it consumed. */
static int parse(struct host_options *o, char **argv, int *consumed, char *err)
{
	int argc = 0, r = 0;
	while (argv[argc])
		argc++;
	host_options_init(o);
	int i = 0;
	while (i < argc) {
		r = host_option(o, argc, argv, i, err, 200);
		if (r <= 0)
			break;
		i += r;
	}
	*consumed = i;
	return r;
}

int main(void)
{
	struct host_options o;
	char err[200];
	int used;

	char *a1[] = {"--mem",
	              "16M",
	              "--net",
	              "user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp::5353-"
	              "198.18.0.20:53",
	              "--net=tap,ifname=ktap0",
	              "--block",
	              "file=/tmp/disk.img",
	              "--block=file=b.img",
	              "--",
	              "boot",
	              NULL};
	int r = parse(&o, a1, &used, err);
	CHECK("stops at --", r == 0 && used == 8);
	CHECK("mem 16M", o.mem == 16u << 20);
	CHECK("two nets", o.n_net == 2);
	CHECK("net0 user",
	      o.net[0].kind == HOST_NET_USER && o.net[0].n_hostfwd == 2);
	CHECK("hostfwd tcp", !o.net[0].hostfwd[0].udp &&
	                             o.net[0].hostfwd[0].host_port == 8080 &&
	                             o.net[0].hostfwd[0].guest_port == 80 &&
	                             o.net[0].hostfwd[0].guest_addr == 0);
	CHECK("hostfwd udp",
	      o.net[0].hostfwd[1].udp &&
	              o.net[0].hostfwd[1].host_port == 5353 &&
	              o.net[0].hostfwd[1].guest_port == 53 &&
	              o.net[0].hostfwd[1].guest_addr == 0xC6120014u);
	CHECK("net1 tap", o.net[1].kind == HOST_NET_TAP &&
	                          strcmp(o.net[1].ifname, "ktap0") == 0);
	CHECK("blocks", o.n_block == 2 &&
	                        strcmp(o.block[0].path, "/tmp/disk.img") == 0 &&
	                        strcmp(o.block[1].path, "b.img") == 0);

	char *a2[] = {"--net", "user", NULL};
	r = parse(&o, a2, &used, err);
	CHECK("plain user", r == 2 && o.n_net == 1 && o.net[0].n_hostfwd == 0);
	CHECK("default mem", o.mem == 64u << 20);

	uint64_t v;
	CHECK("size 512K", host_parse_size("512K", &v) && v == 512u << 10);
	CHECK("size 1G", host_parse_size("1G", &v) && v == 1u << 30);
	CHECK("size 64MiB", host_parse_size("64MiB", &v) && v == 64u << 20);
	CHECK("size bytes", host_parse_size("1048576", &v) && v == 1048576);
	CHECK("size bad",
	      !host_parse_size("", &v) && !host_parse_size("M", &v) &&
	              !host_parse_size("12Q", &v) &&
	              !host_parse_size("-1M", &v) &&
	              !host_parse_size("99999999999999999999G", &v) &&
	              !host_parse_size("17179869184G", &v));

	struct {
		const char *a, *b, *msg;
	} bad[] = {
	        {"--net", "user,hostfwd=tcp:10.0.0.1:80-:80", "127.0.0.1 only"},
	        {"--net", "user,hostfwd=tcp:127.0.0.1:0-:80", "bad hostfwd"},
	        {"--net", "user,hostfwd=sctp::80-:80", "bad hostfwd"},
	        {"--net", "user,hostfwd=tcp::80-:", "bad hostfwd"},
	        {"--net", "user,hostfwd=tcp::80-1.2.3:80", "bad hostfwd"},
	        {"--net", "user,ifname=x", "unknown setting"},
	        {"--net", "tap,ifname=waytoolongname16", "bad ifname"},
	        {"--net", "tap,hostfwd=tcp::1-:1", "unknown setting"},
	        {"--block", "file=", "expected file=PATH"},
	        {"--mem", "100G", "outside"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *a[] = {(char *)bad[i].a, (char *)bad[i].b, NULL};
		char name[64];
		snprintf(name, sizeof(name), "rejects %s", bad[i].b);
		r = parse(&o, a, &used, err);
		CHECK(name, r == -1 && strstr(err, bad[i].msg) != NULL);
		if (r != -1 || !strstr(err, bad[i].msg))
			printf("  got: %s\n", err);
	}
	char *many[2 * HOST_MAX_NETS + 3];
	for (int i = 0; i <= HOST_MAX_NETS; i++) {
		many[2 * i] = "--net";
		many[2 * i + 1] = "user";
	}
	many[2 * HOST_MAX_NETS + 2] = NULL;
	r = parse(&o, many, &used, err);
	CHECK("too many nets", r == -1 && strstr(err, "at most"));
	return failures ? 1 : 0;
}
