/*
 * lib/net/tcp_rack.c - loss recovery on SACK connections: RACK-TLP
 * (RFC 8985) with a record per transmission, proportional rate reduction
 * during recovery (RFC 6937), and undo of spurious recoveries and
 * timeouts from D-SACK (RFC 2883, RFC 3708) and from timestamps (the
 * Eifel detection of RFC 3522).
 *
 * - Every transmission (tcp_output, tcp_retransmit) leaves a record with
 *   its send time (tcp_impl.h, struct tcp_segrec). An ACK marks the
 *   records it covers (cumulatively or by SACK) delivered; the most
 *   recently sent delivered one gives RACK.xmit_ts and RACK.rtt.
 * - A record not delivered, sent before RACK.xmit_ts, is lost once
 *   RACK.rtt + the reordering window has passed since it was sent; the
 *   reordering timer checks again when that time comes. A retransmission
 *   is a transmission like the others, so a lost retransmission is
 *   found the same way (no waiting for the RTO).
 * - Reordering window: 0 until reordering was seen (while SACKs show
 *   three segments above a hole, or in recovery), then the larger of
 *   min_rtt / 4 times a multiplier that each round with a D-SACK raises
 *   and the reordering extent seen (how late past RACK.rtt the segment
 *   at snd_una arrived, from the ACK echoing its timestamp), at most
 *   SRTT; both back to their start after 16 recoveries without one.
 * - Tail-loss probe: with data in flight and no timeout recovery under
 *   way (fast recovery included: the ACK ending it may be lost), a
 *   probe goes out 2 SRTT after the last transmission (plus 200 ms for a
 *   flight of one segment, the peer's worst delayed ACK; never later
 *   than the RTO would fire): new data if the windows allow, else the
 *   last segment again. Its ACK, or the SACKs it draws, start recovery
 *   by RACK; a probe that repaired a loss on its own (acknowledged
 *   without a D-SACK) still halves the window. Unanswered, up to
 *   TLP_MAX probes go out, each after twice the wait of the one before,
 *   before the RTO (an RTO after the first).
 * - Recovery: once a record is marked lost, ssthresh comes from the
 *   congestion controller (tcp_cc.c) and PRR sets how much may go out on
 *   each ACK, lost records first; recovery ends when snd_una passes the
 *   point where it began.
 * - Undo: if the peer D-SACKs every retransmission of an episode, or the
 *   ACK of a retransmitted segment echoes a timestamp older than the
 *   first retransmission (the original arrived), the episode was
 *   spurious: the window and ssthresh before it come back and the
 *   reordering window grows.
 * - The RTO stays the last resort: it marks every record not SACKed lost
 *   and restarts from one segment (the SACK marks are dropped when the
 *   head of the flight is SACKed or on a second timeout, since the peer
 *   may have reneged).
 */
#include "tcp_impl.h"

#include <stdlib.h>
#include <string.h>

/* RFC 8985 7.2: WCDelAckT, the worst-case delayed ACK of the peer. */
#define TLP_WCDELACK KILN_MSEC(200)
/* Probes sent while no ACK comes back, before the RTO is left to act:
 * each waits twice as long as the one before, and the RTO's deadline is
 * set by the first. */
#define TLP_MAX 3
/* Records kept per connection at most (beyond, ranges stay coarse). */
#define RACK_MAX_RECORDS 16384
#define MIN_RTT_WINDOW KILN_SEC(10)

#define TS_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)

void tcp_rack_release(struct tcp_conn *c)
{
	free(c->rack.seg);
	c->rack.seg = NULL;
	c->rack.n = c->rack.cap = 0;
	c->rack.sacked = c->rack.lost = 0;
}

static bool grow(struct tcp_rack *r)
{
	if (r->n < r->cap)
		return true;
	if (r->cap >= RACK_MAX_RECORDS)
		return false;
	unsigned cap = r->cap ? 2 * r->cap : 16;
	struct tcp_segrec *s = realloc(r->seg, cap * sizeof(*s));
	if (!s)
		return false;
	r->seg = s;
	r->cap = cap;
	return true;
}

/* The index of the record holding seq, or n. */
static unsigned find(const struct tcp_rack *r, uint32_t seq)
{
	unsigned lo = 0, hi = r->n;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (SEQ_LEQ(r->seg[mid].end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Make seq a record boundary; false if there was no room to. */
static bool split_at(struct tcp_rack *r, uint32_t seq)
{
	unsigned i = find(r, seq);
	if (i == r->n || r->seg[i].start == seq ||
	    SEQ_LEQ(seq, r->seg[i].start))
		return true;
	if (!grow(r))
		return false;
	memmove(&r->seg[i + 1], &r->seg[i], (r->n - i) * sizeof(*r->seg));
	r->n++;
	r->seg[i].end = seq;
	r->seg[i + 1].start = seq;
	return true;
}

static void set_flag(struct tcp_rack *r, struct tcp_segrec *s, unsigned f)
{
	uint32_t len = s->end - s->start;
	if ((f & SR_SACKED) && !(s->flags & SR_SACKED))
		r->sacked += len;
	if ((f & SR_LOST) && !(s->flags & SR_LOST))
		r->lost += len;
	s->flags |= f;
}

static void clear_flag(struct tcp_rack *r, struct tcp_segrec *s, unsigned f)
{
	uint32_t len = s->end - s->start;
	if ((f & SR_SACKED) && (s->flags & SR_SACKED))
		r->sacked -= len;
	if ((f & SR_LOST) && (s->flags & SR_LOST))
		r->lost -= len;
	s->flags &= ~f;
}

uint32_t tcp_rack_pipe(const struct tcp_conn *c)
{
	uint32_t out = tcp_flight(c);
	uint32_t gone = c->rack.sacked + c->rack.lost;
	return out > gone ? out - gone : 0;
}

void tcp_rack_sent(struct tcp_conn *c, uint32_t seq, uint32_t seq_len,
                   bool rexmit)
{
	struct tcp_rack *r = &c->rack;
	if (!tcp_rack_on(c) || !seq_len)
		return;
	kiln_time now = kiln_now();
	uint32_t tsval = tcp_ts_now(c);
	uint32_t end = seq + seq_len;
	bool idle = !r->n;
	if (c->flags & TF_RECOVERY)
		r->prr_out += seq_len;
	tcp_bbr_paced(c, seq_len, now);
	if (!rexmit || !r->n || SEQ_GEQ(seq, r->seg[r->n - 1].end)) {
		/* New data: one record at the end (merged with the last one
		 * if sent at the same instant, as a TSO burst is). */
		if (r->n) {
			struct tcp_segrec *l = &r->seg[r->n - 1];
			if (l->end != seq) {
				/* Not contiguous (cannot happen): start over.
				 */
				tcp_rack_release(c);
			} else if (l->xmit == now && !l->flags &&
			           (!c->bbr ||
			            l->d_delivered == c->bbr->delivered)) {
				l->end = end;
				return;
			}
		}
		if (!grow(r))
			return;
		struct tcp_segrec *s = &r->seg[r->n++];
		s->start = seq;
		s->end = end;
		s->xmit = s->xmit0 = now;
		s->tsval = s->tsval0 = tsval;
		s->flags = 0;
		tcp_bbr_sent(c, s, now, idle);
		return;
	}
	if (SEQ_LT(seq, r->seg[0].start))
		seq = r->seg[0].start;
	if (SEQ_GT(end, r->seg[r->n - 1].end))
		end = r->seg[r->n - 1].end;
	split_at(r, seq);
	split_at(r, end);
	if (!r->retrans_tsval || !r->undo_on)
		r->retrans_tsval = tsval;
	for (unsigned i = find(r, seq); i < r->n; i++) {
		struct tcp_segrec *s = &r->seg[i];
		if (SEQ_GEQ(s->start, end))
			break;
		clear_flag(r, s, SR_LOST);
		s->flags |= SR_RETRANS;
		s->xmit = now;
		s->tsval = tsval;
		tcp_bbr_sent(c, s, now, false);
		if (r->undo_on && ((c->flags & TF_RECOVERY) || r->loss_state))
			r->undo_retrans++;
	}
}

/* The reordering window (RFC 8985 6.2 step 4). */
static kiln_time reo_wnd(const struct tcp_conn *c)
{
	const struct tcp_rack *r = &c->rack;
	if (!r->reord_seen && ((c->flags & TF_RECOVERY) || r->loss_state ||
	                       r->sacked >= 3u * c->smss))
		return 0;
	kiln_time base = r->min_rtt ? r->min_rtt : c->srtt;
	kiln_time w = base / 4 * (kiln_time)(r->reo_mult ? r->reo_mult : 1);
	/* min_rtt / 4 steps alone cannot reach a reordering that is long
	 * next to the smallest RTT (a path where some segments skip a 5 ms
	 * queue: min_rtt 0.04-0.4 ms, each step one spurious recovery, and
	 * back to 1 after 16): cover how late segments were seen to be. */
	if (r->reo_extent > w)
		w = r->reo_extent;
	if (c->srtt && w > c->srtt)
		w = c->srtt;
	return w;
}

static bool sent_after(kiln_time t1, uint32_t e1, kiln_time t2, uint32_t e2)
{
	return t1 > t2 || (t1 == t2 && SEQ_GT(e1, e2));
}

/* A segment sent before the newest delivered one arrived after time
 * `took` since it was sent: past RACK.rtt, that is reordering. */
static void note_extent(struct tcp_rack *r, kiln_time took)
{
	kiln_time late = took - r->rtt;
	if (r->rtt && late > r->reo_extent)
		r->reo_extent = late;
}

/* A record was delivered (RFC 8985 6.2 step 2). */
static void delivered(struct tcp_conn *c, const struct tcp_segrec *s,
                      uint32_t ts_ecr, kiln_time now, uint32_t fack0,
                      bool arrived)
{
	struct tcp_rack *r = &c->rack;
	kiln_time rtt = now - s->xmit;
	/* fack0: the highest delivered before this ACK (the blocks of one
	 * ACK come in any order). */
	if (SEQ_LT(s->start, fack0) && !(s->flags & SR_RETRANS) &&
	    !r->reord_seen) {
		/* Delivered below something delivered before, never
		 * resent: the path reorders. */
		r->reord_seen = true;
		net_counters.tcp_reordering_seen++;
	}
	/* arrived: the segment at the old snd_una, which this cumulative
	 * ACK may have been sent for; and it was if the ACK echoes its
	 * timestamp. Others covered (and SACKed ones: the reports of a
	 * block may have been lost, or it fell out of the blocks) may have
	 * arrived long before and say nothing of how late they were: on a
	 * loss-10% path counting them held the window at SRTT. */
	if (arrived && SEQ_LT(s->start, fack0) && !(s->flags & SR_RETRANS) &&
	    (!ts_ecr || ts_ecr == s->tsval))
		note_extent(r, now - s->xmit);
	if (SEQ_GT(s->end, r->fack))
		r->fack = s->end;
	if (s->flags & SR_RETRANS) {
		/* The ACK may be for the original transmission: it was
		 * only late (by how much if the ACK echoes its timestamp). */
		if (ts_ecr && TS_LT(ts_ecr, s->tsval)) {
			if (arrived && ts_ecr == s->tsval0)
				note_extent(r, now - s->xmit0);
			return;
		}
		if (rtt < r->min_rtt)
			return;
	} else if (!r->min_rtt || rtt <= r->min_rtt ||
	           now - r->min_rtt_at > MIN_RTT_WINDOW) {
		r->min_rtt = rtt ? rtt : 1;
		r->min_rtt_at = now;
	}
	if (sent_after(s->xmit, s->end, r->xmit_ts, r->end_seq)) {
		r->xmit_ts = s->xmit;
		r->end_seq = s->end;
		r->rtt = rtt;
	}
}

/* RFC 8985 6.2 step 5: mark what is lost; returns the bytes newly marked
 * and sets *wait to when to look again (0: no need). */
static uint32_t detect_loss(struct tcp_conn *c, kiln_time now, kiln_time *wait)
{
	struct tcp_rack *r = &c->rack;
	kiln_time reo = reo_wnd(c);
	uint32_t marked = 0;
	*wait = 0;
	if (!r->xmit_ts)
		return 0;
	for (unsigned i = 0; i < r->n; i++) {
		struct tcp_segrec *s = &r->seg[i];
		if (s->flags & (SR_SACKED | SR_LOST))
			continue;
		/* Only what was sent before the newest delivered segment. */
		if (!sent_after(r->xmit_ts, r->end_seq, s->xmit, s->end))
			continue;
		/* A retransmission in the same tick as the delivered segment
		 * was sent after it, whatever the sequence numbers say. */
		if ((s->flags & SR_RETRANS) && s->xmit == r->xmit_ts)
			continue;
		kiln_time remaining = s->xmit + r->rtt + reo - now;
		if (remaining <= 0) {
			if (s->flags & SR_RETRANS)
				net_counters.tcp_lost_retransmits++;
			set_flag(r, s, SR_LOST);
			net_counters.tcp_rack_marked_lost++;
			marked += s->end - s->start;
		} else if (remaining > *wait) {
			*wait = remaining;
		}
	}
	return marked;
}

static void enter_recovery(struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;
	r->undo_on = true;
	r->prior_cwnd = c->cwnd;
	r->prior_ssthresh = c->ssthresh;
	r->undo_retrans = 0;
	r->retrans_tsval = 0;
	r->undo_marker = c->snd_una;
	tcp_bbr_loss_begin(c, false);
	if (!tcp_bbr_on(c)) /* BBR keeps its window (tcp_bbr.c) */
		c->ssthresh = tcp_cc_ssthresh(c);
	c->recover = c->snd_max;
	c->flags |= TF_RECOVERY;
	r->prr_delivered = 0;
	r->prr_out = 0;
	r->recover_fs = tcp_flight(c);
	if (!r->recover_fs)
		r->recover_fs = 1;
	tcp_stats.fast_retransmits++;
	if (r->reo_persist && !--r->reo_persist) {
		r->reo_mult = 1;
		r->reo_extent = 0;
	}
}

/* The episode (recovery or timeout) was spurious: back to before it. */
static void seen_reordering(struct tcp_rack *r)
{
	if (!r->reord_seen)
		net_counters.tcp_reordering_seen++;
	r->reord_seen = true;
}

static void undo(struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;
	if (c->cwnd < r->prior_cwnd)
		c->cwnd = r->prior_cwnd;
	if (c->ssthresh < r->prior_ssthresh)
		c->ssthresh = r->prior_ssthresh;
	c->flags &= ~TF_RECOVERY;
	r->loss_state = false;
	r->undo_on = false;
	/* What was marked lost and not resent yet is not lost. */
	for (unsigned i = 0; i < r->n; i++)
		clear_flag(r, &r->seg[i], SR_LOST);
	seen_reordering(r);
	/* As for a D-SACK: the reordering window was too small. */
	if (SEQ_GEQ(c->snd_una, r->dsack_round)) {
		if (r->reo_mult < 255)
			r->reo_mult++;
		r->dsack_round = c->snd_max;
		r->reo_persist = 16;
	}
	net_counters.tcp_undos++;
}

/* PRR (RFC 6937 3): the window for this ACK. */
static void prr(struct tcp_conn *c, uint32_t delivered_now)
{
	struct tcp_rack *r = &c->rack;
	uint32_t pipe = tcp_rack_pipe(c);
	uint64_t sndcnt;
	r->prr_delivered += delivered_now;
	if (pipe > c->ssthresh) {
		uint64_t want = ((uint64_t)r->prr_delivered * c->ssthresh +
		                 r->recover_fs - 1) /
		                r->recover_fs;
		sndcnt = want > r->prr_out ? want - r->prr_out : 0;
	} else {
		/* Slow-start reduction bound. */
		uint64_t limit = r->prr_delivered > r->prr_out
		                         ? r->prr_delivered - r->prr_out
		                         : 0;
		if (limit < delivered_now)
			limit = delivered_now;
		limit += c->smss;
		sndcnt = c->ssthresh - pipe;
		if (sndcnt > limit)
			sndcnt = limit;
	}
	/* The first retransmission goes out whatever the arithmetic. */
	if (!r->prr_out && sndcnt < c->smss)
		sndcnt = c->smss;
	c->cwnd = pipe + (uint32_t)sndcnt;
}

/* A D-SACK (RFC 2883 4): the first block below the cumulative ACK, or
 * inside the second block. */
static bool dsack_of(const struct tcp_header *h, struct tcp_sack_block *b)
{
	const struct tcp_options *o = &h->opt;
	if (!o->n_sack)
		return false;
	*b = o->sack[0];
	if (SEQ_GEQ(b->start, b->end))
		return false;
	if (SEQ_LEQ(b->end, h->ack))
		return true;
	return o->n_sack > 1 && SEQ_GEQ(b->start, o->sack[1].start) &&
	       SEQ_LEQ(b->end, o->sack[1].end);
}

static void reorder_timer_set(struct tcp_conn *c, kiln_time now, kiln_time wait)
{
	c->t_reo = wait ? now + wait + 1 : 0;
}

void tcp_rack_ack(struct tcp_conn *c, const struct tcp_header *h,
                  uint32_t prior_una)
{
	struct tcp_rack *r = &c->rack;
	kiln_time now = kiln_now();
	uint32_t ts_ecr =
	        (c->flags & TF_TS) && h->opt.has_ts ? h->opt.ts_ecr : 0;
	uint32_t delivered_now = 0;
	uint32_t fack0 = r->fack;
	bool advanced = SEQ_GT(c->snd_una, prior_una);

	/* Cumulatively acknowledged records. */
	unsigned k = 0;
	bool retrans_acked = false;
	while (k < r->n && SEQ_LEQ(r->seg[k].end, c->snd_una)) {
		struct tcp_segrec *s = &r->seg[k];
		if (!(s->flags & SR_SACKED)) {
			delivered_now += s->end - s->start;
			tcp_bbr_delivered(c, s, s->end - s->start, now);
			delivered(c, s, ts_ecr, now, fack0,
			          s->start == prior_una);
		}
		if (s->flags & SR_RETRANS)
			retrans_acked = true;
		clear_flag(r, s, SR_SACKED | SR_LOST);
		k++;
	}
	if (k) {
		memmove(r->seg, r->seg + k, (r->n - k) * sizeof(*r->seg));
		r->n -= k;
	}
	if (r->n && SEQ_LT(r->seg[0].start, c->snd_una)) {
		struct tcp_segrec *s = &r->seg[0];
		uint32_t cut = c->snd_una - s->start;
		if (!(s->flags & SR_SACKED)) {
			delivered_now += cut;
			tcp_bbr_delivered(c, s, cut, now);
		}
		if (s->flags & SR_SACKED)
			r->sacked -= cut;
		if (s->flags & SR_LOST)
			r->lost -= cut;
		s->start = c->snd_una;
		if (s->flags & SR_RETRANS)
			retrans_acked = true;
		if (!(s->flags & SR_SACKED))
			delivered(c, s, ts_ecr, now, fack0, k == 0);
	}
	if (!r->n) {
		/* Nothing in flight: like the rings (tcp_buf.c), the records
		 * are taken again with the next flight, so an idle
		 * connection costs its struct alone. */
		tcp_rack_release(c);
	}
	if (SEQ_GT(c->snd_una, r->fack))
		r->fack = c->snd_una;

	/* D-SACK: a retransmission (or a duplicate) the peer had already. */
	struct tcp_sack_block d;
	bool dsack = dsack_of(h, &d);
	bool episode_dsack = false;
	if (dsack) {
		net_counters.tcp_dsacks++;
		/* Only for what the episode resent. */
		if (r->undo_on && r->undo_retrans &&
		    SEQ_GEQ(d.start, r->undo_marker) &&
		    SEQ_LEQ(d.end, c->recover)) {
			r->undo_retrans--;
			episode_dsack = true;
		}
		seen_reordering(r);
		/* RFC 8985 6.2 step 4: a wider window, once per round. */
		if (SEQ_GEQ(c->snd_una, r->dsack_round)) {
			if (r->reo_mult < 255)
				r->reo_mult++;
			r->dsack_round = c->snd_max;
			r->reo_persist = 16;
		}
	}

	/* SACK blocks. */
	for (unsigned i = dsack ? 1 : 0; i < h->opt.n_sack; i++) {
		struct tcp_sack_block b = h->opt.sack[i];
		if (SEQ_GEQ(b.start, b.end) || SEQ_LEQ(b.end, c->snd_una) ||
		    SEQ_GT(b.end, c->snd_max))
			continue;
		if (SEQ_LT(b.start, c->snd_una))
			b.start = c->snd_una;
		split_at(r, b.start);
		split_at(r, b.end);
		for (unsigned j = find(r, b.start); j < r->n; j++) {
			struct tcp_segrec *s = &r->seg[j];
			if (SEQ_GT(s->end, b.end))
				break;
			if (SEQ_LT(s->start, b.start) || (s->flags & SR_SACKED))
				continue;
			delivered_now += s->end - s->start;
			tcp_bbr_delivered(c, s, s->end - s->start, now);
			delivered(c, s, ts_ecr, now, fack0, false);
			clear_flag(r, s, SR_LOST);
			set_flag(r, s, SR_SACKED);
		}
	}

	/* Spurious episode? The ACK of a retransmission echoing a timestamp
	 * from before the first retransmission means the original got
	 * there (RFC 3522); D-SACKs for every retransmission say the same
	 * (RFC 3708). */
	if (r->undo_on) {
		bool eifel = ((c->flags & TF_RECOVERY) || r->loss_state) &&
		             retrans_acked && ts_ecr && r->retrans_tsval &&
		             TS_LT(ts_ecr, r->retrans_tsval);
		/* (D-SACKs may come after the episode ended.) */
		bool all_dsacked = episode_dsack && !r->undo_retrans;
		if (eifel || all_dsacked)
			undo(c);
	}

	/* The tail-loss probe's outcome (RFC 8985 7.4). */
	if (r->tlp_on && SEQ_GEQ(c->snd_una, r->tlp_end_seq)) {
		r->tlp_on = false;
		r->tlp_count = 0;
		if ((dsack && r->tlp_retrans) || r->tlp_in_recovery) {
			/* The probe was not needed, or the loss it may have
			 * repaired belongs to a recovery that already
			 * reduced the window. */
		} else if (r->tlp_retrans && SEQ_GT(c->snd_una, prior_una) &&
		           !(c->flags & TF_RECOVERY)) {
			/* It repaired a loss: respond to the congestion (BBR
			 * does not take a loss for congestion). */
			net_counters.tcp_tlp_recovered++;
			if (!tcp_bbr_on(c)) {
				c->ssthresh = tcp_cc_ssthresh(c);
				c->cwnd = c->ssthresh;
			}
		}
	}

	/* End of recovery or of the post-timeout period. */
	if ((c->flags & TF_RECOVERY) && SEQ_GEQ(c->snd_una, c->recover)) {
		c->flags &= ~TF_RECOVERY;
		if (!tcp_bbr_on(c)) /* BBR restores its own (tcp_bbr_ack) */
			c->cwnd = c->ssthresh;
		c->dupacks = 0;
		/* undo_on stays: D-SACKs for the episode may follow. */
	}
	if (r->loss_state && SEQ_GEQ(c->snd_una, c->recover))
		r->loss_state = false;

	kiln_time wait;
	uint32_t marked = detect_loss(c, now, &wait);
	reorder_timer_set(c, now, wait);
	if (marked && !(c->flags & TF_RECOVERY) && !r->loss_state) {
		if (r->tlp_on)
			net_counters.tcp_tlp_recovered++;
		r->tlp_on = false;
		r->tlp_count = 0;
		enter_recovery(c);
	}
	if (tcp_bbr_on(c))
		tcp_bbr_ack(c, delivered_now, marked, now);
	else if (c->flags & TF_RECOVERY)
		prr(c, delivered_now);
	/* The ACK clock ticks: probes count afresh. In recovery, SACKed
	 * progress also shows it alive. */
	if (advanced || delivered_now)
		r->tlp_count = 0;
	if (advanced || ((c->flags & TF_RECOVERY) && delivered_now))
		tcp_rack_arm(c, true);
}

void tcp_rack_retransmit(struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;
	if (!tcp_rack_on(c) || !r->lost)
		return;
	for (unsigned i = 0; i < r->n && r->lost;) {
		struct tcp_segrec *s = &r->seg[i];
		if (!(s->flags & SR_LOST)) {
			i++;
			continue;
		}
		uint32_t pipe = tcp_rack_pipe(c);
		if (pipe >= c->cwnd && !r->tlp_force)
			return;
		if (!net_tx_room() || !tcp_bbr_may_send(c, kiln_now()))
			return;
		uint32_t len = s->end - s->start;
		if (len > c->smss)
			len = c->smss;
		uint32_t start = s->start;
		tcp_retransmit(c, start, len);
		/* Records moved (split): find the next lost one afresh. */
		i = find(r, start);
		if (i < r->n && r->seg[i].start == start &&
		    (r->seg[i].flags & SR_LOST))
			return; /* nothing went out */
		tcp_stats.sack_retransmits++;
	}
}

void tcp_rack_arm(struct tcp_conn *c, bool restart)
{
	struct tcp_rack *r = &c->rack;
	if (!tcp_rack_on(c))
		return;
	if (!tcp_flight(c)) {
		c->t_tlp = c->t_reo = 0;
		r->tlp_on = false;
		r->tlp_count = 0;
		return;
	}
	/* Unlike RFC 8985 7.2, a probe may also go out in recovery: with
	 * the small flights of a lossy path the ACK that ends a recovery is
	 * often the only one, and if it is lost nothing but the RTO (200 ms
	 * at least, hundreds of round trips on a LAN) would follow. */
	if (r->loss_state || (r->tlp_on && r->tlp_count >= TLP_MAX) ||
	    !c->srtt || c->state == TCP_SYN_RECEIVED) {
		c->t_tlp = 0;
		return;
	}
	if (c->t_tlp && !restart)
		return;
	kiln_time now = kiln_now();
	kiln_time pto = 2 * c->srtt;
	if (tcp_flight(c) <= c->smss)
		pto += TLP_WCDELACK;
	else
		pto += KILN_MSEC(2);
	if (r->tlp_on)
		pto <<= r->tlp_count; /* a probe went unanswered */
	kiln_time at = now + pto;
	if (c->t_rexmt && at >= c->t_rexmt) {
		if (r->tlp_on) {
			/* Past the deadline the first probe set: the RTO. */
			c->t_tlp = 0;
			return;
		}
		at = c->t_rexmt; /* the probe instead of the timeout */
	}
	c->t_tlp = at;
}

static void send_probe(struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;
	uint32_t off = c->snd_nxt - c->snd_una;
	bool fresh = off < c->snd.len && c->snd_wnd > off;
	uint32_t before = c->snd_max;
	r->tlp_retrans = false;
	if (fresh) {
		r->tlp_force = true;
		tcp_output(c);
		r->tlp_force = false;
	}
	if (c->snd_max == before) {
		/* Nothing new could go: the last segment again. */
		if (!r->n)
			return;
		struct tcp_segrec *l = &r->seg[r->n - 1];
		uint32_t start = l->start;
		uint32_t fin = (c->flags & TF_FIN_SENT) ? 1 : 0;
		if (c->snd_max - fin - start > c->smss)
			start = c->snd_max - fin - c->smss;
		r->tlp_retrans = true;
		tcp_retransmit(c, start, c->snd_max - fin - start);
	}
	bool in_rec = (c->flags & TF_RECOVERY) != 0;
	r->tlp_in_recovery =
	        r->tlp_on ? (r->tlp_in_recovery || in_rec) : in_rec;
	r->tlp_on = true;
	r->tlp_count++;
	r->tlp_end_seq = c->snd_max;
	net_counters.tcp_tlp_sent++;
}

void tcp_rack_timer(struct tcp_conn *c, kiln_time now)
{
	if (c->t_reo && now >= c->t_reo) {
		c->t_reo = 0;
		kiln_time wait;
		uint32_t marked = detect_loss(c, now, &wait);
		reorder_timer_set(c, now, wait);
		if (marked) {
			net_counters.tcp_rack_reo_timeouts++;
			if (!(c->flags & TF_RECOVERY) && !c->rack.loss_state) {
				c->rack.tlp_on = false;
				c->rack.tlp_count = 0;
				enter_recovery(c);
				if (!tcp_bbr_on(c))
					prr(c, 0);
			}
			tcp_output(c);
		}
	}
	if (c->t_tlp && now >= c->t_tlp) {
		c->t_tlp = 0;
		if (tcp_flight(c) && !c->rack.loss_state) {
			bool first = !c->rack.tlp_on;
			send_probe(c);
			/* The first probe replaces the RTO, which then follows
			 * it by an RTO; later ones come before that deadline
			 * (tcp_rack_arm). */
			if (first)
				c->t_rexmt = now + c->rto;
			tcp_rack_arm(c, true);
		}
	}
}

void tcp_rack_rto(struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;
	bool renege =
	        c->backoff >= 1 || (r->n && (r->seg[0].flags & SR_SACKED));
	if (!r->undo_on || !(c->flags & TF_RECOVERY)) {
		r->undo_on = true;
		r->prior_cwnd = c->cwnd;
		r->prior_ssthresh = c->ssthresh;
		r->undo_retrans = 0;
		r->retrans_tsval = 0;
		r->undo_marker = c->snd_una;
	}
	if (c->backoff >= 1)
		r->undo_on = false; /* a second timeout is real */
	tcp_bbr_loss_begin(c, true);
	for (unsigned i = 0; i < r->n; i++) {
		struct tcp_segrec *s = &r->seg[i];
		if (renege)
			clear_flag(r, s, SR_SACKED);
		if (!(s->flags & SR_SACKED))
			set_flag(r, s, SR_LOST);
	}
	r->loss_state = true;
	r->tlp_on = false;
	r->tlp_count = 0;
	c->t_tlp = c->t_reo = 0;
}
