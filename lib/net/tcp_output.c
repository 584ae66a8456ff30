/*
 * lib/net/tcp_output.c - building segments and deciding what to send.
 *
 * Every segment leaves through xmit(): header and options in a small
 * stack buffer, data as up to two chunks pointing into the send ring, the
 * checksum over the pseudo-header, then ipv4_output().
 */
#include "tcp_impl.h"

#include "wire/checksum.h"

#include <string.h>

/* A per-second budget (RST replies, challenge ACKs). */
struct rate_limit {
	kiln_time window_start;
	unsigned used;
};

static bool rate_allow(struct rate_limit *r, unsigned per_sec)
{
	kiln_time now = kiln_now();
	if (now - r->window_start >= KILN_SEC(1) || now < r->window_start) {
		r->window_start = now;
		r->used = 0;
	}
	if (r->used >= per_sec)
		return false;
	r->used++;
	return true;
}

static struct rate_limit rst_limit, challenge_limit;

uint16_t tcp_local_mss(void)
{
	size_t mtu = ipv4_payload_mtu();
	size_t mss = mtu > TCP_HDR_MIN + 64 ? mtu - TCP_HDR_MIN : 64;
	return mss > 65535 ? 65535 : (uint16_t)mss;
}

void tcp_set_smss(struct tcp_conn *c)
{
	/* RFC 9293 3.7.1: the peer's MSS (536 if it sent none), clamped
	 * to what our interface carries, less the options we put on every
	 * segment (RFC 6691). */
	uint32_t mss = c->peer_mss ? c->peer_mss : 536;
	uint32_t local = tcp_local_mss();
	if (mss > local)
		mss = local;
	if (c->flags & TF_TS)
		mss -= 12;
	if (mss < 32)
		mss = 32;
	c->smss = (uint16_t)mss;
}

uint32_t tcp_ts_now(const struct tcp_conn *c)
{
	/* A millisecond clock (RFC 7323 5.4 asks for 1 ms to 1 s per tick)
	 * with a per-connection random offset. */
	return (uint32_t)(kiln_now() / KILN_MSEC(1)) + c->ts_offset;
}

static uint32_t rcv_space(const struct tcp_conn *c)
{
	return c->rcv.size - c->rcv.len;
}

/* The window field for a non-SYN segment; moves rcv_adv. */
static uint16_t window_field(struct tcp_conn *c)
{
	uint32_t space = rcv_space(c);
	uint32_t cur =
	        SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t wnd = space;
	uint32_t size = c->rcv.size;
	uint32_t step = size / 2 < tcp_local_mss() ? size / 2 : tcp_local_mss();

	/* Receiver silly-window avoidance (RFC 9293 3.8.6.2.2): open the
	 * window only in steps of min(buffer / 2, MSS). */
	if (wnd > cur && wnd - cur < step)
		wnd = cur;
	/* Never shrink it (RFC 9293 3.8.6.2.2 / 7323 2.4). */
	if (wnd < cur)
		wnd = cur;
	uint32_t max = (uint32_t)65535 << c->rcv_wscale;
	if (wnd > max)
		wnd = max;
	uint32_t field = wnd >> c->rcv_wscale;
	if ((field << c->rcv_wscale) < cur &&
	    ((field + 1) << c->rcv_wscale) <= space && field < 65535)
		field++;
	uint32_t edge = c->rcv_nxt + (field << c->rcv_wscale);
	if (SEQ_GT(edge, c->rcv_adv))
		c->rcv_adv = edge;
	return (uint16_t)field;
}

/*
 * The checksum is ours to compute unless the device finishes it: then the
 * field holds the pseudo-header sum only. A segment of more than gso_size
 * payload bytes is cut by the device (net_tso_max_payload).
 */
static void send_segment(net_ipv4 laddr, net_ipv4 raddr, uint8_t *hdr,
                         size_t hlen, struct net_chunk *chunks, unsigned n,
                         uint16_t gso_size)
{
	int err;
	chunks[0] = (struct net_chunk){hdr, hlen, false};
	if (net_tx_csum_offload()) {
		size_t total = 0;
		for (unsigned i = 0; i < n; i++)
			total += chunks[i].len;
		uint16_t sum = (uint16_t)~net_csum_finish(net_csum_pseudo(
		        0, laddr, raddr, NET_PROTO_TCP, (uint16_t)total));
		hdr[16] = (uint8_t)(sum >> 8);
		hdr[17] = (uint8_t)sum;
		err = ipv4_output_tcp_offload(laddr, raddr, chunks, n,
		                              total - hlen > gso_size ? gso_size
		                                                      : 0);
	} else {
		uint16_t sum = tcp_checksum(laddr, raddr, hdr, hlen, chunks + 1,
		                            n - 1);
		hdr[16] = (uint8_t)(sum >> 8);
		hdr[17] = (uint8_t)sum;
		err = ipv4_output(laddr, raddr, NET_PROTO_TCP, chunks, n);
	}
	/* A packet the IP layer could not send is like one lost on the
	 * wire: the timers recover. */
	(void)err;
	tcp_stats.segs_out++;
}

/* Send one segment of conn c: len bytes at offset off of the send ring. */
static void xmit(struct tcp_conn *c, uint32_t seq, uint8_t flags, uint32_t off,
                 uint32_t len)
{
	struct tcp_header h;
	uint8_t hdr[TCP_HDR_MAX];
	struct net_chunk chunks[1 + TCP_SEG_CHUNKS];

	if (!net_tx_any_buffer()) {
		/* The pool is empty (data stops at its reserve, so this is a
		 * control segment: an ACK, window update, probe, SYN or
		 * retransmission). Rather than have it fail on the way down,
		 * owe an ACK and send it when buffers are back; a SYN or a
		 * retransmission is repeated by its timer as if lost. */
		if (flags & TCP_ACK)
			c->flags |= TF_ACKNOW;
		if (!c->bufwait.queued)
			net_counters.tcp_buffer_waits++;
		net_buf_wait(&c->bufwait);
		return;
	}
	memset(&h, 0, sizeof(h));
	h.sport = c->lport;
	h.dport = c->rport;
	h.seq = seq;
	h.flags = flags;
	if (flags & TCP_ACK)
		h.ack = c->rcv_nxt;
	if (flags & TCP_SYN) {
		uint32_t w = rcv_space(c);
		h.window = w > 65535 ? 65535 : (uint16_t)w;
		c->rcv_adv = c->rcv_nxt + h.window;
		h.opt.has_mss = true;
		h.opt.mss = tcp_local_mss();
		bool active = c->state == TCP_SYN_SENT;
		if (active ? tcp_cfg.window_scaling : (c->flags & TF_WSCALE)) {
			h.opt.has_wscale = true;
			h.opt.wscale = c->rcv_wscale;
		}
		if (active ? tcp_cfg.sack : (c->flags & TF_SACK))
			h.opt.sack_permitted = true;
		if (active ? tcp_cfg.timestamps : (c->flags & TF_TS)) {
			h.opt.has_ts = true;
			h.opt.ts_val = tcp_ts_now(c);
			h.opt.ts_ecr = active ? 0 : c->ts_recent;
		}
	} else {
		h.window = (flags & TCP_RST) ? 0 : window_field(c);
		if (c->flags & TF_TS) {
			h.opt.has_ts = true;
			h.opt.ts_val = tcp_ts_now(c);
			h.opt.ts_ecr = c->ts_recent;
		}
		if ((c->flags & TF_SACK) && (flags & TCP_ACK) &&
		    !(flags & TCP_RST) && (c->rcv.n_ooo || c->rcv.dsack_on)) {
			/* As many blocks as fit beside the data in one
			 * packet: full-sized segments carry none, pure
			 * ACKs up to 3 (with timestamps) or 4. */
			size_t room = ipv4_payload_mtu() - TCP_HDR_MIN -
			              tcp_options_len(&h.opt);
			room = room > len ? room - len : 0;
			size_t max = room >= 4 ? (room - 4) / 8 : 0;
			size_t cap = (c->flags & TF_TS) ? 3 : 4;
			if (max > cap)
				max = cap;
			h.opt.n_sack = tcp_rcv_sack_blocks(c, h.opt.sack,
			                                   (unsigned)max);
			/* A D-SACK is reported once (RFC 2883 4). */
			if (h.opt.n_sack)
				c->rcv.dsack_on = false;
		}
	}
	size_t hlen = tcp_emit(hdr, sizeof(hdr), &h);
	KILN_ASSERT(hlen);
	unsigned n = 1 + tcp_snd_chunks(c, off, len, chunks + 1);
	/* A large segment is cut into segments of smss bytes (which allows
	 * for the timestamps every segment carries). */
	send_segment(c->laddr, c->raddr, hdr, hlen, chunks, n, c->smss);
	if (flags & TCP_ACK) {
		c->last_ack_sent = c->rcv_nxt;
		c->flags &= ~TF_ACKNOW;
		c->rcv_unacked = 0;
		c->t_delack = 0;
	}
}

/* The most data one segment may carry: smss, or as many whole smss as
 * the device cuts (TSO). */
static uint32_t tcp_seg_max(const struct tcp_conn *c)
{
	size_t tso = net_tso_max_payload();
	if (tso <= c->smss)
		return c->smss;
	return (uint32_t)(tso / c->smss * c->smss);
}

uint32_t tcp_flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

void tcp_send_syn(struct tcp_conn *c)
{
	uint8_t flags = c->state == TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK;
	xmit(c, c->iss, flags, 0, 0);
	c->snd_nxt = c->iss + 1;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	if (!c->t_rexmt)
		c->t_rexmt = kiln_now() + c->rto;
	tcp_timer_update(c);
}

/*
 * A pure ACK carries snd_max, not snd_nxt: after a timeout snd_nxt goes
 * back to snd_una, and an ACK numbered below what the peer has already
 * received would fail its acceptability test and be dropped (BSD does the
 * same).
 */
void tcp_send_ack(struct tcp_conn *c)
{
	xmit(c, c->snd_max, TCP_ACK, 0, 0);
	tcp_timer_update(c);
}

void tcp_send_probe(struct tcp_conn *c)
{
	xmit(c, c->snd_una - 1, TCP_ACK, 0, 0);
}

void tcp_send_rst_for(struct tcp_conn *c)
{
	xmit(c, c->snd_max, TCP_RST | TCP_ACK, 0, 0);
	net_counters.tcp_resets_sent++;
}

void tcp_send_challenge_ack(struct tcp_conn *c)
{
	if (!rate_allow(&challenge_limit, tcp_cfg.challenge_acks_per_sec))
		return;
	tcp_stats.challenge_acks++;
	tcp_send_ack(c);
}

void tcp_send_rst_reply(net_ipv4 laddr, net_ipv4 raddr,
                        const struct tcp_header *in, size_t data_len)
{
	struct tcp_header h;
	uint8_t hdr[TCP_HDR_MAX];
	struct net_chunk chunks[1];

	if (in->flags & TCP_RST)
		return;
	if (!rate_allow(&rst_limit, tcp_cfg.rst_per_sec)) {
		tcp_stats.rsts_rate_limited++;
		return;
	}
	memset(&h, 0, sizeof(h));
	h.sport = in->dport;
	h.dport = in->sport;
	if (in->flags & TCP_ACK) {
		h.seq = in->ack;
		h.flags = TCP_RST;
	} else {
		h.ack = in->seq + (uint32_t)data_len +
		        ((in->flags & TCP_SYN) ? 1 : 0) +
		        ((in->flags & TCP_FIN) ? 1 : 0);
		h.flags = TCP_RST | TCP_ACK;
	}
	size_t hlen = tcp_emit(hdr, sizeof(hdr), &h);
	send_segment(laddr, raddr, hdr, hlen, chunks, 1, 0);
	net_counters.tcp_resets_sent++;
}

bool tcp_send_stateless(net_ipv4 laddr, net_ipv4 raddr,
                        const struct tcp_header *h)
{
	uint8_t hdr[TCP_HDR_MAX];
	struct net_chunk chunks[1];
	if (!net_tx_any_buffer())
		return false;
	size_t hlen = tcp_emit(hdr, sizeof(hdr), h);
	KILN_ASSERT(hlen);
	send_segment(laddr, raddr, hdr, hlen, chunks, 1, 0);
	return true;
}

void tcp_retransmit(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	if (SEQ_LT(seq, c->snd_una))
		return;
	uint32_t off = seq - c->snd_una;
	if (off > c->snd.len)
		return;
	if (len > c->snd.len - off)
		len = c->snd.len - off;
	if (len > c->smss)
		len = c->smss;
	uint8_t flags = TCP_ACK;
	if ((c->flags & TF_FIN_SENT) && off + len == c->snd.len)
		flags |= TCP_FIN;
	if (!len && !(flags & TCP_FIN))
		return;
	xmit(c, seq, flags, off, len);
	tcp_rack_sent(c, seq, len + ((flags & TCP_FIN) ? 1 : 0), true);
	net_counters.tcp_retransmits++;
	/* Karn: a timed segment sent again gives no sample. */
	if ((c->flags & TF_RTT) && SEQ_LEQ(seq, c->rtt_seq))
		c->flags &= ~TF_RTT;
	if (!c->t_rexmt)
		tcp_rexmt_restart(c);
}

/* May data and FIN go out in this state? */
static bool can_send_data(const struct tcp_conn *c)
{
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

void tcp_output(struct tcp_conn *c)
{
	if (c->state == TCP_CLOSED || c->state == TCP_LISTEN ||
	    c->state == TCP_SYN_SENT)
		return;
	if (c->state == TCP_SYN_RECEIVED) {
		if (c->flags & TF_ACKNOW) {
			c->flags &= ~TF_ACKNOW;
			tcp_send_syn(c);
		}
		return;
	}
	kiln_time now = kiln_now();
	bool rack = tcp_rack_on(c);
	bool sent_new = false;
	if (rack && can_send_data(c))
		tcp_rack_retransmit(c); /* what RACK marked lost goes first */
	while (can_send_data(c)) {
		uint32_t off = c->snd_nxt - c->snd_una;
		if (off > c->snd.len)
			break; /* the FIN is out */
		uint32_t avail = c->snd.len - off;
		uint32_t cw = c->cwnd + c->limited;
		uint32_t wnd = c->snd_wnd < cw ? c->snd_wnd : cw;
		uint32_t usable = wnd > off ? wnd - off : 0;
		if (rack) {
			/* The congestion window bounds the pipe (RFC 6675),
			 * not snd_nxt - snd_una: SACKed and lost bytes are
			 * out of the network. A tail-loss probe may send one
			 * segment beyond it. */
			uint32_t pipe = tcp_rack_pipe(c);
			uint32_t cu = c->cwnd > pipe ? c->cwnd - pipe : 0;
			if (c->rack.tlp_force && cu < c->smss)
				cu = c->smss;
			uint32_t ru = c->snd_wnd > off ? c->snd_wnd - off : 0;
			usable = cu < ru ? cu : ru;
		}
		uint32_t len = avail < usable ? avail : usable;
		uint32_t seg_max = tcp_seg_max(c);
		if (len > seg_max)
			len = seg_max;
		/* A large segment is cut by the device: whole segments only,
		 * unless it ends the data (Nagle as for one segment). */
		if (len > c->smss && len < avail)
			len -= len % c->smss;
		bool fin = (c->flags & TF_FIN_QUEUED) && len == avail;
		bool rexmit = SEQ_LT(c->snd_nxt, c->snd_max);
		bool go;
		if (len >= c->smss)
			go = true;
		else if (len && len == avail &&
		         ((c->flags & TF_NODELAY) || off == 0 || fin))
			go = true; /* Nagle: nothing unacknowledged */
		else if (len && c->max_snd_wnd && len >= c->max_snd_wnd / 2)
			go = true; /* sender silly-window avoidance */
		else if (len && rexmit)
			go = true;
		else
			go = fin && !avail;
		if (!go)
			break;
		if (rack && (len || fin) && !tcp_bbr_may_send(c, now))
			break; /* paced: t_pace wakes us */
		if ((len || fin) && !net_tx_room()) {
			/* The packet pool is down to its reserve: the data
			 * (or FIN) stays in the ring, unsent (so no timer, no
			 * congestion response), until the flush has freed
			 * buffers and calls us back. */
			if (!c->bufwait.queued)
				net_counters.tcp_buffer_waits++;
			net_buf_wait(&c->bufwait);
			break;
		}
		uint8_t flags = TCP_ACK;
		if (len && len == avail)
			flags |= TCP_PSH;
		if (fin)
			flags |= TCP_FIN;
		if (rexmit) {
			net_counters.tcp_retransmits++;
		} else if (len && !(c->flags & (TF_TS | TF_RTT))) {
			c->flags |= TF_RTT;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start = now;
		}
		xmit(c, c->snd_nxt, flags, off, len);
		tcp_rack_sent(c, c->snd_nxt, len + (fin ? 1 : 0), rexmit);
		sent_new = true;
		c->snd_nxt += len;
		if (fin) {
			c->fin_seq = c->snd_nxt;
			c->flags |= TF_FIN_SENT;
			c->snd_nxt++;
		}
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->t_rexmt)
			c->t_rexmt = now + c->rto;
		c->t_persist = 0;
		if (fin || c->rack.tlp_force)
			break;
	}
	if (rack)
		tcp_rack_arm(c, sent_new);
	/* All the data is out and the window had room: the application is
	 * the limit, which BBR's rate samples must know. */
	if (tcp_bbr_on(c) && c->snd_nxt - c->snd_una >= c->snd.len &&
	    tcp_rack_pipe(c) < c->cwnd)
		tcp_bbr_app_limited(c);
	if (c->flags & TF_ACKNOW)
		xmit(c, c->snd_max, TCP_ACK, 0, 0);
	tcp_persist_check(c);
	tcp_timer_update(c);
}
