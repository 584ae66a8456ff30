/*
 * sockapp - checks the UDP socket calls that need the real runtime:
 * deadlines park and wake on time, closing a socket wakes a fiber parked
 * on it, ports are exclusive and ephemeral ones are handed out, a
 * datagram sent to ourselves through the peer comes back... Prints
 * "ok NAME" or "bad NAME: why" per check and exits 0 when all passed.
 */
#include <kiln/net.h>
#include <kiln/rt.h>

static int bad;

static void check(bool ok, const char *name, const char *why)
{
	if (ok) {
		kiln_printf("ok %s\n", name);
	} else {
		kiln_printf("bad %s: %s\n", name, why);
		bad++;
	}
}

struct parked {
	struct udp_sock *s;
	long result;
	bool done;
};

static void park(void *arg)
{
	struct parked *p = arg;
	char buf[16];
	p->result =
	        udp_recvfrom(p->s, buf, sizeof(buf), NULL, NULL, KILN_NEVER);
	p->done = true;
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int err = net_start(NULL, kiln_now() + KILN_SEC(10));
	kiln_args_check();
	if (err) {
		kiln_printf("bad net_start: %s\n", kiln_strerror(err));
		return 1;
	}

	/* A deadline: no traffic, back after ~100 ms with ETIMEDOUT. */
	struct udp_sock *s = udp_bind(0, 5000, &err);
	check(s != NULL, "bind", kiln_strerror(err));
	char buf[64];
	kiln_time t0 = kiln_now();
	long r = udp_recvfrom(s, buf, sizeof(buf), NULL, NULL,
	                      t0 + KILN_MSEC(100));
	kiln_time waited = kiln_now() - t0;
	check(r == -KILN_ETIMEDOUT && waited >= KILN_MSEC(100) &&
	              waited < KILN_MSEC(600),
	      "recvfrom deadline", "wrong result or timing");
	r = udp_recvfrom(s, buf, sizeof(buf), NULL, NULL, 0);
	check(r == -KILN_ETIMEDOUT, "recvfrom poll", "did not time out");
	check(udp_recv_nowait(s, buf, sizeof(buf), NULL, NULL) == -KILN_EAGAIN,
	      "recv_nowait empty", "not EAGAIN");

	/* Ports. */
	struct udp_sock *dup = udp_bind(0, 5000, &err);
	check(dup == NULL && err == -KILN_EADDRINUSE, "port in use",
	      "second bind succeeded");
	struct udp_sock *e1 = udp_bind(0, 0, &err);
	struct udp_sock *e2 = udp_bind(0, 0, &err);
	check(e1 && e2, "ephemeral ports", "bind failed");

	/* Too large for UDP. */
	static char big[70000];
	check(udp_sendto(e1, NET_IPV4(198, 18, 0, 1), 9, big, sizeof(big)) ==
	              -KILN_EMSGSIZE,
	      "datagram too large", "not EMSGSIZE");
	/* No route off-link without a gateway. */
	check(udp_sendto(e1, NET_IPV4(203, 0, 113, 1), 9, "x", 1) ==
	              -KILN_EHOSTUNREACH,
	      "no route", "not EHOSTUNREACH");

	/* Closing wakes a parked reader with ECLOSED. */
	struct parked p = {e2, 0, false};
	kiln_fiber_spawn("parked", park, &p, 0);
	kiln_sleep(KILN_MSEC(20));
	check(!p.done, "reader parks", "returned early");
	udp_close(e2);
	kiln_sleep(KILN_MSEC(20));
	check(p.done && p.result == -KILN_ECLOSED, "close wakes reader",
	      "reader not woken with ECLOSED");
	udp_close(e1);
	udp_close(s);

	/* The port is free again. */
	s = udp_bind(0, 5000, &err);
	check(s != NULL, "rebind after close", kiln_strerror(err));
	udp_close(s);
	net_print_counters();
	return bad ? 1 : 0;
}
