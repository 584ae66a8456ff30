/*
 * vchan-echo - echo over vchan: for each peer named in --peers, a fiber
 * listens on the vchan port, echoes everything its client sends and,
 * when the client has gone, listens again. With --tcp-port=N (and a
 * network device) it also echoes TCP on port N, on the same loop.
 *
 * After each vchan client it prints one line: the bytes echoed, the
 * SHA-256 of what it received, and how the channel ended. A peer that
 * breaks the protocol or goes away ends only its own channel: the others,
 * and TCP, go on.
 *
 * Boot arguments:
 *   --peers=A[,B...]   the vchan peers to serve (required)
 *   --port=NAME        the vchan port (echo)
 *   --ring=BYTES       both ring sizes the server asks for (65536)
 *   --clients=N        exit 0 after N vchan clients in all (0: never)
 *   --tcp-port=N       also echo TCP on port N (with --ipv4=..., or DHCP)
 *   --no-hash          skip the SHA-256 (for benchmarks)
 */
#include "../../tool/assets/sha256.h"

#include <kiln/net.h>
#include <kiln/rt.h>
#include <kiln/vchan.h>
#include <stdlib.h>
#include <string.h>

#define APP "vchan-echo"
#define BUF 65536
#define MAX_PEERS 8

struct server {
	char peer[VCHAN_NAME_MAX + 1];
	uint8_t *buf; /* BUF bytes */
};

static const char *port = "echo";
static uint64_t ring = 65536, clients_max, clients_done;
static bool no_hash;
static struct server servers[MAX_PEERS];

static void hex(const uint8_t d[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[64] = '\0';
}

/* Echo one client; returns a word on how it ended. */
static const char *echo(struct vchan *v, uint8_t *b, uint64_t *bytes,
                        struct sha256 *sum)
{
	for (;;) {
		long n = vchan_read(v, b, BUF, KILN_NEVER);
		if (n == 0)
			return "closed by the peer";
		if (n < 0)
			return kiln_strerror((int)n);
		if (!no_hash)
			sha256_update(sum, b, (size_t)n);
		long w = vchan_write(v, b, (size_t)n, KILN_NEVER);
		if (w == -KILN_EPIPE)
			return "closed by the peer"; /* while the echo went */
		if (w != n)
			return w < 0 ? kiln_strerror((int)w) : "short write";
		*bytes += (uint64_t)n;
	}
}

static void serve(void *arg)
{
	struct server *s = arg;
	struct vchan_config cfg = {ring, ring};
	kiln_time backoff = 0;
	for (;;) {
		int err;
		/* A peer whose channels keep failing at once gets them
		 * more and more slowly (up to one in 5 s). */
		if (backoff)
			kiln_sleep(backoff);
		struct vchan *v = vchan_listen(s->peer, port, &cfg, &err);
		if (!v) {
			kiln_printf(APP ": peer %s: cannot listen on %s: %s\n",
			            s->peer, port, kiln_strerror(err));
			/* A target without shared memory will never have it. */
			if (err == -KILN_ENOSYS)
				kiln_exit(1);
			backoff = KILN_SEC(1);
			continue;
		}
		kiln_printf(APP ": peer %s: listening on %s\n", s->peer, port);
		err = vchan_accept(v, KILN_NEVER);
		if (err) {
			kiln_printf(APP ": peer %s: %s before a client came\n",
			            s->peer, kiln_strerror(err));
			vchan_close(v);
			backoff = backoff ? backoff * 2 : KILN_MSEC(100);
			if (backoff > KILN_SEC(5))
				backoff = KILN_SEC(5);
			continue;
		}
		backoff = 0;
		struct sha256 sum;
		uint64_t bytes = 0;
		uint8_t d[32];
		char h[65];
		sha256_init(&sum);
		const char *how = echo(v, s->buf, &bytes, &sum);
		sha256_final(&sum, d);
		hex(d, h);
		kiln_printf(APP ": peer %s: %llu bytes echoed, sha256 %s, %s\n",
		            s->peer, (unsigned long long)bytes, h, how);
		vchan_close(v);
		if (clients_max && ++clients_done >= clients_max) {
			struct vchan_totals t;
			vchan_get_totals(&t);
			kiln_printf(APP ": %llu clients, %llu protocol errors, "
			                "%llu peers gone\n",
			            (unsigned long long)clients_done,
			            (unsigned long long)t.protocol_errors,
			            (unsigned long long)t.peer_gone);
			kiln_exit(0);
		}
	}
}

static void tcp_conn(void *arg)
{
	struct tcp_conn *c = arg;
	static uint8_t buf[BUF];
	for (;;) {
		long n = tcp_read(c, buf, sizeof(buf), KILN_NEVER);
		if (n <= 0 || tcp_write(c, buf, (size_t)n, KILN_NEVER) != n)
			break;
	}
	tcp_close(c);
}

static void tcp_serve(void *arg)
{
	struct tcp_listener *l = arg;
	for (;;) {
		int err;
		struct tcp_conn *c = tcp_accept(l, KILN_NEVER, &err);
		if (c && !kiln_fiber_spawn("tcp-echo", tcp_conn, c, 0))
			tcp_abort(c);
	}
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t tcp_port = 0;
	const char *peers = kiln_arg_string("--peers");
	no_hash = kiln_arg_flag("--no-hash");
	const char *p = kiln_arg_string("--port");
	if (p)
		port = p;
	if (!kiln_arg_uint("--ring", 1024, VCHAN_RING_MAX, &ring) ||
	    !kiln_arg_uint("--clients", 0, 1000000, &clients_max) ||
	    !kiln_arg_uint("--tcp-port", 0, 65535, &tcp_port) ||
	    (tcp_port && tcp_configure_from_args() != 0))
		return 2;
	if (!peers || !*peers) {
		kiln_puts(APP ": give --peers=NAME[,NAME...]");
		return 2;
	}
	int err = 0;
	if (tcp_port)
		err = net_start(NULL, kiln_now() + KILN_SEC(60));
	kiln_args_check();
	if (err) {
		kiln_printf(APP ": network: %s\n", kiln_strerror(err));
		return 1;
	}
	if (tcp_port) {
		struct tcp_listener *l =
		        tcp_listen(0, (uint16_t)tcp_port, 16, &err);
		if (!l || !kiln_fiber_spawn("tcp-serve", tcp_serve, l, 0)) {
			kiln_printf(APP ": tcp port %u: %s\n",
			            (unsigned)tcp_port, kiln_strerror(err));
			return 1;
		}
		kiln_printf(APP ": echoing tcp on port %u\n",
		            (unsigned)tcp_port);
	}
	unsigned n = 0;
	for (const char *s = peers; *s && n < MAX_PEERS; n++) {
		size_t len = strcspn(s, ",");
		if (len == 0 || len > VCHAN_NAME_MAX) {
			kiln_printf(APP ": bad peer list '%s'\n", peers);
			return 2;
		}
		memcpy(servers[n].peer, s, len);
		servers[n].peer[len] = '\0';
		s += len + (s[len] == ',');
	}
	for (unsigned i = 0; i < n; i++) {
		servers[i].buf = malloc(BUF);
		if (!servers[i].buf ||
		    !kiln_fiber_spawn(servers[i].peer, serve, &servers[i], 0))
			return 1;
	}
	for (;;)
		kiln_sleep(KILN_SEC(3600));
}
