/*
 * lib/net/tcp_bbr.c - BBR congestion control (v1, as described in
 * draft-cardwell-iccrg-bbr-congestion-control-00 and run by Linux's
 * tcp_bbr), chosen by --tcp-cc=bbr, on connections that agreed SACK.
 *
 * Loss-based controllers (CUBIC, NewReno) read every loss as a full
 * queue. On a path that drops packets at random - a bad radio link, the
 * loss-10% profile of tests/tcp - that keeps their window at a few
 * segments whatever the path could carry. BBR instead builds a model of
 * the path from what the ACKs say:
 *
 * - Delivery rate (draft-cheng-iccrg-delivery-rate-estimation): each
 *   transmission's record (struct tcp_segrec) notes how many bytes the
 *   connection had delivered when it left, and when; the ACK that
 *   delivers it gives a sample: the bytes delivered since, over the
 *   longer of the send and the ACK intervals. A sample taken while the
 *   application had nothing to send only counts if it raises the model.
 * - BtlBw: the largest sample of the last 10 round trips (a round ends
 *   when a segment sent after the round began is delivered).
 *   RTprop: the smallest RTT of the last 10 s.
 * - Window: 2 x BtlBw x RTprop plus three send quanta, plus what ACKs
 *   that come in bunches deliver beyond BtlBw (the largest excess of the
 *   last 5-10 rounds, at most 100 ms of BtlBw: a receiver's delayed ACKs,
 *   a path that holds some segments back - on tests/tcp's reorder
 *   profile 30% skip a 5 ms delay, so RTprop is 0.05 ms while ACKs come
 *   5 ms apart), at least 4 segments. Pacing: the rate is a gain
 *   times BtlBw, the gain cycling through 5/4, 3/4 and six 1s, one
 *   RTprop each (PROBE_BW), so the model keeps probing for more.
 * - STARTUP (gain 2/ln 2) until BtlBw stops growing by a quarter for
 *   three rounds, DRAIN (its inverse) until the flight is one BDP, then
 *   PROBE_BW; PROBE_RTT (4 segments for 200 ms and a round) when RTprop
 *   has not been seen for 10 s.
 * - Loss: recovery (RACK, tcp_rack.c) runs with packet conservation for
 *   its first round (the window is the flight plus what was delivered),
 *   then the model's window, less what was newly marked lost; the window
 *   before the episode comes back at its end. PRR is not used. A timeout
 *   restarts from one segment like the other controllers and restores
 *   the earlier window when the flight is recovered.
 * - Pacing: a segment leaves when its time comes at the pacing rate
 *   (t_pace wakes the sender); an idle sender may send up to 1 ms of the
 *   rate (at most PACE_BURST bytes) at once, as Linux's TSO sizing does.
 *
 * Integer arithmetic: rates in bytes per second, times in nanoseconds,
 * gains in 1/256.
 */
#include "tcp_impl.h"

#include <stdlib.h>

#define GAIN_UNIT 256
#define HIGH_GAIN 739 /* 2 / ln 2 = 2.885, in 1/256 */
#define DRAIN_GAIN 88 /* ln 2 / 2 */
#define CWND_GAIN 512
#define MIN_RTT_WINDOW KILN_SEC(10)
#define PROBE_RTT_TIME KILN_MSEC(200)
#define PACE_BURST (64u * 1024)
#define CYCLE_LEN 8
#define EXTRA_ACKED_ROUNDS 5
#define EXTRA_ACKED_MAX KILN_MSEC(100)

enum { STARTUP, DRAIN, PROBE_BW, PROBE_RTT };

static const uint16_t cycle_gain[CYCLE_LEN] = {320, 192, 256, 256,
                                               256, 256, 256, 256};

void tcp_bbr_init(struct tcp_conn *c)
{
	tcp_bbr_release(c);
	if (tcp_cfg.cc != TCP_CC_BBR || !tcp_rack_on(c))
		return;
	struct tcp_bbr *b = calloc(1, sizeof(*b));
	if (!b)
		return; /* CUBIC stands in (tcp_cc.c) */
	c->bbr = b;
	kiln_time now = kiln_now();
	b->delivered_at = b->first_sent = now;
	b->min_rtt = c->srtt;
	b->min_rtt_at = now;
	b->mode = STARTUP;
	b->next_round_delivered = 0;
	/* The rate until there is a sample: the initial window per RTT
	 * (1 ms when none is known), at the startup gain. */
	kiln_time rtt = c->srtt ? c->srtt : KILN_MSEC(1);
	b->pacing_rate = (uint64_t)c->cwnd * 1000000000ull / (uint64_t)rtt *
	                 HIGH_GAIN / GAIN_UNIT;
}

void tcp_bbr_release(struct tcp_conn *c)
{
	free(c->bbr);
	c->bbr = NULL;
}

void tcp_bbr_sent(struct tcp_conn *c, struct tcp_segrec *s, kiln_time now,
                  bool idle)
{
	struct tcp_bbr *b = c->bbr;
	if (!tcp_bbr_on(c))
		return;
	/* Nothing in flight: the intervals start afresh. */
	if (idle)
		b->first_sent = b->delivered_at = now;
	s->d_delivered = b->delivered;
	s->d_delivered_at = b->delivered_at;
	s->d_first_sent = b->first_sent;
	s->d_app_limited = b->app_limited != 0;
}

void tcp_bbr_delivered(struct tcp_conn *c, const struct tcp_segrec *s,
                       uint32_t len, kiln_time now)
{
	struct tcp_bbr *b = c->bbr;
	if (!tcp_bbr_on(c) || !len)
		return;
	b->delivered += len;
	b->delivered_at = now;
	/* The sample comes from the newest-sent segment delivered. */
	if (!b->rs_valid || s->xmit > b->rs_xmit ||
	    (s->xmit == b->rs_xmit && SEQ_GT(s->end, b->rs_end))) {
		b->rs_valid = true;
		b->rs_prior_delivered = s->d_delivered;
		b->rs_prior_at = s->d_delivered_at;
		b->rs_send_elapsed = s->xmit - s->d_first_sent;
		b->rs_app_limited = s->d_app_limited;
		b->rs_xmit = s->xmit;
		b->rs_end = s->end;
		b->rs_rtt = now - s->xmit;
		b->rs_retrans = (s->flags & SR_RETRANS) != 0;
		b->first_sent = s->xmit;
	}
}

void tcp_bbr_app_limited(struct tcp_conn *c)
{
	struct tcp_bbr *b = c->bbr;
	if (!tcp_bbr_on(c))
		return;
	uint64_t mark = b->delivered + tcp_rack_pipe(c);
	b->app_limited = mark ? mark : 1;
}

static uint64_t bdp(const struct tcp_bbr *b, unsigned gain)
{
	if (!b->bw || !b->min_rtt)
		return 0;
	return b->bw * (uint64_t)b->min_rtt / 1000000000ull * gain / GAIN_UNIT;
}

static unsigned pacing_gain(const struct tcp_bbr *b)
{
	switch (b->mode) {
	case STARTUP:
		return HIGH_GAIN;
	case DRAIN:
		return DRAIN_GAIN;
	case PROBE_BW:
		return cycle_gain[b->cycle];
	default:
		return GAIN_UNIT;
	}
}

static void update_bw(struct tcp_bbr *b, uint64_t rate)
{
	unsigned slot = b->round % TCP_BBR_BW_ROUNDS;
	if (b->bw_round[slot] < rate)
		b->bw_round[slot] = rate;
	uint64_t m = 0;
	for (unsigned i = 0; i < TCP_BBR_BW_ROUNDS; i++)
		if (b->bw_round[i] > m)
			m = b->bw_round[i];
	b->bw = m;
}

/* Startup ends when three rounds in a row raised BtlBw by less than a
 * quarter. */
static void check_full_pipe(struct tcp_bbr *b)
{
	if (b->filled_pipe || !b->round_start || b->rs_app_limited)
		return;
	if (b->bw >= b->full_bw + b->full_bw / 4) {
		b->full_bw = b->bw;
		b->full_bw_rounds = 0;
		return;
	}
	if (++b->full_bw_rounds >= 3)
		b->filled_pipe = true;
}

static void enter_probe_bw(struct tcp_bbr *b, kiln_time now)
{
	b->mode = PROBE_BW;
	/* Any phase but the draining one (Linux picks at random; the time
	 * is random enough for that). */
	b->cycle = (uint8_t)(2 + (uint64_t)now % (CYCLE_LEN - 2));
	b->cycle_at = now;
}

static void update_cycle(struct tcp_conn *c, struct tcp_bbr *b, kiln_time now,
                         uint32_t lost)
{
	if (b->mode != PROBE_BW)
		return;
	bool elapsed = now - b->cycle_at > b->min_rtt;
	uint64_t inflight = tcp_rack_pipe(c);
	unsigned gain = cycle_gain[b->cycle];
	bool next;
	if (gain > GAIN_UNIT)
		/* Probing: until the flight reaches the gain's BDP, or loss. */
		next = elapsed && (lost || inflight >= bdp(b, gain));
	else if (gain < GAIN_UNIT)
		next = elapsed || inflight <= bdp(b, GAIN_UNIT);
	else
		next = elapsed;
	if (next) {
		b->cycle = (uint8_t)((b->cycle + 1) % CYCLE_LEN);
		b->cycle_at = now;
	}
}

static void update_min_rtt(struct tcp_conn *c, struct tcp_bbr *b, kiln_time now)
{
	bool expired = now - b->min_rtt_at > MIN_RTT_WINDOW;
	if (b->rs_valid && !b->rs_retrans && b->rs_rtt > 0 &&
	    (b->rs_rtt <= b->min_rtt || !b->min_rtt || expired)) {
		b->min_rtt = b->rs_rtt;
		b->min_rtt_at = now;
	}
	if (expired && b->mode != PROBE_RTT) {
		b->mode = PROBE_RTT;
		if (!b->in_loss)
			b->prior_cwnd = c->cwnd;
		b->probe_rtt_done = 0;
	}
	if (b->mode != PROBE_RTT)
		return;
	/* Hold the flight at 4 segments for 200 ms and a round trip. */
	b->app_limited = b->delivered + tcp_rack_pipe(c);
	if (!b->app_limited)
		b->app_limited = 1;
	if (!b->probe_rtt_done && tcp_rack_pipe(c) <= 4u * c->smss) {
		b->probe_rtt_done = now + PROBE_RTT_TIME;
		b->probe_rtt_round_done = false;
		b->next_round_delivered = b->delivered;
	} else if (b->probe_rtt_done) {
		if (b->round_start)
			b->probe_rtt_round_done = true;
		if (b->probe_rtt_round_done && now >= b->probe_rtt_done) {
			b->min_rtt_at = now;
			if (c->cwnd < b->prior_cwnd)
				c->cwnd = b->prior_cwnd;
			if (b->filled_pipe)
				enter_probe_bw(b, now);
			else
				b->mode = STARTUP;
		}
	}
}

void tcp_bbr_loss_begin(struct tcp_conn *c, bool rto)
{
	struct tcp_bbr *b = c->bbr;
	if (!tcp_bbr_on(c) || b->in_loss)
		return;
	b->in_loss = true;
	b->prior_cwnd = b->mode == PROBE_RTT && b->prior_cwnd > c->cwnd
	                        ? b->prior_cwnd
	                        : c->cwnd;
	/* A timeout restarts from one segment instead (tcp_timer.c). */
	b->conservation = !rto;
	b->next_round_delivered = b->delivered; /* a round starts now */
}

/* How much more than BtlBw explains the ACKs of this epoch delivered. */
static void update_ack_aggregation(struct tcp_conn *c, struct tcp_bbr *b,
                                   uint32_t acked, kiln_time now)
{
	if (!b->bw || !acked)
		return;
	if (b->round_start && ++b->extra_acked_rounds >= EXTRA_ACKED_ROUNDS) {
		b->extra_acked_rounds = 0;
		b->extra_acked_idx ^= 1;
		b->extra_acked[b->extra_acked_idx] = 0;
	}
	uint64_t expected =
	        b->bw * (uint64_t)(now - b->ack_epoch_at) / 1000000000ull;
	/* The ACKs came no faster than the model says, or the epoch is old:
	 * a new one. */
	if (b->ack_epoch_acked <= expected ||
	    b->ack_epoch_acked + acked >= (1u << 20)) {
		b->ack_epoch_acked = 0;
		b->ack_epoch_at = now;
		expected = 0;
	}
	b->ack_epoch_acked += acked;
	uint64_t extra = b->ack_epoch_acked - expected;
	if (extra > c->cwnd)
		extra = c->cwnd;
	if (extra > b->extra_acked[b->extra_acked_idx])
		b->extra_acked[b->extra_acked_idx] = (uint32_t)extra;
}

static uint64_t aggregation_cwnd(const struct tcp_bbr *b)
{
	if (!b->filled_pipe)
		return 0;
	uint64_t e = b->extra_acked[0] > b->extra_acked[1] ? b->extra_acked[0]
	                                                   : b->extra_acked[1];
	uint64_t max = b->bw * (uint64_t)EXTRA_ACKED_MAX / 1000000000ull;
	return e < max ? e : max;
}

static void set_cwnd(struct tcp_conn *c, struct tcp_bbr *b, uint32_t acked,
                     uint32_t lost)
{
	uint32_t floor = 4u * c->smss;
	uint64_t cwnd = c->cwnd;
	bool recovering = (c->flags & TF_RECOVERY) || c->rack.loss_state;
	if (b->in_loss && !recovering) {
		/* The episode is over: the window from before it. */
		b->in_loss = b->conservation = false;
		if (cwnd < b->prior_cwnd)
			cwnd = b->prior_cwnd;
	}
	if (recovering && lost)
		cwnd = cwnd > lost + c->smss ? cwnd - lost : c->smss;
	uint64_t pipe = tcp_rack_pipe(c);
	if (b->conservation && b->round_start)
		b->conservation = false;
	if (recovering && b->conservation) {
		if (cwnd < pipe + acked)
			cwnd = pipe + acked;
	} else {
		uint64_t target = bdp(b, CWND_GAIN) + 3u * 2u * c->smss +
		                  aggregation_cwnd(b);
		if (!b->bw)
			target = cwnd + acked; /* no model yet: slow start */
		if (b->filled_pipe) {
			cwnd += acked;
			if (cwnd > target)
				cwnd = target;
		} else if (cwnd < target || b->delivered < 10u * c->smss) {
			cwnd += acked;
		}
		if (cwnd < floor && !c->rack.loss_state)
			cwnd = floor;
	}
	if (b->mode == PROBE_RTT && cwnd > floor)
		cwnd = floor;
	if (cwnd > (1u << 30))
		cwnd = 1u << 30;
	c->cwnd = (uint32_t)cwnd;
}

void tcp_bbr_ack(struct tcp_conn *c, uint32_t acked, uint32_t lost,
                 kiln_time now)
{
	struct tcp_bbr *b = c->bbr;
	if (!tcp_bbr_on(c))
		return;
	if (b->app_limited && b->delivered > b->app_limited)
		b->app_limited = 0;
	/* Round trips, and the rate sample. */
	b->round_start = false;
	uint64_t rate = 0;
	if (b->rs_valid) {
		if (b->rs_prior_delivered >= b->next_round_delivered) {
			b->next_round_delivered = b->delivered;
			b->round++;
			b->round_start = true;
			b->bw_round[b->round % TCP_BBR_BW_ROUNDS] = 0;
		}
		kiln_time ack_elapsed = b->delivered_at - b->rs_prior_at;
		kiln_time interval = b->rs_send_elapsed > ack_elapsed
		                             ? b->rs_send_elapsed
		                             : ack_elapsed;
		uint64_t bytes = b->delivered - b->rs_prior_delivered;
		/* An interval shorter than RTprop says nothing of the rate
		 * (ACKs that came in a bunch). */
		if (interval > 0 && (!b->min_rtt || interval >= b->min_rtt) &&
		    bytes) {
			rate = bytes * 1000000000ull / (uint64_t)interval;
			if (!b->rs_app_limited || rate >= b->bw)
				update_bw(b, rate);
		}
	}
	update_ack_aggregation(c, b, acked, now);
	update_cycle(c, b, now, lost);
	check_full_pipe(b);
	if (b->mode == STARTUP && b->filled_pipe)
		b->mode = DRAIN;
	if (b->mode == DRAIN && tcp_rack_pipe(c) <= bdp(b, GAIN_UNIT))
		enter_probe_bw(b, now);
	update_min_rtt(c, b, now);
	b->rs_valid = false;

	/* Pacing: 1% under the gain's rate, so queues drain; before the
	 * model, as at the start. */
	if (b->bw) {
		uint64_t r = b->bw * pacing_gain(b) / GAIN_UNIT;
		r -= r / 100;
		/* Startup never slows down below what it paced before. */
		if (b->filled_pipe || r > b->pacing_rate)
			b->pacing_rate = r;
	}
	set_cwnd(c, b, acked, lost);
}

bool tcp_bbr_may_send(struct tcp_conn *c, kiln_time now)
{
	struct tcp_bbr *b = c->bbr;
	if (!tcp_bbr_on(c) || !b->pacing_rate || c->rack.tlp_force ||
	    b->pace_at <= now)
		return true;
	c->t_pace = b->pace_at;
	return false;
}

void tcp_bbr_paced(struct tcp_conn *c, uint32_t len, kiln_time now)
{
	struct tcp_bbr *b = c->bbr;
	if (!tcp_bbr_on(c) || !b->pacing_rate)
		return;
	kiln_time credit = KILN_MSEC(1);
	kiln_time cap = (kiln_time)((uint64_t)PACE_BURST * 1000000000ull /
	                            b->pacing_rate);
	if (cap < credit)
		credit = cap;
	kiln_time base = b->pace_at > now - credit ? b->pace_at : now - credit;
	b->pace_at = base + (kiln_time)((uint64_t)len * 1000000000ull /
	                                b->pacing_rate);
}
