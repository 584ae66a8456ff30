/*
 * lib/dns/server.c - the authoritative server on lib/net: one fiber
 * answering UDP datagrams, one accepting TCP connections, and a fiber per
 * connection that answers its queries in order (RFC 7766: pipelined
 * queries, two-octet length prefixes, idle timeout); answers through the
 * answer cache (cache.c) when the configuration gives it a budget.
 */
#include <kiln/dns.h>
#include <kiln/net.h>
#include <kiln/rt.h>
#include <stdlib.h>
#include <string.h>

#define UDP_IN 4096
#define UDP_OUT 4096
#define TCP_MSG 65535

static struct {
	const struct dns_catalog *c;
	struct dns_server_config cfg;
	struct dns_stats *st;
	struct dns_cache *cache;
	unsigned tcp_active;
} srv;

static void udp_fiber(void *arg)
{
	struct udp_sock *s = arg;
	static uint8_t in[UDP_IN], out[UDP_OUT];
	for (;;) {
		net_ipv4 src;
		uint16_t sport;
		long n = udp_recvfrom(s, in, sizeof(in), &src, &sport,
		                      KILN_NEVER);
		if (n < 0)
			continue;
		if ((size_t)n > sizeof(in)) {
			srv.st->dropped++; /* larger than any query */
			continue;
		}
		size_t r =
		        dns_cache_answer(srv.cache, srv.c, in, (size_t)n, out,
		                         sizeof(out), DNS_UDP, src, srv.st);
		if (r)
			udp_sendto(s, src, sport, out, r);
	}
}

struct conn {
	struct tcp_conn *tc;
	uint8_t in[TCP_MSG];
	uint8_t out[2 + TCP_MSG];
};

/* Read exactly len bytes; false at end of stream, error or deadline. */
static bool read_full(struct tcp_conn *c, uint8_t *buf, size_t len,
                      kiln_time deadline)
{
	while (len) {
		long n = tcp_read(c, buf, len, deadline);
		if (n <= 0) {
			if (n == -KILN_ETIMEDOUT)
				srv.st->tcp_timeouts++;
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static bool send_framed(const uint8_t *msg, size_t len, void *arg)
{
	struct conn *k = arg;
	uint8_t pre[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	kiln_time d = kiln_now() + (kiln_time)srv.cfg.idle_timeout;
	return tcp_write(k->tc, pre, 2, d) == 2 &&
	       tcp_write(k->tc, msg, len, d) == (long)len;
}

static void tcp_fiber(void *arg)
{
	struct conn *k = arg;
	net_ipv4 peer;
	uint16_t pport;
	tcp_peer(k->tc, &peer, &pport);
	for (;;) {
		uint8_t pre[2];
		kiln_time d = kiln_now() + (kiln_time)srv.cfg.idle_timeout;
		if (!read_full(k->tc, pre, 2, d))
			break;
		size_t len = (size_t)pre[0] << 8 | pre[1];
		if (!read_full(k->tc, k->in, len, d))
			break;
		if (dns_axfr(srv.c, k->in, len, peer, send_framed, k, srv.st))
			continue;
		size_t r = dns_cache_answer(srv.cache, srv.c, k->in, len,
		                            k->out + 2, TCP_MSG, DNS_TCP, peer,
		                            srv.st);
		if (!r)
			break; /* unreadable: nothing sensible to say */
		k->out[0] = (uint8_t)(r >> 8);
		k->out[1] = (uint8_t)r;
		if (tcp_write(k->tc, k->out, r + 2, d) != (long)(r + 2))
			break;
	}
	tcp_close(k->tc);
	free(k);
	srv.tcp_active--;
}

static void accept_fiber(void *arg)
{
	struct tcp_listener *l = arg;
	for (;;) {
		int err;
		struct tcp_conn *c = tcp_accept(l, KILN_NEVER, &err);
		if (!c)
			continue;
		struct conn *k = NULL;
		if (srv.tcp_active < srv.cfg.max_tcp)
			k = malloc(sizeof(*k));
		if (!k) {
			tcp_abort(c);
			continue;
		}
		k->tc = c;
		tcp_set_nodelay(c, true);
		if (!kiln_fiber_spawn("dns-tcp", tcp_fiber, k, 0)) {
			free(k);
			tcp_abort(c);
			continue;
		}
		srv.tcp_active++;
		srv.st->tcp_conns++;
	}
}

int dns_serve(const struct dns_catalog *c, const struct dns_server_config *cfg,
              struct dns_stats *st)
{
	int err = 0;
	srv.c = c;
	srv.cfg = *cfg;
	if (!srv.cfg.max_tcp)
		srv.cfg.max_tcp = 64;
	if (!srv.cfg.idle_timeout)
		srv.cfg.idle_timeout = (uint64_t)KILN_SEC(10);
	srv.st = st;
	if (cfg->cache_bytes && !(srv.cache = dns_cache_new(cfg->cache_bytes)))
		return -KILN_ENOMEM;
	struct udp_sock *us = udp_bind(0, cfg->port, &err);
	if (!us)
		return err;
	struct tcp_listener *l = tcp_listen(0, cfg->port, 64, &err);
	if (!l)
		return err;
	if (!kiln_fiber_spawn("dns-udp", udp_fiber, us, 0) ||
	    !kiln_fiber_spawn("dns-accept", accept_fiber, l, 0))
		return -KILN_ENOMEM;
	return 0;
}
