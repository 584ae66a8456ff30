/*
 * lib/net/tcp_syncookie.c - SYN cookies (RFC 4987 3.6).
 *
 * Once a listener's backlog is full (or always, for tests), a SYN is
 * answered with a SYN-ACK and nothing is kept: what the connection needs
 * later travels in the SYN-ACK's sequence number and timestamp, and comes
 * back in the peer's ACK.
 *
 * The initial sequence number is H1(tuple) + cookie, where H1 is a keyed
 * hash of the 4-tuple (it hides the cookie's layout) and the cookie is
 *
 *     bits 31-27  a time counter (kiln_now() / 64 s), modulo 32
 *     bits 26-24  the MSS, as an index into mss_table
 *     bits 23-0   a MAC: 24 bits of SipHash-2-4 (tcp_isn.c's key) over
 *                 the 4-tuple, the peer's ISN, the full counter, the MSS
 *                 index and the option bits below
 *
 * With timestamps in the SYN, the low 6 bits of the SYN-ACK's TSval carry
 * the peer's options as Linux does: bits 0-3 its window-scale shift (15:
 * none), bit 4 SACK-permitted, bit 5 zero. The peer echoes them in TSecr.
 * Without timestamps only the MSS survives: the SYN-ACK then offers
 * neither window scaling nor SACK. The option bits (and whether
 * timestamps were on) are under the MAC, so an altered TSecr fails like
 * an altered sequence number.
 *
 * An ACK to a listener with no connection is checked as a cookie while
 * cookies were sent in the last COOKIE_MAX_AGE + 1 periods (always in
 * "always" mode): the counter may be at most COOKIE_MAX_AGE periods old,
 * the MAC must match for the ISN ack - 1 and the peer ISN seq - 1. A good
 * one makes a connection in SYN-RECEIVED from what the cookie says, and
 * the ACK then completes the handshake as any other (tcp_input.c).
 */
#include "tcp_impl.h"

#include <string.h>

#define COOKIE_PERIOD KILN_SEC(64)
#define COOKIE_MAX_AGE 2 /* periods */

/* The MSS values a cookie can carry; the largest not above the peer's is
 * chosen. */
static const uint16_t mss_table[8] = {64,   536,  1220, 1300,
                                      1400, 1440, 1460, 8960};

#define OPT_NO_WSCALE 0x0f
#define OPT_SACK 0x10
#define OPT_MASK 0x3f
#define OPT_TS 0x40 /* under the MAC only: timestamps were agreed */

/* When the last cookie went out (0: never). */
static kiln_time last_sent;

uint32_t tcp_syncookie_counter(void)
{
	return (uint32_t)(kiln_now() / COOKIE_PERIOD);
}

static void put_tuple(uint8_t *t, net_ipv4 laddr, uint16_t lport,
                      net_ipv4 raddr, uint16_t rport)
{
	memcpy(t, &laddr, 4);
	memcpy(t + 4, &raddr, 4);
	memcpy(t + 8, &lport, 2);
	memcpy(t + 10, &rport, 2);
}

/* A keyed hash of the 4-tuple, kept apart from the other uses of the key
 * by its last byte. */
static uint32_t tuple_hash(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                           uint16_t rport, uint8_t tag)
{
	uint8_t t[13];
	put_tuple(t, laddr, lport, raddr, rport);
	t[12] = tag;
	return (uint32_t)tcp_keyed_hash(t, sizeof(t));
}

static uint32_t cookie_mac(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                           uint16_t rport, uint32_t peer_isn, uint32_t count,
                           unsigned mss_index, unsigned opts)
{
	uint8_t t[23];
	put_tuple(t, laddr, lport, raddr, rport);
	memcpy(t + 12, &peer_isn, 4);
	memcpy(t + 16, &count, 4);
	t[20] = (uint8_t)mss_index;
	t[21] = (uint8_t)opts;
	t[22] = 'C';
	return (uint32_t)tcp_keyed_hash(t, sizeof(t)) & 0xffffff;
}

uint32_t tcp_syncookie_make(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                            uint16_t rport, uint32_t peer_isn, uint32_t count,
                            unsigned mss_index, unsigned opts)
{
	uint32_t cookie = (count & 31u) << 27 | (mss_index & 7u) << 24 |
	                  cookie_mac(laddr, lport, raddr, rport, peer_isn,
	                             count, mss_index & 7u, opts);
	return tuple_hash(laddr, lport, raddr, rport, 'c') + cookie;
}

int tcp_syncookie_decode(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                         uint16_t rport, uint32_t isn, uint32_t peer_isn,
                         uint32_t now_count, unsigned opts)
{
	uint32_t cookie = isn - tuple_hash(laddr, lport, raddr, rport, 'c');
	uint32_t age = (now_count - (cookie >> 27)) & 31u;
	if (age > COOKIE_MAX_AGE)
		return -1;
	uint32_t count = now_count - age;
	unsigned mss_index = (cookie >> 24) & 7u;
	if ((cookie & 0xffffff) != cookie_mac(laddr, lport, raddr, rport,
	                                      peer_isn, count, mss_index, opts))
		return -1;
	return (int)mss_index;
}

unsigned tcp_syncookie_mss_index(uint16_t peer_mss)
{
	unsigned i = 7;
	while (i > 0 && mss_table[i] > peer_mss)
		i--;
	return i;
}

uint16_t tcp_syncookie_mss(unsigned mss_index)
{
	return mss_table[mss_index & 7u];
}

/* The timestamp offset of a connection made from a cookie: derived from
 * the tuple, since nothing was kept between the SYN-ACK and the ACK. */
static uint32_t cookie_ts_offset(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                                 uint16_t rport)
{
	return tuple_hash(laddr, lport, raddr, rport, 'T');
}

bool tcp_syncookie_wanted(const struct tcp_listener *l)
{
	switch (tcp_cfg.syncookies) {
	case TCP_SYNCOOKIES_OFF:
		return false;
	case TCP_SYNCOOKIES_ALWAYS:
		return true;
	default:
		return l->n_queued >= l->backlog;
	}
}

void tcp_syncookie_send(net_ipv4 laddr, net_ipv4 raddr,
                        const struct tcp_header *in)
{
	const struct tcp_options *o = &in->opt;
	uint16_t peer_mss =
	        o->has_mss && o->mss >= 64 ? o->mss : (o->has_mss ? 64 : 536);
	unsigned mss_index = tcp_syncookie_mss_index(peer_mss);
	bool ts = o->has_ts && tcp_cfg.timestamps;
	unsigned opts = OPT_NO_WSCALE;
	if (ts) {
		if (o->has_wscale && tcp_cfg.window_scaling)
			opts = o->wscale > TCP_WSCALE_MAX ? TCP_WSCALE_MAX
			                                  : o->wscale;
		if (o->sack_permitted && tcp_cfg.sack)
			opts |= OPT_SACK;
	}
	uint32_t peer_isn = in->seq;
	uint32_t isn = tcp_syncookie_make(laddr, in->dport, raddr, in->sport,
	                                  peer_isn, tcp_syncookie_counter(),
	                                  mss_index, opts | (ts ? OPT_TS : 0));

	struct tcp_header h;
	memset(&h, 0, sizeof(h));
	h.sport = in->dport;
	h.dport = in->sport;
	h.seq = isn;
	h.ack = peer_isn + 1;
	h.flags = TCP_SYN | TCP_ACK;
	h.window = tcp_cfg.rcvbuf > 65535 ? 65535 : (uint16_t)tcp_cfg.rcvbuf;
	h.opt.has_mss = true;
	h.opt.mss = tcp_local_mss();
	if (ts) {
		if ((opts & OPT_NO_WSCALE) != OPT_NO_WSCALE) {
			h.opt.has_wscale = true;
			h.opt.wscale = tcp_choose_wscale();
		}
		h.opt.sack_permitted = opts & OPT_SACK;
		/* Our clock with the option bits in its low 6 bits, never
		 * ahead of the clock the connection will use. */
		uint32_t now =
		        (uint32_t)(kiln_now() / KILN_MSEC(1)) +
		        cookie_ts_offset(laddr, in->dport, raddr, in->sport);
		uint32_t tsval = (now & ~(uint32_t)OPT_MASK) | opts;
		if (SEQ_GT(tsval, now))
			tsval -= OPT_MASK + 1;
		h.opt.has_ts = true;
		h.opt.ts_val = tsval;
		h.opt.ts_ecr = o->ts_val;
	}
	if (tcp_send_stateless(laddr, raddr, &h)) {
		net_counters.tcp_syncookies_sent++;
		last_sent = kiln_now();
		if (!last_sent)
			last_sent = 1;
	}
}

struct tcp_conn *tcp_syncookie_check(struct tcp_listener *l, net_ipv4 src,
                                     net_ipv4 dst, const struct tcp_header *h)
{
	if ((h->flags & (TCP_SYN | TCP_RST | TCP_ACK)) != TCP_ACK)
		return NULL;
	if (tcp_cfg.syncookies == TCP_SYNCOOKIES_OFF)
		return NULL;
	if (tcp_cfg.syncookies != TCP_SYNCOOKIES_ALWAYS &&
	    (!last_sent ||
	     kiln_now() - last_sent > (COOKIE_MAX_AGE + 1) * COOKIE_PERIOD))
		return NULL;

	bool ts = h->opt.has_ts && tcp_cfg.timestamps;
	unsigned opts =
	        ts ? (h->opt.ts_ecr & OPT_MASK) | OPT_TS : OPT_NO_WSCALE;
	uint32_t isn = h->ack - 1, peer_isn = h->seq - 1;
	int mss_index =
	        tcp_syncookie_decode(dst, h->dport, src, h->sport, isn,
	                             peer_isn, tcp_syncookie_counter(), opts);
	if (mss_index < 0) {
		net_counters.tcp_syncookies_failed++;
		return NULL;
	}
	/* What the cookie says must be something we could have sent. */
	unsigned ws = opts & OPT_NO_WSCALE;
	if ((opts & 0x20) || (ws != OPT_NO_WSCALE && ws > TCP_WSCALE_MAX)) {
		net_counters.tcp_syncookies_failed++;
		return NULL;
	}
	/* The accept queue must have room (the SYN queue has none, or the
	 * cookie would not have been sent). */
	unsigned ready = 0;
	for (struct tcp_conn *r = l->ready_head; r; r = r->qnext)
		ready++;
	if (ready >= l->backlog) {
		net_counters.tcp_syn_backlog_drops++;
		net_counters.rx_dropped++;
		return NULL;
	}
	struct tcp_conn *c = tcp_conn_alloc();
	if (!c) {
		tcp_stats.conn_limit_drops++;
		net_counters.rx_dropped++;
		return NULL;
	}
	net_counters.tcp_syncookies_ok++;
	net_counters.tcp_passive_opens++;
	tcp_passive_queue(c, l, src, dst, h);

	c->irs = peer_isn;
	c->rcv_nxt = peer_isn + 1;
	c->iss = isn;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->snd_wl1 = peer_isn;
	uint32_t w = c->rcv.size > 65535 ? 65535 : c->rcv.size;
	c->rcv_adv = c->rcv_nxt + w;
	c->last_ack_sent = c->rcv_nxt;
	c->peer_mss = tcp_syncookie_mss((unsigned)mss_index);
	if (ts) {
		c->flags |= TF_TS;
		c->ts_offset = cookie_ts_offset(dst, h->dport, src, h->sport);
		c->ts_recent = h->opt.ts_val;
		c->ts_recent_age = kiln_now();
		if (ws != OPT_NO_WSCALE) {
			c->flags |= TF_WSCALE;
			c->snd_wscale = (uint8_t)ws;
			c->rcv_wscale = tcp_choose_wscale();
		}
		if (opts & OPT_SACK)
			c->flags |= TF_SACK;
	} else {
		c->ts_offset = tcp_random32();
	}
	tcp_set_smss(c);
	/* No RTT sample from the handshake: the SYN-ACK's time was not
	 * kept. */
	c->rtt_start = 0;
	tcp_hash_insert(c);
	return c;
}
