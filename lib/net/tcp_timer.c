/*
 * lib/net/tcp_timer.c - the connection timers.
 *
 * One runtime timer per connection is armed at the earliest of its
 * deadlines (retransmission, persist, keepalive, delayed ACK, TIME-WAIT,
 * orphan); when it fires, every deadline that has passed is served.
 *
 * Retransmission timeout (RFC 6298): SRTT/RTTVAR with alpha 1/8, beta 1/4,
 * K = 4, clock granularity 1 ms; initial RTO 1 s; minimum 200 ms (below
 * RFC 6298's 1 s, as Linux and most stacks do, since 1 s stalls every loss
 * on a LAN; configurable as tcp_config.rto_min); maximum 60 s; doubled on
 * every timeout (exponential backoff) and recomputed from the next valid
 * sample. Karn's algorithm: without timestamps one segment at a time is
 * timed and a retransmission cancels the measurement; with timestamps
 * (RFC 7323 4) each ACK that advances snd_una gives a sample from its
 * echoed timestamp.
 */
#include "tcp_impl.h"

static void on_timer(struct kiln_timer *t, void *arg);

void tcp_timer_init(struct tcp_conn *c)
{
	kiln_timer_init(&c->timer, on_timer, c);
}

void tcp_timer_update(struct tcp_conn *c)
{
	kiln_time d = 0;
	kiln_time all[9] = {c->t_rexmt, c->t_persist, c->t_keep,
	                    c->t_2msl,  c->t_delack,  c->t_orphan,
	                    c->t_tlp,   c->t_reo,     c->t_pace};
	for (int i = 0; i < 9; i++)
		if (all[i] && (!d || all[i] < d))
			d = all[i];
	if (!d) {
		kiln_timer_cancel(&c->timer);
		return;
	}
	if (kiln_timer_armed(&c->timer) && c->timer.deadline == d)
		return;
	kiln_timer_arm(&c->timer, d);
}

void tcp_rexmt_restart(struct tcp_conn *c)
{
	c->t_rexmt = tcp_flight(c) ? kiln_now() + c->rto : 0;
}

static kiln_time clamp_rto(kiln_time rto)
{
	if (rto < tcp_cfg.rto_min)
		return tcp_cfg.rto_min;
	if (rto > tcp_cfg.rto_max)
		return tcp_cfg.rto_max;
	return rto;
}

void tcp_rtt_sample(struct tcp_conn *c, kiln_time rtt)
{
	if (rtt < KILN_USEC(1))
		rtt = KILN_USEC(1);
	if (!c->srtt) {
		c->srtt = rtt;
		c->rttvar = rtt / 2;
	} else {
		kiln_time err = c->srtt > rtt ? c->srtt - rtt : rtt - c->srtt;
		c->rttvar = (3 * c->rttvar + err) / 4;
		c->srtt = (7 * c->srtt + rtt) / 8;
	}
	kiln_time var = 4 * c->rttvar;
	if (var < KILN_MSEC(1))
		var = KILN_MSEC(1);
	c->rto = clamp_rto(c->srtt + var);
	c->backoff = 0;
}

void tcp_persist_check(struct tcp_conn *c)
{
	bool sending = c->state == TCP_ESTABLISHED ||
	               c->state == TCP_CLOSE_WAIT ||
	               c->state == TCP_FIN_WAIT_1 || c->state == TCP_CLOSING ||
	               c->state == TCP_LAST_ACK;
	uint32_t off = c->snd_nxt - c->snd_una;
	bool waiting = sending && off <= c->snd.len && c->snd.len > off;

	if (!waiting || c->snd_wnd > off) {
		c->t_persist = 0;
		c->persist_shift = 0;
		return;
	}
	/* Data waits on a closed window with nothing in flight: nothing
	 * else would make the peer speak, so probe (RFC 9293 3.8.6.1). */
	if (c->snd_una != c->snd_max || c->t_rexmt || c->t_persist)
		return;
	kiln_time base = c->srtt ? c->rto : tcp_cfg.rto_initial;
	kiln_time d = base << (c->persist_shift < 8 ? c->persist_shift : 8);
	c->t_persist = kiln_now() + clamp_rto(d);
}

/* Returns true if c was freed or closed. */
static bool rexmt_fire(struct tcp_conn *c, kiln_time now)
{
	c->retries++;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		if (c->retries > tcp_cfg.syn_retries) {
			tcp_stats.conns_timed_out++;
			tcp_conn_done(c, -KILN_ETIMEDOUT);
			return true;
		}
		c->backoff++;
		c->rto = clamp_rto(c->rto * 2);
		net_counters.tcp_retransmits++;
		tcp_stats.rto_timeouts++;
		c->t_rexmt = 0;
		tcp_send_syn(c);
		return false;
	}
	if (c->retries > tcp_cfg.data_retries) {
		tcp_stats.conns_timed_out++;
		tcp_send_rst_for(c);
		tcp_conn_done(c, -KILN_ETIMEDOUT);
		return true;
	}
	if (!tcp_flight(c))
		return false;
	if (tcp_rack_on(c))
		tcp_rack_rto(c); /* before cwnd changes: the undo needs it */
	/* RFC 5681 (4): halve on the first timeout of a run only. */
	if (c->backoff == 0)
		c->ssthresh = tcp_cc_ssthresh(c);
	tcp_cc_rto(c);
	c->cwnd = c->smss;
	c->bytes_acked = 0;
	c->flags &= ~(TF_RECOVERY | TF_RTT);
	c->dupacks = 0;
	c->recover = c->snd_max;
	/* Go back to snd_una; the receiver may have dropped what it SACKed
	 * (RFC 2018 8), so forget the scoreboard. With RACK the records
	 * marked lost are sent again instead (tcp_rack_rto). */
	if (!tcp_rack_on(c))
		c->snd_nxt = c->snd_una;
	c->n_sacked = 0;
	c->rexmit_next = c->snd_una;
	c->backoff++;
	c->rto = clamp_rto(c->rto * 2);
	tcp_stats.rto_timeouts++;
	c->t_rexmt = now + c->rto;
	uint64_t before = net_counters.tcp_retransmits;
	tcp_output(c);
	if (net_counters.tcp_retransmits == before)
		/* The window is closed: resend the first segment anyway. */
		tcp_retransmit(c, c->snd_una, c->smss);
	return false;
}

static bool keep_fire(struct tcp_conn *c, kiln_time now)
{
	c->t_keep = 0;
	if (!(c->flags & TF_KEEPALIVE) ||
	    (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return false;
	if (now - c->last_rx < tcp_cfg.keep_idle && !c->keep_probes) {
		c->t_keep = c->last_rx + tcp_cfg.keep_idle;
		return false;
	}
	if (c->keep_probes >= tcp_cfg.keep_count) {
		tcp_stats.conns_timed_out++;
		tcp_send_rst_for(c);
		tcp_conn_done(c, -KILN_ETIMEDOUT);
		return true;
	}
	c->keep_probes++;
	tcp_stats.keepalive_probes++;
	tcp_send_probe(c);
	c->t_keep = now + tcp_cfg.keep_interval;
	return false;
}

static void on_timer(struct kiln_timer *t, void *arg)
{
	struct tcp_conn *c = arg;
	kiln_time now = kiln_now();
	(void)t;

	if (c->t_2msl && now >= c->t_2msl) {
		c->t_2msl = 0;
		tcp_conn_done(c, 0);
		goto out;
	}
	if (c->t_orphan && now >= c->t_orphan) {
		c->t_orphan = 0;
		tcp_stats.conns_timed_out++;
		tcp_send_rst_for(c);
		tcp_conn_done(c, -KILN_ETIMEDOUT);
		goto out;
	}
	if (c->t_rexmt && now >= c->t_rexmt) {
		c->t_rexmt = 0;
		if (rexmt_fire(c, now))
			goto out;
	}
	if ((c->t_reo && now >= c->t_reo) || (c->t_tlp && now >= c->t_tlp))
		tcp_rack_timer(c, now);
	if (c->t_pace && now >= c->t_pace) {
		c->t_pace = 0; /* a paced sender's next segment is due */
		tcp_output(c);
	}
	if (c->t_persist && now >= c->t_persist) {
		c->t_persist = 0;
		tcp_stats.zero_window_probes++;
		tcp_send_probe(c);
		c->persist_shift++;
		tcp_persist_check(c);
	}
	if (c->t_keep && now >= c->t_keep) {
		if (keep_fire(c, now))
			goto out;
	}
	if (c->t_delack && now >= c->t_delack) {
		c->t_delack = 0;
		tcp_stats.delayed_acks++;
		tcp_send_ack(c);
	}
	tcp_timer_update(c);
out:
	tcp_deliver_events();
}
