/*
 * echo - the echo service (RFC 862) on TCP and UDP, plus a counters port.
 *
 * TCP: one fiber per connection, reading and writing back until the peer
 * closes. UDP: every datagram is sent back to where it came from. UDP on
 * the stats port (8 by default): any datagram is answered with the
 * network counters as "name value" lines, so tests and operators can see
 * what the stack dropped and why. The counters are also printed when the
 * unikernel exits.
 *
 * Boot arguments: --port=N (7), --stats-port=N (8), --max-conns=N (256),
 * the network's (--ipv4=ADDR/PREFIX, --ipv4-gateway=ADDR; DHCP
 * otherwise; --net-buffers=N) and TCP's (--tcp-sndbuf=N, --tcp-rcvbuf=N,
 * ...).
 */
#include <kiln/net.h>
#include <kiln/rt.h>
#include <stdio.h>
#include <string.h>

#define ECHO "echo"
#define TCP_BUF 8192
#define UDP_BUF 65536

static struct {
	uint64_t tcp_conns, tcp_bytes, tcp_active;
	uint64_t udp_datagrams, udp_bytes, stats_requests;
} stats;

static uint64_t max_conns = 256;

static void print_stats(void *arg)
{
	(void)arg;
	kiln_printf("echo: tcp_conns %llu tcp_bytes %llu udp_datagrams %llu "
	            "udp_bytes %llu\n",
	            (unsigned long long)stats.tcp_conns,
	            (unsigned long long)stats.tcp_bytes,
	            (unsigned long long)stats.udp_datagrams,
	            (unsigned long long)stats.udp_bytes);
	net_print_counters();
}

static void tcp_echo_conn(void *arg)
{
	struct tcp_conn *c = arg;
	char buf[TCP_BUF];
	for (;;) {
		long n = tcp_read(c, buf, sizeof(buf), KILN_NEVER);
		if (n <= 0)
			break;
		if (tcp_write(c, buf, (size_t)n, KILN_NEVER) != n)
			break;
		stats.tcp_bytes += (uint64_t)n;
	}
	tcp_close(c);
	stats.tcp_active--;
}

static void udp_echo(void *arg)
{
	struct udp_sock *s = arg;
	static char buf[UDP_BUF];
	for (;;) {
		net_ipv4 src;
		uint16_t sport;
		long n = udp_recvfrom(s, buf, sizeof(buf), &src, &sport,
		                      KILN_NEVER);
		if (n < 0)
			continue;
		if ((size_t)n > sizeof(buf))
			n = sizeof(buf);
		if (udp_sendto(s, src, sport, buf, (size_t)n) == n) {
			stats.udp_datagrams++;
			stats.udp_bytes += (uint64_t)n;
		}
	}
}

static void udp_stats(void *arg)
{
	struct udp_sock *s = arg;
	static char text[4096];
	char req[64];
	for (;;) {
		net_ipv4 src;
		uint16_t sport;
		if (udp_recvfrom(s, req, sizeof(req), &src, &sport,
		                 KILN_NEVER) < 0)
			continue;
		stats.stats_requests++;
		int n = snprintf(
		        text, sizeof(text),
		        "echo_tcp_conns %llu\necho_tcp_bytes %llu\n"
		        "echo_udp_datagrams %llu\necho_udp_bytes %llu\n",
		        (unsigned long long)stats.tcp_conns,
		        (unsigned long long)stats.tcp_bytes,
		        (unsigned long long)stats.udp_datagrams,
		        (unsigned long long)stats.udp_bytes);
		size_t len = (size_t)n;
		struct kiln_loop_stats ls;
		kiln_loop_stats(&ls);
		n = snprintf(text + len, sizeof(text) - len,
		             "loop_turns %llu\nloop_yields %llu\n",
		             (unsigned long long)ls.turns,
		             (unsigned long long)ls.yields);
		len += (size_t)n;
		len += net_format_counters(text + len, sizeof(text) - len,
		                           true);
		udp_sendto(s, src, sport, text, len);
	}
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t port = 7, stats_port = 8;
	if (!kiln_arg_uint("--port", 1, 65535, &port) ||
	    !kiln_arg_uint("--stats-port", 1, 65535, &stats_port) ||
	    !kiln_arg_uint("--max-conns", 1, 100000, &max_conns))
		return 2;

	if (tcp_configure_from_args() != 0)
		return 2;
	int err = net_start(NULL, kiln_now() + KILN_SEC(60));
	kiln_args_check();
	if (err) {
		kiln_printf("echo: network: %s\n", kiln_strerror(err));
		return 1;
	}
	kiln_at_exit(print_stats, NULL);

	struct udp_sock *us = udp_bind(0, (uint16_t)port, &err);
	struct udp_sock *ss = udp_bind(0, (uint16_t)stats_port, &err);
	struct tcp_listener *l = tcp_listen(0, (uint16_t)port, 64, &err);
	if (!us || !ss || !l) {
		kiln_printf("echo: cannot bind port %u: %s\n", (unsigned)port,
		            kiln_strerror(err));
		return 1;
	}
	if (!kiln_fiber_spawn("udp-echo", udp_echo, us, 0) ||
	    !kiln_fiber_spawn("udp-stats", udp_stats, ss, 0)) {
		kiln_puts("echo: out of memory for fibers");
		return 1;
	}
	char a[16];
	kiln_printf("echo: serving tcp and udp on %s port %u (stats on udp "
	            "port %u)\n",
	            net_ipv4_format(net_local_address(), a), (unsigned)port,
	            (unsigned)stats_port);

	for (;;) {
		struct tcp_conn *c = tcp_accept(l, KILN_NEVER, &err);
		if (!c)
			continue;
		if (stats.tcp_active >= max_conns ||
		    !kiln_fiber_spawn("tcp-echo", tcp_echo_conn, c, 0)) {
			tcp_abort(c);
			continue;
		}
		stats.tcp_conns++;
		stats.tcp_active++;
	}
}
