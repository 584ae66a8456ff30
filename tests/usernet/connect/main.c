/*
 * connect - one TCP connection attempt through lib/net, for the
 * user-mode networking tests: `connect --to=A.B.C.D --to-port=N` takes an
 * address by DHCP, connects, and prints one line:
 *
 *   connect A.B.C.D:N: established|refused|timed out|error E after MS ms
 *
 * then exits 0 (2 on bad arguments, 1 if the network does not start).
 */
#include <kiln/net.h>
#include <kiln/rt.h>

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *to = kiln_arg_string("--to");
	uint64_t port = 0;
	net_ipv4 addr;
	if (!kiln_arg_uint("--to-port", 1, 65535, &port))
		return 2;
	if (tcp_configure_from_args() != 0)
		return 2;
	kiln_args_check();
	if (to == NULL || !net_ipv4_parse(to, &addr) || port == 0) {
		kiln_puts("usage: connect --to=A.B.C.D --to-port=N");
		return 2;
	}
	int err = net_start(NULL, kiln_now() + KILN_SEC(60));
	if (err != 0) {
		kiln_printf("connect: the network did not start (%d)\n", err);
		return 1;
	}
	kiln_time t0 = kiln_now();
	struct tcp_conn *c =
	        tcp_connect(addr, (uint16_t)port, t0 + KILN_SEC(10), &err);
	long ms = (long)((kiln_now() - t0) / 1000000);
	kiln_printf("connect %s:%u: ", to, (unsigned)port);
	if (c) {
		kiln_printf("established");
		tcp_abort(c);
	} else if (err == -KILN_ECONNREFUSED) {
		kiln_printf("refused");
	} else if (err == -KILN_ETIMEDOUT) {
		kiln_printf("timed out");
	} else {
		kiln_printf("error %d", err);
	}
	kiln_printf(" after %ld ms\n", ms);
	return 0;
}
