/*
 * lib/net/tcp_cc.c - congestion control: how cwnd grows on ACKs and what
 * ssthresh becomes after a loss. Two controllers, chosen for all
 * connections by tcp_config.cc (--tcp-cc=cubic|newreno):
 *
 * - CUBIC (RFC 9438), the default: after a loss the window goes to
 *   beta = 0.7 of what it was and then follows
 *   W(t) = C (t - K)^3 + W_max (C = 0.4 segments/s^3, K the time to get
 *   back to W_max), with fast convergence (a W_max below the previous one
 *   is lowered further) and the Reno-friendly estimate
 *   W_est = W_est + alpha * acked / cwnd (alpha = 3 (1 - beta) / (1 +
 *   beta)) as a floor, so short paths behave as Reno and long fat ones
 *   fill in a few seconds.
 * - NewReno (RFC 5681): one segment per window of ACKed bytes in
 *   congestion avoidance, ssthresh = max(flight / 2, 2 segments).
 *
 * Both slow-start with RFC 3465's L = 2 (at most two segments per ACK,
 * as an ACK of every second segment allows). Integer arithmetic only:
 * windows in bytes, times in milliseconds.
 */
#include "tcp_impl.h"

#define CWND_MAX (1u << 30)

/* BBR (tcp_bbr.c) needs SACK; on other connections CUBIC stands in. */
static bool cubic(void)
{
	return tcp_cfg.cc == TCP_CC_CUBIC || tcp_cfg.cc == TCP_CC_BBR;
}

void tcp_cc_init(struct tcp_conn *c)
{
	c->rack.cc_epoch = 0;
	c->rack.cc_wmax = 0;
	c->rack.cc_west = 0;
}

/* The cube root of x, rounded down. */
static uint64_t icbrt(uint64_t x)
{
	uint64_t r = 0;
	for (int s = 63; s >= 0; s -= 3) {
		r <<= 1;
		uint64_t b = 3 * r * (r + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			r++;
		}
	}
	return r;
}

/* RFC 9438 4.2: W_cubic(t) in bytes, t in ms since the epoch. */
static uint64_t w_cubic(const struct tcp_conn *c, int64_t t_ms)
{
	const struct tcp_rack *r = &c->rack;
	int64_t d = t_ms - (int64_t)r->cc_k_ms;
	if (d > 100000)
		d = 100000;
	if (d < -100000)
		d = -100000;
	/* C = 0.4 segments/s^3: 0.4 * smss * d^3 / 10^9 bytes. */
	int64_t delta = 4 * (int64_t)c->smss * d * d / 1000 * d / 10000000;
	int64_t w = (int64_t)r->cc_origin + delta;
	return w < (int64_t)c->smss ? c->smss : (uint64_t)w;
}

static void cubic_ca(struct tcp_conn *c, uint32_t acked)
{
	struct tcp_rack *r = &c->rack;
	kiln_time now = kiln_now();
	if (!r->cc_epoch) {
		r->cc_epoch = now;
		if (c->cwnd < r->cc_wmax) {
			/* K = cbrt((W_max - cwnd) / C), in ms. */
			uint64_t x = (uint64_t)(r->cc_wmax - c->cwnd) *
			             2500000000ull / c->smss;
			r->cc_k_ms = (uint32_t)icbrt(x);
			r->cc_origin = r->cc_wmax;
		} else {
			r->cc_k_ms = 0;
			r->cc_origin = c->cwnd;
		}
		r->cc_west = c->cwnd;
	}
	kiln_time rtt = r->min_rtt ? r->min_rtt : c->srtt;
	int64_t t_ms = (int64_t)((now - r->cc_epoch + rtt) / KILN_MSEC(1));
	uint64_t target = w_cubic(c, t_ms);
	/* Reno-friendly region (4.3): alpha = 3 * 0.3 / 1.7 = 0.529. */
	r->cc_west += (uint32_t)((uint64_t)529 * acked * c->smss /
	                         (1000ull * c->cwnd));
	if (target > c->cwnd + c->cwnd / 2)
		target = c->cwnd + c->cwnd / 2;
	uint64_t grow = 0;
	if (target > c->cwnd) {
		uint64_t step = (target - c->cwnd) * acked / c->cwnd;
		grow = step;
	}
	uint32_t w = c->cwnd + (uint32_t)grow;
	if (r->cc_west > w)
		w = r->cc_west;
	c->cwnd = w;
}

void tcp_cc_ack(struct tcp_conn *c, uint32_t acked)
{
	if (c->cwnd < c->ssthresh) {
		uint32_t l = 2u * c->smss;
		c->cwnd += acked < l ? acked : l;
	} else if (cubic()) {
		cubic_ca(c, acked);
	} else {
		c->bytes_acked += acked;
		if (c->bytes_acked >= c->cwnd) {
			c->bytes_acked -= c->cwnd;
			c->cwnd += c->smss;
		}
	}
	if (c->cwnd > CWND_MAX)
		c->cwnd = CWND_MAX;
}

uint32_t tcp_cc_ssthresh(struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;
	uint32_t floor = 2u * c->smss;
	if (!cubic()) {
		uint32_t half = tcp_flight(c) / 2;
		return half > floor ? half : floor;
	}
	/* RFC 9438 4.6 (fast convergence) and 4.5 (beta = 0.7). */
	uint32_t w = c->cwnd;
	if (w < r->cc_wmax)
		r->cc_wmax = (uint32_t)((uint64_t)w * 17 / 20);
	else
		r->cc_wmax = w;
	r->cc_epoch = 0;
	uint32_t t = (uint32_t)((uint64_t)w * 7 / 10);
	return t > floor ? t : floor;
}

void tcp_cc_rto(struct tcp_conn *c)
{
	c->rack.cc_epoch = 0;
	c->bytes_acked = 0;
}
