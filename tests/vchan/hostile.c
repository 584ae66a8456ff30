/*
 * tests/vchan/hostile.c - a vchan peer that breaks the protocol, for the
 * tests of a Kiln unikernel's side (unix or hvt). It joins (or creates)
 * the --vchan link at PATH through host/vchan_link.c, as a Kiln process
 * would, and then writes garbage where a peer may write.
 *
 *   hostile PATH PEER MODE [PORT]
 *
 * Client modes (PEER's server listens on PORT, "echo" by default): it
 * connects like a client, then
 *   prod      sets its write index two rings ahead of the server's
 *   back      sends 100 bytes, then moves its write index back
 *   cons      moves its read index past the server's write index
 *   live      writes 9 into its live byte
 *   junk      keeps overwriting the control page with random bytes
 * and waits (5 s at most) for the server to give up on the channel (its
 * live byte goes to 0): exit 0 when it does, 1 when not.
 *
 * Server modes (a Kiln client connects to PORT on this side):
 *   orders    a control page with a ring order of 25
 *   grants    a grant list that runs into the in-page ring
 *   indices   a write index more than a ring ahead from the start
 * It publishes the page and stays 10 s (or until a client marks itself
 * up), then exits 0.
 */
#include "../../host/usernet.h"
#include "../../host/vchan_link.h"
#include "../../lib/vchan/layout.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct host_vchan links;
static struct host_pollset ps;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One round of the link: ring what is marked, wait up to ms. */
static void spin(int ms)
{
	host_pollset_clear(&ps);
	host_vchan_poll_fill(&links, &ps);
	int r = poll(ps.fds, ps.n, ms);
	host_vchan_poll_done(&links, &ps, r);
}

static uint32_t *u32(uint8_t *page, size_t off)
{
	return (uint32_t *)(page + off);
}

static int client(const char *peer, const char *port, const char *mode)
{
	unsigned chan;
	uint32_t first;
	double end = now() + 10;
	while (host_vchan_find(&links, peer, port, &chan, &first) !=
	       HOST_VCHAN_OK) {
		if (now() > end) {
			fprintf(stderr, "hostile: no server at %s\n", port);
			return 1;
		}
		spin(20);
	}
	uint8_t *page = links.link[0].window + (uint64_t)first * 4096;
	struct vchan_geometry g;
	uint32_t refs[1024];
	const char *why;
	if (!vchan_header_parse(kiln_view_make(page, 4096), &g, refs, 1024,
	                        &why)) {
		fprintf(stderr, "hostile: server page: %s\n", why);
		return 1;
	}
	/* Connect like a client... */
	page[VCHAN_OFF_SRV_NOTIFY] = VCHAN_NOTIFY_WRITE;
	page[VCHAN_OFF_CLI_LIVE] = VCHAN_LIVE_UP;
	host_vchan_notify(&links, chan);
	spin(50);
	uint32_t lsize = 1u << g.left_order;
	/* ... then break it. */
	if (strcmp(mode, "prod") == 0) {
		*u32(page, VCHAN_OFF_LEFT_PROD) =
		        *u32(page, VCHAN_OFF_LEFT_CONS) + 2 * lsize;
	} else if (strcmp(mode, "back") == 0) {
		*u32(page, VCHAN_OFF_LEFT_PROD) += 100;
		host_vchan_notify(&links, chan);
		spin(300);
		*u32(page, VCHAN_OFF_LEFT_PROD) -= 50;
	} else if (strcmp(mode, "cons") == 0) {
		*u32(page, VCHAN_OFF_RIGHT_CONS) =
		        *u32(page, VCHAN_OFF_RIGHT_PROD) + 10;
	} else if (strcmp(mode, "live") == 0) {
		page[VCHAN_OFF_CLI_LIVE] = 9;
	} else if (strcmp(mode, "junk") != 0) {
		fprintf(stderr, "hostile: unknown mode %s\n", mode);
		return 2;
	}
	end = now() + 5;
	while (now() < end) {
		if (strcmp(mode, "junk") == 0)
			for (int i = 0; i < 24; i++)
				if (i != VCHAN_OFF_SRV_LIVE)
					page[i] = (uint8_t)random();
		host_vchan_notify(&links, chan);
		spin(5);
		if (page[VCHAN_OFF_SRV_LIVE] == VCHAN_LIVE_GONE) {
			printf("hostile: the server closed the channel\n");
			return 0;
		}
	}
	printf("hostile: the server kept the channel open\n");
	return 1;
}

static int server(const char *peer, const char *port, const char *mode)
{
	struct vchan_geometry g;
	uint32_t refs[64];
	unsigned chan;
	uint32_t first;
	vchan_geometry_choose(1024, 2048, &g); /* both rings in the page */
	if (host_vchan_offer(&links, peer, 1, &chan, &first) != HOST_VCHAN_OK) {
		fprintf(stderr, "hostile: cannot offer\n");
		return 1;
	}
	uint8_t *page = links.link[0].window + (uint64_t)first * 4096;
	vchan_header_init(page, &g, refs);
	if (strcmp(mode, "orders") == 0) {
		page[VCHAN_OFF_LEFT_ORDER] = 25;
	} else if (strcmp(mode, "grants") == 0) {
		/* A ring at offset 1024 and 256 grants from offset 24. */
		page[VCHAN_OFF_LEFT_ORDER] = 10;
		page[VCHAN_OFF_RIGHT_ORDER] = 20;
	} else if (strcmp(mode, "indices") == 0) {
		*u32(page, VCHAN_OFF_RIGHT_PROD) = 5000; /* 2 KiB ring */
	} else {
		fprintf(stderr, "hostile: unknown mode %s\n", mode);
		return 2;
	}
	if (host_vchan_publish(&links, chan, port) != HOST_VCHAN_OK) {
		fprintf(stderr, "hostile: cannot publish\n");
		return 1;
	}
	double end = now() + 10;
	while (now() < end && page[VCHAN_OFF_CLI_LIVE] == VCHAN_LIVE_WAITING)
		spin(50);
	printf("hostile: client live byte %u\n", page[VCHAN_OFF_CLI_LIVE]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: hostile PATH PEER MODE [PORT]\n");
		return 2;
	}
	struct host_vchan_opt o;
	memset(&o, 0, sizeof(o));
	snprintf(o.peer, sizeof(o.peer), "%s", argv[2]);
	snprintf(o.path, sizeof(o.path), "%s", argv[1]);
	o.window = HOST_VCHAN_WINDOW_DEFAULT;
	char err[256];
	if (host_vchan_setup(&links, &o, 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "hostile: %s\n", err);
		return 1;
	}
	srandom(1);
	const char *port = argc == 5 ? argv[4] : "echo";
	const char *mode = argv[3];
	bool srv = strcmp(mode, "orders") == 0 || strcmp(mode, "grants") == 0 ||
	           strcmp(mode, "indices") == 0;
	int rc =
	        srv ? server(argv[2], port, mode) : client(argv[2], port, mode);
	host_vchan_shutdown(&links);
	return rc;
}
