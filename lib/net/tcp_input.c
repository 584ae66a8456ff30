/*
 * lib/net/tcp_input.c - what happens when a segment arrives
 * (RFC 9293 3.10.7), with the RFC 5961 defences (exact-match RST, challenge
 * ACKs for in-window RSTs and for SYNs on synchronized connections, the ACK
 * acceptability range), PAWS (RFC 7323 5), SACK (RFC 2018) and NewReno
 * congestion control (RFC 5681, RFC 6582).
 *
 * Initial window: RFC 6928, min(10 * MSS, max(2 * MSS, 14600)) bytes, or
 * one MSS when the SYN had to be retransmitted (RFC 6298 5.7).
 */
#include "tcp_impl.h"

#include <string.h>

#define TS_24_DAYS KILN_SEC((kiln_time)24 * 24 * 3600)

uint8_t tcp_choose_wscale(void)
{
	uint8_t s = 0;
	uint32_t most = tcp_cfg.rcvbuf_max > tcp_cfg.rcvbuf ? tcp_cfg.rcvbuf_max
	                                                    : tcp_cfg.rcvbuf;
	while (tcp_cfg.window_scaling && (most >> s) > 65535 &&
	       s < TCP_WSCALE_MAX)
		s++;
	return s;
}

/* Take the peer's SYN options (we offered all of them, or echo only what
 * the peer offered on a passive open). */
static void syn_options(struct tcp_conn *c, const struct tcp_header *h)
{
	const struct tcp_options *o = &h->opt;
	c->peer_mss =
	        o->has_mss && o->mss >= 64 ? o->mss : (o->has_mss ? 64 : 536);
	if (o->has_wscale && tcp_cfg.window_scaling) {
		c->flags |= TF_WSCALE;
		c->snd_wscale = o->wscale;
	} else {
		c->flags &= ~TF_WSCALE;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	if (o->sack_permitted && tcp_cfg.sack)
		c->flags |= TF_SACK;
	if (o->has_ts && tcp_cfg.timestamps) {
		c->flags |= TF_TS;
		c->ts_recent = o->ts_val;
		c->ts_recent_age = kiln_now();
	}
	tcp_set_smss(c);
}

/* SYN-SENT or SYN-RECEIVED -> ESTABLISHED. Nothing is allocated here:
 * the rings come with the first bytes (tcp_buf.c). Returns true (c is
 * still there). */
static bool establish(struct tcp_conn *c, uint32_t ack, uint16_t window)
{
	/* A close requested during the handshake takes effect now. */
	c->state =
	        (c->flags & TF_FIN_QUEUED) ? TCP_FIN_WAIT_1 : TCP_ESTABLISHED;
	c->snd_una = ack;
	if (SEQ_LT(c->snd_nxt, ack))
		c->snd_nxt = ack;
	c->snd_max = c->snd_nxt;
	c->snd_wnd = (uint32_t)window << c->snd_wscale;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl2 = ack;
	c->recover = ack;
	c->rexmit_next = ack;
	c->t_rexmt = 0;
	if (c->retries == 0 && c->rtt_start) /* 0: no sample (a cookie) */
		tcp_rtt_sample(c, kiln_now() - c->rtt_start);
	uint32_t iw = 10u * c->smss;
	uint32_t floor = 2u * c->smss > 14600 ? 2u * c->smss : 14600;
	c->cwnd = c->retries ? c->smss : (iw < floor ? iw : floor);
	c->ssthresh = 0x7fffffff;
	tcp_cc_init(c);
	tcp_bbr_init(c);
	c->rack.reo_mult = 1;
	c->rack.fack = ack;
	c->rack.dsack_round = ack;
	c->retries = 0;
	c->backoff = 0;
	c->last_rx = kiln_now();
	if (c->flags & TF_KEEPALIVE)
		c->t_keep = c->last_rx + tcp_cfg.keep_idle;
	tcp_stats.conns_established++;
	tcp_timer_update(c);
	return true;
}

/* ---------------------------------------------------------- LISTEN */

/*
 * The backlog is full. Under a SYN flood it fills with half-open entries
 * that will never complete; to keep serving, a new SYN may replace the
 * oldest half-open entry whose SYN-ACK has already gone unanswered at
 * least once (a real client answers within one RTO). The replaced entry
 * counts as a dropped SYN. Returns false if there is none to replace.
 */
static bool evict_stale_syn(struct tcp_listener *l)
{
	struct tcp_conn *victim = NULL;
	for (struct tcp_conn *c = l->syn_head; c; c = c->qnext)
		if (c->retries >= 1)
			victim = c; /* the list is newest first */
	if (!victim)
		return false;
	net_counters.tcp_syn_backlog_drops++;
	net_counters.rx_dropped++;
	tcp_conn_free(victim);
	return true;
}

/* A new passive connection for the SYN in h (or the ACK that returned a
 * cookie): its addresses, on its listener's queue of half-open ones. */
void tcp_passive_queue(struct tcp_conn *c, struct tcp_listener *l, net_ipv4 src,
                       net_ipv4 dst, const struct tcp_header *h)
{
	c->state = TCP_SYN_RECEIVED;
	c->flags |= TF_PASSIVE;
	c->laddr = dst;
	c->raddr = src;
	c->lport = h->dport;
	c->rport = h->sport;
	c->listener = l;
	c->qnext = l->syn_head;
	l->syn_head = c;
	l->n_queued++;
}

static void listen_input(struct tcp_listener *l, net_ipv4 src, net_ipv4 dst,
                         const struct tcp_header *h, size_t data_len)
{
	if (h->flags & TCP_RST) {
		NET_DROP(drop_tcp_invalid);
		return;
	}
	if (h->flags & TCP_ACK) {
		/* Nothing was sent from here: reset it (RFC 9293 3.10.7.2). */
		NET_DROP(drop_tcp_invalid);
		tcp_send_rst_reply(dst, src, h, data_len);
		return;
	}
	if (!(h->flags & TCP_SYN)) {
		NET_DROP(drop_tcp_invalid);
		return;
	}
	if (tcp_syncookie_wanted(l)) {
		tcp_syncookie_send(dst, src, h);
		return;
	}
	if (l->n_queued >= l->backlog && !evict_stale_syn(l)) {
		net_counters.tcp_syn_backlog_drops++;
		net_counters.rx_dropped++;
		return;
	}
	struct tcp_conn *c = tcp_conn_alloc();
	if (!c) {
		tcp_stats.conn_limit_drops++;
		net_counters.tcp_syn_backlog_drops++;
		net_counters.rx_dropped++;
		return;
	}
	tcp_passive_queue(c, l, src, dst, h);

	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	c->iss = tcp_isn(dst, h->dport, src, h->sport);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_wl1 = h->seq;
	c->rcv_wscale = tcp_choose_wscale();
	c->ts_offset = tcp_random32();
	syn_options(c, h);
	/* A SYN's window is never scaled. */
	c->snd_wnd = h->window;
	c->rtt_start = kiln_now();
	tcp_hash_insert(c);
	net_counters.tcp_passive_opens++;
	/* Data on the SYN is not kept; the peer sends it again. */
	tcp_send_syn(c);
}

/* -------------------------------------------------------- SYN-SENT */

static void syn_sent_input(struct tcp_conn *c, const struct tcp_header *h,
                           net_ipv4 src, net_ipv4 dst, size_t data_len)
{
	bool ack = h->flags & TCP_ACK;
	if (ack && (SEQ_LEQ(h->ack, c->iss) || SEQ_GT(h->ack, c->snd_max))) {
		NET_DROP(drop_tcp_invalid);
		tcp_send_rst_reply(dst, src, h, data_len);
		return;
	}
	if (h->flags & TCP_RST) {
		if (ack) {
			tcp_stats.conns_reset++;
			tcp_conn_done(c, -KILN_ECONNREFUSED);
		} else {
			NET_DROP(drop_tcp_invalid);
		}
		return;
	}
	if (!(h->flags & TCP_SYN)) {
		NET_DROP(drop_tcp_invalid);
		return;
	}
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	/* Our SYN's window was counted from rcv_nxt 0: the next segment
	 * advertises it afresh (a stale edge up to 2^31 ahead gave the
	 * peer the largest window the field can say). */
	c->rcv_adv = c->rcv_nxt;
	c->snd_wl1 = h->seq;
	syn_options(c, h);
	if (ack) {
		if (!establish(c, h->ack, h->window))
			return;
		/* RFC 7323 2.2: the window in a SYN is not scaled. */
		c->snd_wnd = h->window;
		c->max_snd_wnd = c->snd_wnd;
		c->flags |= TF_ACKNOW;
		tcp_event(c, TCP_EV_WRITABLE);
		tcp_output(c);
		return;
	}
	/* Simultaneous open (RFC 9293 3.5, figure 8). */
	c->state = TCP_SYN_RECEIVED;
	c->snd_wnd = h->window;
	c->t_rexmt = 0;
	tcp_send_syn(c);
}

/* ---------------------------------------------------------- sending */

/* Merge the peer's SACK blocks into the scoreboard. */
static void sack_update(struct tcp_conn *c, const struct tcp_options *o)
{
	/* Drop what snd_una passed. */
	unsigned k = 0;
	for (unsigned i = 0; i < c->n_sacked; i++) {
		struct tcp_sack_block b = c->sacked[i];
		if (SEQ_LEQ(b.end, c->snd_una))
			continue;
		if (SEQ_LT(b.start, c->snd_una))
			b.start = c->snd_una;
		c->sacked[k++] = b;
	}
	c->n_sacked = k;
	if (!(c->flags & TF_SACK))
		return;
	for (unsigned i = 0; i < o->n_sack; i++) {
		struct tcp_sack_block b = o->sack[i];
		/* Ignore blocks that are empty, below snd_una (D-SACK) or
		 * beyond what was sent. */
		if (SEQ_GEQ(b.start, b.end) || SEQ_LEQ(b.end, c->snd_una) ||
		    SEQ_GT(b.end, c->snd_max) || SEQ_LT(b.start, c->snd_una))
			continue;
		tcp_ranges_insert(c->sacked, &c->n_sacked, TCP_SCOREBOARD_MAX,
		                  b.start, b.end);
	}
}

/* Retransmit the first hole the scoreboard shows at or after
 * rexmit_next. */
static bool sack_retransmit_hole(struct tcp_conn *c)
{
	uint32_t start = SEQ_GT(c->rexmit_next, c->snd_una) ? c->rexmit_next
	                                                    : c->snd_una;
	for (unsigned i = 0; i < c->n_sacked; i++) {
		struct tcp_sack_block b = c->sacked[i];
		if (SEQ_LEQ(b.end, start))
			continue;
		if (SEQ_LT(start, b.start)) {
			uint32_t len = b.start - start;
			if (len > c->smss)
				len = c->smss;
			tcp_retransmit(c, start, len);
			c->rexmit_next = start + len;
			tcp_stats.sack_retransmits++;
			return true;
		}
		start = b.end;
	}
	return false;
}

static void enter_fast_recovery(struct tcp_conn *c)
{
	uint32_t half = tcp_flight(c) / 2;
	c->ssthresh = half > 2u * c->smss ? half : 2u * c->smss;
	c->recover = c->snd_max;
	c->cwnd = c->ssthresh + 3u * c->smss;
	c->flags |= TF_RECOVERY;
	tcp_stats.fast_retransmits++;
	tcp_retransmit(c, c->snd_una, c->smss);
	c->rexmit_next = c->snd_una + c->smss;
	c->t_rexmt = kiln_now() + c->rto;
}

static uint32_t sacked_bytes(const struct tcp_conn *c)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < c->n_sacked; i++)
		n += c->sacked[i].end - c->sacked[i].start;
	return n;
}

/*
 * Duplicates that signal a loss: 3, or fewer when fewer than four
 * segments are outstanding and nothing new can be sent (early
 * retransmit, RFC 5827): such a small flight cannot produce three.
 */
static unsigned dup_threshold(const struct tcp_conn *c)
{
	uint32_t flight = tcp_flight(c);
	unsigned segs = (unsigned)((flight + c->smss - 1) / c->smss);
	uint32_t off = c->snd_nxt - c->snd_una;
	bool unsent = off < c->snd.len && c->snd_wnd > flight;
	if (segs >= 4 || unsent || segs < 2)
		return 3;
	return segs - 1;
}

static void dup_ack(struct tcp_conn *c)
{
	c->dupacks++;
	if (!(c->flags & TF_RECOVERY)) {
		/* RFC 6582 3.2 step 1: not again for losses of the window
		 * already recovered. With SACK, three segments' worth of
		 * SACKed data above snd_una also means a loss (RFC 6675
		 * IsLost), whatever number of ACKs reported it. */
		unsigned thresh = dup_threshold(c);
		bool lost = c->dupacks >= thresh ||
		            sacked_bytes(c) >= thresh * c->smss;
		if (lost && SEQ_GEQ(c->snd_una, c->recover)) {
			c->limited = 0;
			enter_fast_recovery(c);
		} else if (c->dupacks <= 2) {
			/* Limited transmit (RFC 3042): one new segment per
			 * duplicate, so a small window still produces the
			 * duplicates fast retransmit needs. */
			c->limited = c->dupacks * c->smss;
		}
		return;
	}
	/* Each further duplicate means a segment left the network. */
	c->cwnd += c->smss;
	sack_retransmit_hole(c);
}

/* The peer acknowledged new data (snd_una < ack <= snd_max). */
static void ack_new(struct tcp_conn *c, const struct tcp_header *h)
{
	kiln_time now = kiln_now();
	uint32_t ack = h->ack;
	uint32_t acked = ack - c->snd_una;
	bool fin_acked = (c->flags & TF_FIN_SENT) && SEQ_GT(ack, c->fin_seq);
	uint32_t data_acked = acked - (fin_acked ? 1 : 0);
	if (data_acked > c->snd.len)
		data_acked = c->snd.len;

	if ((c->flags & TF_TS) && h->opt.has_ts && h->opt.ts_ecr) {
		uint32_t ms = tcp_ts_now(c) - h->opt.ts_ecr;
		if (ms < 0x80000000u)
			tcp_rtt_sample(c, KILN_MSEC((kiln_time)ms));
	} else if ((c->flags & TF_RTT) && SEQ_GT(ack, c->rtt_seq)) {
		c->flags &= ~TF_RTT;
		tcp_rtt_sample(c, now - c->rtt_start);
	}
	tcp_snd_drop(c, data_acked);
	c->snd_una = ack;
	if (SEQ_LT(c->snd_nxt, ack))
		c->snd_nxt = ack;
	c->retries = 0;

	if (tcp_rack_on(c)) {
		/* Recovery is tcp_rack.c's (tcp_rack_ack). */
		if (!(c->flags & TF_RECOVERY) && !tcp_bbr_on(c))
			tcp_cc_ack(c, acked); /* BBR: tcp_bbr_ack */
	} else if (c->flags & TF_RECOVERY) {
		if (SEQ_GEQ(ack, c->recover)) {
			/* Full acknowledgment (RFC 6582 3.2 step 3). */
			uint32_t fl = tcp_flight(c);
			uint32_t w = (fl > c->smss ? fl : c->smss) + c->smss;
			c->cwnd = w < c->ssthresh ? w : c->ssthresh;
			c->flags &= ~TF_RECOVERY;
			c->dupacks = 0;
		} else {
			/* Partial acknowledgment: the next hole is lost too. */
			sack_update(c, &h->opt);
			if (SEQ_LEQ(c->rexmit_next, c->snd_una)) {
				tcp_retransmit(c, c->snd_una, c->smss);
				c->rexmit_next = c->snd_una + c->smss;
			} else if (!sack_retransmit_hole(c) && !c->n_sacked) {
				tcp_retransmit(c, c->snd_una, c->smss);
			}
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			if (acked >= c->smss)
				c->cwnd += c->smss;
			if (c->cwnd < c->smss)
				c->cwnd = c->smss;
		}
	} else {
		c->dupacks = 0;
		tcp_cc_ack(c, acked);
	}
	if (SEQ_LT(c->rexmit_next, c->snd_una))
		c->rexmit_next = c->snd_una;
	/* RFC 6298 5.2 / 5.3. */
	if (c->snd_una == c->snd_max)
		c->t_rexmt = 0;
	else
		c->t_rexmt = now + c->rto;
	if ((c->flags & TF_ORPHAN) && c->t_orphan)
		c->t_orphan = now + tcp_cfg.orphan_timeout;
	if (data_acked)
		tcp_event(c, TCP_EV_WRITABLE);
}

/* --------------------------------------------------------- receiving */

static void fin_arrived(struct tcp_conn *c)
{
	if (c->flags & TF_RCVD_FIN) {
		c->flags |= TF_ACKNOW;
		return;
	}
	c->flags |= TF_RCVD_FIN | TF_ACKNOW;
	c->flags &= ~TF_OOO_FIN;
	c->rcv_nxt++;
	tcp_event(c, TCP_EV_READABLE);
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		c->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		/* The ACK goes out before the buffers are released. */
		tcp_send_ack(c);
		tcp_enter_time_wait(c);
		break;
	default:
		break;
	}
}

/* Data of an acceptable segment, trimmed to the window. */
static void data_arrived(struct tcp_conn *c, uint32_t seq,
                         struct kiln_view data, bool *fin)
{
	/* What of it we had already (D-SACK, RFC 2883): ACK at once. */
	if (tcp_rcv_note_dup(c, seq, (uint32_t)data.len))
		c->flags |= TF_ACKNOW;
	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t skip = c->rcv_nxt - seq;
		if (skip >= data.len) {
			data.len = 0;
		} else {
			kiln_view_skip(&data, skip);
		}
		seq = c->rcv_nxt;
	}
	uint32_t space = tcp_rcv_free(c);
	uint32_t off = seq - c->rcv_nxt;
	if (off >= space || data.len > space - off) {
		/* Beyond the window (a zero-window probe, say): keep what
		 * fits, and answer at once with the window we have. */
		data.len = off >= space ? 0 : space - off;
		*fin = false; /* the FIN lies beyond what we keep */
		c->flags |= TF_ACKNOW;
	}
	if (!data.len)
		return;
	unsigned before_ooo = c->rcv.n_ooo;
	uint32_t before = c->rcv_nxt;
	bool advanced = tcp_rcv_store(c, seq, data);
	if (!advanced || before_ooo || c->rcv.n_ooo) {
		/* Out of order, or filling a hole: ACK at once (RFC 5681
		 * 4.2) so the sender's fast retransmit can work. */
		if (!advanced)
			tcp_stats.ooo_segments++;
		c->flags |= TF_ACKNOW;
	} else {
		c->rcv_unacked += c->rcv_nxt - before;
		/* Every second full-sized segment (RFC 9293 3.8.6.3). */
		if (c->rcv_unacked >= 2u * tcp_local_mss())
			c->flags |= TF_ACKNOW;
		else if (!c->t_delack)
			c->t_delack = kiln_now() + tcp_cfg.delack;
	}
	tcp_rcv_autotune(c);
	if (advanced)
		tcp_event(c, TCP_EV_READABLE);
	if ((c->flags & TF_OOO_FIN) && c->rcv_nxt == c->rcv_fin_seq)
		fin_arrived(c);
}

/* Is a segment of seg_len octets at seq acceptable (RFC 9293 3.10.7.4)? */
/* The ACK RFC 9293 asks for to a segment outside the window (or failing
 * PAWS), at most one per tcp_cfg.oow_ack_interval per connection (RFC
 * 5961 7): a flood of stale or forged segments must not be answered one
 * for one. */
static void send_oow_ack(struct tcp_conn *c, kiln_time now)
{
	if (tcp_cfg.oow_ack_interval && c->last_oow_ack &&
	    now - c->last_oow_ack < tcp_cfg.oow_ack_interval) {
		tcp_stats.oow_acks_limited++;
		return;
	}
	c->last_oow_ack = now ? now : 1;
	tcp_send_ack(c);
}

static bool acceptable(const struct tcp_conn *c, uint32_t seq, uint32_t seg_len,
                       uint32_t wnd)
{
	uint32_t nxt = c->rcv_nxt;
	if (!seg_len) {
		/* Up to the right edge itself, as Linux takes it: a peer
		 * that filled our window and lost its last segments sends
		 * its ACKs at the edge, and RFC 9293's strict bound would
		 * drop every one (and with them the acknowledgment of our
		 * data) until the hole is filled. */
		return SEQ_GEQ(seq, nxt) && SEQ_LEQ(seq, nxt + wnd);
	}
	if (!wnd)
		return false;
	uint32_t last = seq + seg_len - 1;
	return (SEQ_GEQ(seq, nxt) && SEQ_LT(seq, nxt + wnd)) ||
	       (SEQ_GEQ(last, nxt) && SEQ_LT(last, nxt + wnd));
}

/* TIME-WAIT. Returns true if c ended and the segment (a new SYN) should
 * go to the listener. */
static bool time_wait_input(struct tcp_conn *c, const struct tcp_header *h,
                            size_t data_len)
{
	if (h->flags & TCP_RST) {
		/* RFC 1337: RSTs do not cut TIME-WAIT short. */
		return false;
	}
	if ((h->flags & TCP_SYN) && !(h->flags & TCP_ACK)) {
		/* A new incarnation is safe if its SYN is above everything
		 * of the old one (RFC 9293 3.10.7.4 note, RFC 6191). */
		bool newer = SEQ_GT(h->seq, c->rcv_nxt);
		if ((c->flags & TF_TS) && h->opt.has_ts)
			newer = SEQ_GT(h->opt.ts_val, c->ts_recent);
		if (newer) {
			tcp_conn_done(c, 0);
			return true;
		}
		tcp_send_ack(c);
		return false;
	}
	if ((h->flags & TCP_FIN) || data_len) {
		/* The peer did not see our ACK of its FIN: again, and wait
		 * the full 2 MSL once more. */
		tcp_send_ack(c);
		if (h->flags & TCP_FIN) {
			c->t_2msl = kiln_now() + 2 * tcp_cfg.msl;
			tcp_timer_update(c);
		}
	}
	return false;
}

/* Every state after SYN-SENT. */
static void conn_input(struct tcp_conn *c, const struct tcp_header *h,
                       net_ipv4 src, net_ipv4 dst, struct kiln_view data)
{
	kiln_time now = kiln_now();
	uint8_t fl = h->flags;
	uint32_t seq = h->seq;
	uint32_t seg_len = (uint32_t)data.len + ((fl & TCP_SYN) ? 1 : 0) +
	                   ((fl & TCP_FIN) ? 1 : 0);

	if (c->state == TCP_SYN_RECEIVED && (fl & TCP_SYN) && !(fl & TCP_RST) &&
	    seq == c->irs) {
		if (!(fl & TCP_ACK)) {
			/* Our SYN-ACK was lost: the peer sent its SYN again. */
			tcp_send_syn(c);
			return;
		}
		/* Simultaneous open: the peer's SYN-ACK acknowledges our
		 * SYN; ACK it and we are established. */
		if (h->ack == c->iss + 1) {
			if (!establish(c, h->ack, h->window))
				return;
			c->snd_wnd = h->window;
			c->max_snd_wnd = c->snd_wnd;
			c->flags |= TF_ACKNOW;
			tcp_event(c, TCP_EV_WRITABLE);
			tcp_output(c);
			return;
		}
		NET_DROP(drop_tcp_invalid);
		tcp_send_rst_reply(dst, src, h, data.len);
		return;
	}

	/* PAWS (RFC 7323 5.3): an old timestamp marks an old duplicate.
	 * Segments without data (nor SYN or FIN) are spared: they carry
	 * nothing PAWS protects, their ACK is checked against the RFC 5961
	 * range and their window by snd_wl1/snd_wl2, and on a path that
	 * reorders they routinely arrive after newer ones - dropping them
	 * hides the duplicate ACKs and the progress the sender needs. */
	bool pure_ack = !seg_len && (fl & TCP_ACK);
	if ((c->flags & TF_TS) && h->opt.has_ts && !(fl & TCP_RST) &&
	    !pure_ack && SEQ_LT(h->opt.ts_val, c->ts_recent) &&
	    now - c->ts_recent_age < TS_24_DAYS) {
		tcp_stats.paws_drops++;
		NET_DROP(drop_tcp_invalid);
		send_oow_ack(c, now);
		return;
	}

	uint32_t wnd = tcp_rcv_free(c);
	if (SEQ_GT(c->rcv_adv, c->rcv_nxt) && c->rcv_adv - c->rcv_nxt > wnd)
		wnd = c->rcv_adv - c->rcv_nxt;
	if (!acceptable(c, seq, seg_len, wnd)) {
		if (wnd == 0 && seq == c->rcv_nxt) {
			/* A zero window still takes ACKs and RSTs
			 * (3.10.7.4). */
		} else if (!(fl & (TCP_RST | TCP_SYN)) && seg_len &&
		           SEQ_LEQ(seq + seg_len, c->rcv_nxt)) {
			/* Entirely old (a retransmission we already have):
			 * ACK it, but still take its acknowledgment, as BSD
			 * does; a peer retransmitting after a timeout would
			 * otherwise never get its ACKs through. The ACK
			 * D-SACKs it (RFC 2883), so that a sender which
			 * resent it needlessly can undo. */
			c->flags |= TF_ACKNOW;
			tcp_rcv_note_dup(c, seq, (uint32_t)data.len);
			data.len = 0;
			fl &= (uint8_t)~TCP_FIN;
		} else {
			NET_DROP(drop_tcp_invalid);
			if (!(fl & TCP_RST))
				send_oow_ack(c, now);
			return;
		}
	}

	if (fl & TCP_RST) {
		/* RFC 5961 3.2: only an exact match resets; another RST in
		 * the window gets a challenge ACK. */
		if (seq != c->rcv_nxt) {
			NET_DROP(drop_tcp_invalid);
			tcp_send_challenge_ack(c);
			return;
		}
		switch (c->state) {
		case TCP_SYN_RECEIVED:
			tcp_conn_done(c, (c->flags & TF_PASSIVE)
			                         ? 0
			                         : -KILN_ECONNREFUSED);
			break;
		case TCP_CLOSING:
		case TCP_LAST_ACK:
			tcp_conn_done(c, 0);
			break;
		default:
			tcp_stats.conns_reset++;
			tcp_conn_done(c, -KILN_ECONNRESET);
			break;
		}
		return;
	}

	if (fl & TCP_SYN) {
		/* RFC 5961 4: a SYN on a synchronized connection. */
		NET_DROP(drop_tcp_invalid);
		tcp_send_challenge_ack(c);
		return;
	}
	if (!(fl & TCP_ACK)) {
		NET_DROP(drop_tcp_invalid);
		return;
	}

	if (c->state == TCP_SYN_RECEIVED) {
		if (!SEQ_GT(h->ack, c->snd_una) || SEQ_GT(h->ack, c->snd_max)) {
			NET_DROP(drop_tcp_invalid);
			tcp_send_rst_reply(dst, src, h, data.len);
			return;
		}
		bool passive = c->flags & TF_PASSIVE;
		if (!establish(c, h->ack, h->window))
			return;
		c->snd_wl1 = seq;
		if (passive && c->listener)
			tcp_listener_ready(c);
		else
			tcp_event(c, TCP_EV_WRITABLE);
	}

	/* RFC 5961 5.2: acceptable ACKs lie in
	 * [snd_una - max_snd_wnd, snd_max]. */
	if (SEQ_GT(h->ack, c->snd_max)) {
		NET_DROP(drop_tcp_invalid);
		tcp_send_challenge_ack(c);
		return;
	}
	if (SEQ_LT(h->ack, c->snd_una - c->max_snd_wnd)) {
		NET_DROP(drop_tcp_invalid);
		tcp_send_challenge_ack(c);
		return;
	}

	/* RFC 7323 4.3: remember the timestamp to echo. (Skipping
	 * hole-filling segments here would spare the segments in flight
	 * behind a retransmission from PAWS, but leaves a stale echo for as
	 * long as a hole lasts, and the peer's RTT estimate and RTO balloon;
	 * so the RFC's rule it is.) */
	if ((c->flags & TF_TS) && h->opt.has_ts &&
	    SEQ_GEQ(h->opt.ts_val, c->ts_recent) &&
	    SEQ_LEQ(seq, c->last_ack_sent)) {
		c->ts_recent = h->opt.ts_val;
		c->ts_recent_age = now;
	}
	if ((c->flags & TF_TS) && h->opt.has_ts && h->opt.ts_ecr && data.len) {
		/* The receive side's RTT (for auto-tuning): how long ago we
		 * sent what this data's sender echoes. */
		uint32_t ms = tcp_ts_now(c) - h->opt.ts_ecr;
		if (ms < 60000) {
			kiln_time s = KILN_MSEC((kiln_time)ms);
			c->rcv_rtt = c->rcv_rtt ? (7 * c->rcv_rtt + s) / 8 : s;
		}
	}

	uint32_t new_wnd = (uint32_t)h->window << c->snd_wscale;
	/* A duplicate ACK (RFC 5681 2): no data, same window, nothing new
	 * acknowledged. With SACK an ACK that SACKs new data counts too,
	 * even if it carries data or a new window: on a connection sending
	 * both ways the ACKs ride on data and would otherwise never count
	 * (RFC 6675 2). */
	bool is_dup = h->ack == c->snd_una && !seg_len &&
	              new_wnd == c->snd_wnd && tcp_flight(c) > 0;
	/* Update the send window (RFC 9293 3.10.7.4, fifth check). */
	if (SEQ_LT(c->snd_wl1, seq) ||
	    (c->snd_wl1 == seq && SEQ_LEQ(c->snd_wl2, h->ack))) {
		bool opened = new_wnd > c->snd_wnd;
		c->snd_wnd = new_wnd;
		c->snd_wl1 = seq;
		c->snd_wl2 = h->ack;
		if (new_wnd > c->max_snd_wnd)
			c->max_snd_wnd = new_wnd;
		if (opened)
			tcp_event(c, TCP_EV_WRITABLE);
	}
	uint32_t prior_una = c->snd_una;
	if (SEQ_GT(h->ack, c->snd_una)) {
		sack_update(c, &h->opt);
		c->limited = 0;
		ack_new(c, h);
	} else if (tcp_rack_on(c)) {
		sack_update(c, &h->opt);
	} else {
		uint32_t before = sacked_bytes(c);
		sack_update(c, &h->opt);
		if (h->ack == c->snd_una && tcp_flight(c) > 0 &&
		    sacked_bytes(c) > before)
			is_dup = true;
		if (is_dup)
			dup_ack(c);
		else if (h->ack == c->snd_una && !data.len)
			c->dupacks = 0;
	}

	if (tcp_rack_on(c) && c->state != TCP_SYN_RECEIVED)
		tcp_rack_ack(c, h, prior_una);
	if (c->snd_max != c->snd_una || c->snd.len)
		tcp_snd_autotune(c);

	bool fin_acked =
	        (c->flags & TF_FIN_SENT) && SEQ_GT(c->snd_una, c->fin_seq);
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked) {
			c->state = TCP_FIN_WAIT_2;
			/* An orphan must not wait forever for the peer's
			 * FIN. */
			if (c->flags & TF_ORPHAN)
				c->t_orphan = now + tcp_cfg.orphan_timeout;
		}
		break;
	case TCP_CLOSING:
		if (fin_acked) {
			tcp_enter_time_wait(c);
			return;
		}
		break;
	case TCP_LAST_ACK:
		if (fin_acked) {
			tcp_conn_done(c, 0);
			return;
		}
		break;
	default:
		break;
	}

	bool fin = fl & TCP_FIN;
	if (data.len || fin) {
		switch (c->state) {
		case TCP_ESTABLISHED:
		case TCP_FIN_WAIT_1:
		case TCP_FIN_WAIT_2:
			if ((c->flags & TF_ORPHAN) && data.len &&
			    SEQ_GT(seq + (uint32_t)data.len, c->rcv_nxt)) {
				/* Nobody will read this: RFC 9293 3.10.4
				 * (and RFC 2525 2.17) say reset. */
				tcp_send_rst_for(c);
				tcp_conn_done(c, -KILN_ECONNRESET);
				return;
			}
			data_arrived(c, seq, data, &fin);
			break;
		default:
			/* The peer already closed: ignore data (3.10.7.4,
			 * seventh check). */
			break;
		}
	}
	if (fin && c->state != TCP_TIME_WAIT) {
		uint32_t fin_seq = seq + (uint32_t)data.len;
		if (fin_seq == c->rcv_nxt) {
			fin_arrived(c);
		} else if (SEQ_GT(fin_seq, c->rcv_nxt)) {
			c->flags |= TF_OOO_FIN | TF_ACKNOW;
			c->rcv_fin_seq = fin_seq;
		}
	}
	if (c->state == TCP_TIME_WAIT)
		return;
	tcp_output(c);
}

void tcp_input(net_ipv4 src, net_ipv4 dst, const uint8_t *seg, size_t len)
{
	struct tcp_header h;
	struct kiln_view data;

	tcp_stats.segs_in++;
	if (tcp_parse(kiln_view_make(seg, len), &h, &data) != TCP_PARSE_OK ||
	    !h.sport || !h.dport) {
		NET_DROP(drop_tcp_malformed);
		return;
	}
	if (!net_rx_csum_trusted && !tcp_checksum_ok(src, dst, seg, len)) {
		NET_DROP(drop_tcp_checksum);
		return;
	}
	struct tcp_conn *c = tcp_lookup(dst, h.dport, src, h.sport);
	if (c && c->state == TCP_TIME_WAIT) {
		if (!time_wait_input(c, &h, data.len))
			goto out;
		c = NULL;
	}
	if (!c) {
		struct tcp_listener *l = tcp_listener_find(dst, h.dport);
		if (l && (c = tcp_syncookie_check(l, src, dst, &h))) {
			/* A good cookie: the ACK completes the handshake. */
			c->last_rx = kiln_now();
			conn_input(c, &h, src, dst, data);
		} else if (l) {
			listen_input(l, src, dst, &h, data.len);
		} else {
			NET_DROP(drop_tcp_no_socket);
			tcp_send_rst_reply(dst, src, &h, data.len);
		}
		goto out;
	}
	c->last_rx = kiln_now();
	c->keep_probes = 0;
	if (c->state == TCP_SYN_SENT)
		syn_sent_input(c, &h, src, dst, data.len);
	else
		conn_input(c, &h, src, dst, data);
out:
	tcp_deliver_events();
}

void tcp_icmp_error(net_ipv4 src, net_ipv4 dst, const uint8_t *quoted,
                    size_t len, uint8_t type, uint8_t code)
{
	struct kiln_view v = kiln_view_make(quoted, len);
	uint16_t sport, dport;
	uint32_t seq;

	if (!kiln_view_u16(&v, &sport) || !kiln_view_u16(&v, &dport) ||
	    !kiln_view_u32(&v, &seq))
		return;
	/* src and dst are those of the quoted packet: ours, then the
	 * peer's. */
	struct tcp_conn *c = tcp_lookup(src, sport, dst, dport);
	if (!c || type != 3)
		return;
	/* Only hard errors for a connection not yet established abort it
	 * (RFC 1122 4.2.3.9; RFC 5927 for why not later); the sequence
	 * number must be one we sent. Fragmentation-needed (code 4) is the
	 * IP layer's business. */
	if (c->state != TCP_SYN_SENT || code == 4)
		return;
	if (SEQ_LT(seq, c->snd_una) || SEQ_GEQ(seq, c->snd_max))
		return;
	tcp_conn_done(c, (code == 2 || code == 3) ? -KILN_ECONNREFUSED
	                                          : -KILN_EHOSTUNREACH);
	tcp_deliver_events();
}
