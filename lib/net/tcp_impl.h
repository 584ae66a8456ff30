/*
 * lib/net/tcp_impl.h - TCP's private structures, shared by lib/net/tcp*.c.
 *
 * Files:
 *   tcp_conn.c    configuration, tables (connections, listeners,
 *                 TIME-WAIT), allocation, event delivery, statistics
 *   tcp_buf.c     the send ring and the receive ring with its
 *                 out-of-order ranges, allocated while they hold bytes
 *   tcp_isn.c     keyed hash, initial sequence numbers (RFC 6528),
 *                 random numbers, ephemeral ports
 *   tcp_output.c  building and sending segments, the send decision
 *                 (Nagle, windows), RSTs
 *   tcp_input.c   the segment-arrival state machine (RFC 9293 3.10.7,
 *                 RFC 5961, RFC 7323, RFC 2018, RFC 5681/6582)
 *   tcp_rack.c    loss recovery with SACK: RACK-TLP (RFC 8985), PRR
 *                 (RFC 6937), undo (RFC 2883/3708 D-SACK, RFC 3522)
 *   tcp_cc.c      congestion control: CUBIC (RFC 9438) or NewReno
 *   tcp_bbr.c     congestion control: BBR v1, paced, from delivery rates
 *   tcp_timer.c   retransmission (RFC 6298), persist, keepalive,
 *                 delayed ACK, TIME-WAIT and orphan timers
 *   tcp_socket.c  the public socket API of include/kiln/net.h
 *   tcp_syncookie.c  SYN cookies (RFC 4987 3.6) once a backlog is full
 *
 * Choices, in one place:
 * - RTO (RFC 6298): initial 1 s, minimum 200 ms (not the RFC's 1 s),
 *   maximum 60 s, exponential backoff, Karn's algorithm; timestamps give
 *   an RTT sample per advancing ACK.
 * - Congestion control (tcp_cc.c): CUBIC by default or NewReno, or BBR
 *   (tcp_bbr.c) on SACK connections; an initial window per RFC 6928 (10
 *   segments, at most 14600 bytes).
 * - Loss recovery with SACK (tcp_rack.c): RACK-TLP with a record per
 *   transmission, PRR, undo; the RTO is the last resort. Without SACK:
 *   NewReno fast recovery (RFC 6582) from three duplicates, limited
 *   transmit (RFC 3042) and early retransmit (RFC 5827).
 * - Buffers: send and receive rings grow from sndbuf / rcvbuf up to
 *   sndbuf_max / rcvbuf_max (auto-tuning, tcp_buf.c) within a budget for
 *   all connections; the window scale is chosen for rcvbuf_max.
 * - Receiving: out-of-order data goes straight into the receive ring (at
 *   most 32 ranges); ACKs are delayed (40 ms, or every second full
 *   segment) except for out-of-order, hole-filling or duplicate data;
 *   duplicates are reported by D-SACK (RFC 2883).
 * - PAWS (RFC 7323 5): strict, except for pure ACKs at rcv_nxt (which
 *   carry no data to protect and on reordering paths arrive late).
 * - RFC 5961: exact-sequence RSTs only, challenge ACKs (rate limited) for
 *   other in-window RSTs, SYNs on synchronized connections and ACKs
 *   outside [snd_una - max window, snd_max]; ACKs to segments outside
 *   the window or failing PAWS at most one per oow_ack_interval per
 *   connection (RFC 5961 7).
 * - TIME-WAIT lasts 2 * MSL (30 s); RSTs do not end it (RFC 1337); a SYN
 *   above the old sequence space (or with a newer timestamp) reopens the
 *   pair; the number of entries is bounded and the oldest is recycled.
 * - Listen backlog: bounded; when full, SYNs are answered with SYN
 *   cookies (tcp_syncookie.c; MSS, window scale, SACK and timestamps
 *   kept); with cookies off, a new SYN may replace a half-open entry
 *   whose SYN-ACK already went unanswered once.
 * - Not done: urgent data (the URG pointer is ignored and the data read
 *   inline), ECN, path-MTU discovery (ICMP "fragmentation needed" is
 *   ignored; the MSS is clamped to the interface MTU), TCP Fast Open.
 */
#ifndef KILN_NET_TCP_IMPL_H
#define KILN_NET_TCP_IMPL_H

#include "stack.h"
#include "wire/tcp.h"

#include <kiln/net.h>
#include <kiln/rt.h>
#include <stdbool.h>
#include <stdint.h>

/* Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT
};

/* Connection flags. */
#define TF_OWNED 0x0001      /* the application holds the handle */
#define TF_ACKNOW 0x0002     /* send an ACK at the next output */
#define TF_NODELAY 0x0004    /* Nagle off */
#define TF_KEEPALIVE 0x0008  /* keepalive probes on */
#define TF_FIN_QUEUED 0x0010 /* the application shut down sending */
#define TF_FIN_SENT 0x0020   /* our FIN has a sequence number (fin_seq) */
#define TF_RCVD_FIN 0x0040   /* the peer's FIN is in sequence */
#define TF_OOO_FIN 0x0080    /* the peer's FIN arrived ahead of a hole */
#define TF_SACK 0x0100       /* SACK agreed */
#define TF_TS 0x0200         /* timestamps agreed */
#define TF_WSCALE 0x0400     /* window scaling agreed */
#define TF_RECOVERY 0x0800   /* in fast recovery (NewReno) */
#define TF_PASSIVE 0x1000    /* opened by a listener */
#define TF_RTT 0x2000        /* timing one segment (no timestamps) */
#define TF_ORPHAN 0x4000     /* the application closed it */

/* Out-of-order ranges kept per connection (and so SACK blocks sent). */
#define TCP_OOO_MAX 32
/* SACKed ranges remembered by the sender (the scoreboard). */
#define TCP_SCOREBOARD_MAX 8

/*
 * RACK-TLP (RFC 8985, tcp_rack.c) keeps one record per transmission: the
 * sequence range [start, end) (a FIN counts as one), when it was sent and
 * its timestamp value, and what the ACKs said of it. The records cover
 * [snd_una, snd_max) in order; they are split where SACK blocks or
 * retransmissions cut them, and exist only while data is in flight.
 */
#define SR_SACKED 0x1  /* SACKed by the peer */
#define SR_LOST 0x2    /* deemed lost, not sent again since */
#define SR_RETRANS 0x4 /* sent more than once */
struct tcp_segrec {
	uint32_t start, end;
	kiln_time xmit;  /* the latest transmission */
	kiln_time xmit0; /* the first */
	uint32_t tsval, tsval0;
	unsigned flags;
	/* For the delivery rate (tcp_bbr.c), as the connection stood at
	 * the latest transmission: bytes delivered by then, when that
	 * count last grew, and the send time of the newest segment
	 * delivered by then; whether the application was the limit. */
	uint64_t d_delivered;
	kiln_time d_delivered_at, d_first_sent;
	bool d_app_limited;
};

/* BBR (tcp_bbr.c): the model of the path, the delivery rate estimate it
 * is built from, and pacing. */
#define TCP_BBR_BW_ROUNDS 10
struct tcp_bbr {
	/* Delivery rate estimation. */
	uint64_t delivered;     /* bytes ACKed or SACKed on the connection */
	kiln_time delivered_at; /* when delivered last grew */
	kiln_time first_sent;   /* send time of the newest one delivered */
	uint64_t app_limited;   /* delivered mark of an idle sender, or 0 */
	/* The sample this ACK gives (the newest-sent segment it delivered). */
	bool rs_valid, rs_app_limited, rs_retrans;
	uint64_t rs_prior_delivered;
	kiln_time rs_prior_at, rs_send_elapsed, rs_xmit, rs_rtt;
	uint32_t rs_end;
	uint32_t rs_lost; /* bytes this ACK marked lost */
	/* The model. */
	uint64_t bw_round[TCP_BBR_BW_ROUNDS]; /* per-round max, bytes/s */
	uint64_t bw;                          /* max of bw_round */
	uint64_t next_round_delivered;
	uint32_t round;
	bool round_start;
	kiln_time min_rtt, min_rtt_at;
	uint8_t mode, cycle;
	kiln_time cycle_at;
	uint64_t full_bw;
	uint8_t full_bw_rounds;
	bool filled_pipe;
	kiln_time probe_rtt_done;
	bool probe_rtt_round_done;
	/* Loss response: packet conservation for the first round of a
	 * recovery, then the model's window; the window before it back at
	 * its end. */
	bool in_loss, conservation;
	uint32_t prior_cwnd;
	/* ACK aggregation: bytes ACKed beyond what BtlBw explains since
	 * the epoch began, the largest of two windows of 5 rounds. */
	kiln_time ack_epoch_at;
	uint64_t ack_epoch_acked;
	uint32_t extra_acked[2];
	uint8_t extra_acked_idx, extra_acked_rounds;
	/* Pacing: bytes/s, and the earliest time the next segment goes. */
	uint64_t pacing_rate;
	kiln_time pace_at;
};

struct tcp_rack {
	struct tcp_segrec *seg;
	unsigned n, cap;
	uint32_t sacked, lost; /* bytes SACKed; bytes lost and not resent */
	/* The most recently sent segment known delivered, and its RTT. */
	kiln_time xmit_ts, rtt;
	uint32_t end_seq;
	uint32_t fack; /* highest sequence number SACKed or acknowledged */
	kiln_time min_rtt, min_rtt_at;
	bool reord_seen;
	unsigned reo_mult;    /* reordering window, in min_rtt / 4 */
	unsigned reo_persist; /* recoveries before reo_mult resets */
	/* How late, beyond RACK.rtt, a segment sent before the newest
	 * delivered one was seen to arrive (never resent, or resent while
	 * the original was on its way; only the segment at snd_una whose
	 * ACK echoes its timestamp): the reordering window covers it. */
	kiln_time reo_extent;
	uint32_t dsack_round; /* snd_max when reo_mult last grew */
	bool loss_state;      /* after an RTO, until snd_una >= recover */
	/* Tail-loss probe in flight (RFC 8985 7). */
	bool tlp_on, tlp_retrans, tlp_force, tlp_in_recovery;
	unsigned tlp_count; /* probes since the ACK clock last ticked */
	uint32_t tlp_end_seq;
	/* Proportional rate reduction (RFC 6937). */
	uint32_t prr_delivered, prr_out, recover_fs;
	/* Undo (RFC 2883/3708 D-SACK, RFC 3522 timestamps). */
	bool undo_on;
	uint32_t prior_cwnd, prior_ssthresh, retrans_tsval, undo_marker;
	unsigned undo_retrans;
	/* Congestion control state (tcp_cc.c). */
	uint32_t cc_wmax, cc_k_ms, cc_origin, cc_west, cc_ack_cnt;
	kiln_time cc_epoch;
};

/* Bytes queued by reference (tcp_send_static): len bytes at p, which
 * stand at offset at of the send buffer. */
struct tcp_sndref {
	const uint8_t *p;
	uint32_t at, len;
};

/* The most runs of referenced bytes one send buffer holds at once; a
 * further tcp_send_static copies. */
#define TCP_SNDREF_MAX 8

/* The chunks one segment's payload can take: the runs of referenced bytes
 * and the ring's pieces around them, each ring piece in two where it
 * wraps. */
#define TCP_SEG_CHUNKS (3 * TCP_SNDREF_MAX + 2)

/* The send buffer: the bytes from snd_una on, len in all, of which ring
 * holds those the application copied (ring_len of them, from head) and
 * refs[] names those it lent (tcp_send_static), in order. size is the
 * most it may hold; buf (cap bytes) is allocated only while the ring
 * holds some (tcp_buf.c). */
struct tcp_sndbuf {
	uint8_t *buf;
	uint32_t size, cap, head, len, ring_len;
	unsigned n_refs;
	struct tcp_sndref refs[TCP_SNDREF_MAX];
};

/*
 * The receive buffer: a ring of in-order bytes (head, len) followed by
 * room where out-of-order data is written at its final position; the
 * ranges of such data are kept sorted in ooo[] (absolute sequence
 * numbers, none touching rcv_nxt). As for sending, size is the window's
 * bound and buf (cap bytes) exists only while bytes are held.
 */
struct tcp_rcvbuf {
	uint8_t *buf;
	uint32_t size, cap, head, len;
	unsigned n_ooo;
	struct tcp_sack_block ooo[TCP_OOO_MAX];
	uint32_t last_ooo; /* a sequence number inside the newest range */
	/* A duplicate that arrived, for the first SACK block of the next
	 * ACK with room for one (D-SACK, RFC 2883). */
	struct tcp_sack_block dsack;
	bool dsack_on;
};

struct tcp_listener;

struct tcp_conn {
	struct tcp_conn *hnext;                 /* hash chain */
	struct tcp_conn *tw_prev, *tw_next;     /* TIME-WAIT list */
	struct tcp_conn *qnext;                 /* listener's queue */
	struct tcp_conn *ev_next;               /* events pending delivery */
	struct tcp_conn *orph_prev, *orph_next; /* orphans, oldest first */
	struct tcp_listener *listener;          /* set until accepted */
	bool hashed, in_tw_list, in_orphans, ev_queued, counted;

	enum tcp_state state;
	unsigned flags;
	int error; /* negated kiln_error once the connection failed */
	net_ipv4 laddr, raddr;
	uint16_t lport, rport;

	/* Send sequence space. */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2;
	uint32_t snd_wnd, max_snd_wnd, fin_seq;
	uint8_t snd_wscale, rcv_wscale;
	uint16_t peer_mss; /* from the peer's MSS option */
	uint16_t smss;     /* data bytes per full segment (options excluded) */

	/* Receive sequence space. */
	uint32_t irs, rcv_nxt, rcv_adv, last_ack_sent, rcv_fin_seq;
	uint32_t rcv_unacked; /* in-order bytes received since our last ACK */

	/* Timestamps (RFC 7323). */
	uint32_t ts_recent, ts_offset;
	kiln_time ts_recent_age;
	kiln_time last_oow_ack; /* our last ACK to an unacceptable segment */

	/* Congestion control (RFC 5681, RFC 6582). */
	uint32_t cwnd, ssthresh, recover, bytes_acked, rexmit_next;
	uint32_t limited; /* limited transmit: bytes allowed beyond cwnd */
	unsigned dupacks;
	unsigned n_sacked;
	struct tcp_sack_block sacked[TCP_SCOREBOARD_MAX];

	/* Round-trip time (RFC 6298). */
	kiln_time srtt, rttvar, rto, rtt_start;
	uint32_t rtt_seq;
	unsigned backoff, retries;

	/* Timers: one runtime timer armed at the earliest of these (0 is
	 * off). */
	struct kiln_timer timer;
	/* Queued while data waits for packet buffers (tcp_output). */
	struct net_buf_waiter bufwait;
	kiln_time t_rexmt, t_persist, t_keep, t_2msl, t_delack, t_orphan;
	kiln_time t_tlp, t_reo; /* tail-loss probe, RACK reordering timer */
	kiln_time t_pace;       /* BBR: the paced sender may go on */
	unsigned persist_shift, keep_probes;
	kiln_time last_rx;

	struct tcp_sndbuf snd;
	struct tcp_rcvbuf rcv;
	/* Auto-tuning (tcp_buf.c): what the rings' bounds grew beyond
	 * sndbuf and rcvbuf (charged to tcp_cfg.buf_budget), the receive
	 * side's RTT from timestamps, and when rcv may grow again. */
	uint32_t snd_grown, rcv_grown;
	kiln_time rcv_rtt, rcvq_at;
	uint32_t rcvq_seq; /* rcv_nxt when the round trip at rcvq_at began */
	struct tcp_rack rack;
	/* BBR's model (tcp_bbr.c), allocated when the connection is
	 * established under --tcp-cc=bbr with SACK; NULL otherwise, so a
	 * connection under another controller does not carry it. */
	struct tcp_bbr *bbr;

	/* The application. */
	struct kiln_waitq readers, writers;
	void (*ev_fn)(struct tcp_conn *c, unsigned events, void *arg);
	void *ev_arg;
	unsigned ev_pending;
	/* Fibers parked in an API call on this connection. A connection
	 * freed meanwhile becomes a zombie (detached from everything, no
	 * buffers) and the last such fiber frees it. */
	unsigned busy;
	bool zombie;
};

struct tcp_listener {
	struct tcp_listener *next;
	net_ipv4 addr;
	uint16_t port;
	unsigned backlog;
	unsigned n_queued;         /* SYN-RECEIVED + ready to accept */
	struct tcp_conn *syn_head; /* SYN-RECEIVED children */
	struct tcp_conn *ready_head, *ready_tail; /* ready to accept */
	struct kiln_waitq waiters;
	void (*ready_fn)(struct tcp_listener *l, void *arg);
	void *ready_arg;
	bool ev_queued;
	struct tcp_listener *ev_next;
	unsigned busy; /* fibers parked in tcp_accept */
	bool closed;   /* closed while busy: the last one frees it */
};

/* ------------------------------------------------------ tcp_conn.c */

extern struct tcp_config tcp_cfg;
extern struct tcp_stats tcp_stats;
extern struct tcp_listener *tcp_listeners;

/* Take the configuration in force (the defaults for the heap unless
 * tcp_configure ran); called before the first socket. */
void tcp_settle(void);
/* A connection, or NULL at max_conns (after trying to reset the oldest
 * orphan) or without memory. */
struct tcp_conn *tcp_conn_alloc(void);
void tcp_conn_free(struct tcp_conn *c);
/* The application closed c and the stack finishes it: it may be reset to
 * make room for a new connection (oldest first). */
void tcp_orphan_add(struct tcp_conn *c);
void tcp_hash_insert(struct tcp_conn *c);
void tcp_hash_remove(struct tcp_conn *c);
struct tcp_conn *tcp_lookup(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                            uint16_t rport);
struct tcp_listener *tcp_listener_find(net_ipv4 addr, uint16_t port);
bool tcp_port_in_use(uint16_t port);
/* Mark an ephemeral port as held by an active open (or free it). */
void tcp_port_hold(uint16_t port, bool held);
/* Active connections (not TIME-WAIT) against tcp_cfg.max_conns. */
bool tcp_conn_limit_reached(void);
/* Enter TIME-WAIT (frees buffers, bounds the list). */
void tcp_enter_time_wait(struct tcp_conn *c);
/* The connection is over: unhash, and free it unless the application
 * still holds it. err is the error the application will see (0 for a
 * clean close). */
void tcp_conn_done(struct tcp_conn *c, int err);
/* Remove a listener's child from its queues. */
void tcp_listener_unlink(struct tcp_conn *c);
/* A child became ESTABLISHED: move it to the ready queue. */
void tcp_listener_ready(struct tcp_conn *c);
/* Take a listener off the event list before freeing it. */
void tcp_listener_forget(struct tcp_listener *l);
void tcp_event(struct tcp_conn *c, unsigned events);
void tcp_deliver_events(void);

/* ------------------------------------------------------- tcp_buf.c */

/* Insert [s, e) into a sorted list of disjoint ranges (at most max),
 * merging what it touches. false if a new range does not fit. */
bool tcp_ranges_insert(struct tcp_sack_block *r, unsigned *n, unsigned max,
                       uint32_t s, uint32_t e);
/* Free both rings (the connection will not use them again). */
void tcp_bufs_release(struct tcp_conn *c);
uint32_t tcp_snd_space(const struct tcp_conn *c);
uint32_t tcp_snd_append(struct tcp_conn *c, const void *data, uint32_t len);
/* Queue len bytes at data by reference (they must stay unchanged until
 * the connection is freed); 0 when no reference slot is free. */
uint32_t tcp_snd_append_ref(struct tcp_conn *c, const void *data, uint32_t len);
void tcp_snd_drop(struct tcp_conn *c, uint32_t n);
/* The chunks (at most TCP_SEG_CHUNKS) for len bytes at offset off of the
 * send buffer. */
unsigned tcp_snd_chunks(const struct tcp_conn *c, uint32_t off, uint32_t len,
                        struct net_chunk out[TCP_SEG_CHUNKS]);
/* Store data at sequence seq (>= rcv_nxt, within the free space); returns
 * true if rcv_nxt advanced (false also when it was dropped: no room in
 * the range list, or no memory to grow the ring). */
bool tcp_rcv_store(struct tcp_conn *c, uint32_t seq, struct kiln_view data);
uint32_t tcp_rcv_free(const struct tcp_conn *c);
size_t tcp_rcv_peek(const struct tcp_conn *c, const void **data);
void tcp_rcv_consume(struct tcp_conn *c, uint32_t n);
/* Raise the bound of c's receive (rcv) or send ring towards want, within
 * its maximum and what is left of the budget; returns the bound
 * (tcp_conn.c). */
uint32_t tcp_buf_grow(struct tcp_conn *c, bool rcv, uint32_t want);
/* After an ACK: keep room for twice min(cwnd, the peer's largest
 * window) beyond the unacknowledged bytes. */
void tcp_snd_autotune(struct tcp_conn *c);
/* After data arrived: once per round trip, make the receive bound twice
 * what arrived in order in the last one (at most doubling it). */
void tcp_rcv_autotune(struct tcp_conn *c);
/* len bytes at seq arrived: note what of them we already had (below
 * rcv_nxt or in an out-of-order range) as the D-SACK block of the next
 * ACK (SACK agreed only); true if there was some. */
bool tcp_rcv_note_dup(struct tcp_conn *c, uint32_t seq, uint32_t len);
/* Fill SACK blocks for an outgoing ACK: a pending D-SACK block first
 * (RFC 2883 4: then the range holding it, if any), then the newest range
 * and the others; returns count. */
unsigned tcp_rcv_sack_blocks(const struct tcp_conn *c,
                             struct tcp_sack_block *out, unsigned max);

/* ------------------------------------------------------- tcp_isn.c */

uint32_t tcp_isn(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                 uint16_t rport);
uint32_t tcp_random32(void);
uint64_t tcp_keyed_hash(const void *data, size_t len);
/* A free ephemeral port, or 0. */
uint16_t tcp_ephemeral_port(void);

/* ---------------------------------------------------- tcp_output.c */

/* Send what the windows and Nagle allow, plus a pending ACK. */
void tcp_output(struct tcp_conn *c);
/* Send data at seq (within what was sent) again. */
void tcp_retransmit(struct tcp_conn *c, uint32_t seq, uint32_t len);
void tcp_send_syn(struct tcp_conn *c);
void tcp_send_ack(struct tcp_conn *c);
/* A probe at snd_una - 1 that makes the peer answer with an ACK. */
void tcp_send_probe(struct tcp_conn *c);
void tcp_send_rst_for(struct tcp_conn *c);
/* RST answering a segment nothing wants (RFC 9293 3.10.7.1), rate
 * limited. */
void tcp_send_rst_reply(net_ipv4 laddr, net_ipv4 raddr,
                        const struct tcp_header *h, size_t data_len);
/* A challenge ACK (RFC 5961), rate limited. */
void tcp_send_challenge_ack(struct tcp_conn *c);
uint32_t tcp_ts_now(const struct tcp_conn *c);
/* The MSS we announce: the interface's payload MTU less 20. */
uint16_t tcp_local_mss(void);
/* Recompute smss after options were agreed. */
void tcp_set_smss(struct tcp_conn *c);

/* Send a segment that belongs to no connection (h complete but for the
 * checksum); false if it could not go out (no packet buffer). */
bool tcp_send_stateless(net_ipv4 laddr, net_ipv4 raddr,
                        const struct tcp_header *h);

/* -------------------------------------------------- tcp_syncookie.c */

/* Answer SYNs to l with cookies rather than backlog entries? */
bool tcp_syncookie_wanted(const struct tcp_listener *l);
/* Answer the SYN in with a SYN-ACK carrying a cookie (nothing kept). */
/* Queue c as a new half-open connection of l for the SYN (or cookie ACK)
 * h from src to dst (tcp_input.c). */
void tcp_passive_queue(struct tcp_conn *c, struct tcp_listener *l, net_ipv4 src,
                       net_ipv4 dst, const struct tcp_header *h);
void tcp_syncookie_send(net_ipv4 laddr, net_ipv4 raddr,
                        const struct tcp_header *in);
/* An ACK to listener l matching no connection: if it returns a valid
 * cookie, a new connection in SYN-RECEIVED (hashed, queued on l) that the
 * ACK then completes; NULL otherwise. */
struct tcp_conn *tcp_syncookie_check(struct tcp_listener *l, net_ipv4 src,
                                     net_ipv4 dst, const struct tcp_header *h);
/* The pieces, for the unit tests: the time counter (64 s periods); the
 * ISN for a cookie; decoding one (the MSS index, or -1 if the MAC fails
 * or the counter is over 2 periods old); the MSS table. opts: the option
 * bits (0x0f: no window scale, else the shift; 0x10 SACK; 0x40
 * timestamps). */
uint32_t tcp_syncookie_counter(void);
uint32_t tcp_syncookie_make(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                            uint16_t rport, uint32_t peer_isn, uint32_t count,
                            unsigned mss_index, unsigned opts);
int tcp_syncookie_decode(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr,
                         uint16_t rport, uint32_t isn, uint32_t peer_isn,
                         uint32_t now_count, unsigned opts);
unsigned tcp_syncookie_mss_index(uint16_t peer_mss);
uint16_t tcp_syncookie_mss(unsigned mss_index);

/* ----------------------------------------------------- tcp_timer.c */

void tcp_timer_init(struct tcp_conn *c);
/* Arm the runtime timer at the earliest of the connection's deadlines. */
void tcp_timer_update(struct tcp_conn *c);
void tcp_rexmt_restart(struct tcp_conn *c);
void tcp_rtt_sample(struct tcp_conn *c, kiln_time rtt);
void tcp_persist_check(struct tcp_conn *c);

/* ------------------------------------------------------ tcp_rack.c */

/* seq_len sequence numbers at seq went out now (retransmission or not). */
void tcp_rack_sent(struct tcp_conn *c, uint32_t seq, uint32_t seq_len,
                   bool rexmit);
/* An acceptable ACK arrived (after snd_una and the window moved);
 * prior_una is snd_una before it. */
void tcp_rack_ack(struct tcp_conn *c, const struct tcp_header *h,
                  uint32_t prior_una);
/* Bytes in flight by RFC 6675's pipe: sent, not SACKed, not lost. */
uint32_t tcp_rack_pipe(const struct tcp_conn *c);
/* Resend what is marked lost, as the congestion window allows. */
void tcp_rack_retransmit(struct tcp_conn *c);
/* Start (or restart) the tail-loss probe timer. */
void tcp_rack_arm(struct tcp_conn *c, bool restart);
/* The RACK reordering or TLP timer fired. */
void tcp_rack_timer(struct tcp_conn *c, kiln_time now);
/* RTO on a SACK connection: mark the flight lost. */
void tcp_rack_rto(struct tcp_conn *c);
void tcp_rack_release(struct tcp_conn *c);
/* Does RACK run this connection's loss recovery (SACK agreed)? */
static inline bool tcp_rack_on(const struct tcp_conn *c)
{
	return (c->flags & TF_SACK) != 0;
}

/* -------------------------------------------------------- tcp_cc.c */

/* Congestion control: NewReno (RFC 5681) or CUBIC (RFC 9438), as
 * tcp_cfg.cc says. */
void tcp_cc_init(struct tcp_conn *c);
/* acked bytes newly acknowledged outside recovery: grow cwnd. */
void tcp_cc_ack(struct tcp_conn *c, uint32_t acked);
/* The slow-start threshold after a loss (also records CUBIC's W_max). */
uint32_t tcp_cc_ssthresh(struct tcp_conn *c);
/* A retransmission timeout. */
void tcp_cc_rto(struct tcp_conn *c);

/* ------------------------------------------------------- tcp_bbr.c */

/* Does BBR set this connection's window and pace it (--tcp-cc=bbr on a
 * SACK connection: it needs RACK's records for its delivery rate)? */
static inline bool tcp_bbr_on(const struct tcp_conn *c)
{
	return c->bbr != NULL;
}
/* The connection is established: under --tcp-cc=bbr with SACK, allocate
 * and start the model (where the heap is short, CUBIC stands in). */
void tcp_bbr_init(struct tcp_conn *c);
/* Nothing will be sent any more: free the model. */
void tcp_bbr_release(struct tcp_conn *c);
/* A record is made or resent now: note the delivery state in it. idle:
 * nothing was in flight. */
void tcp_bbr_sent(struct tcp_conn *c, struct tcp_segrec *s, kiln_time now,
                  bool idle);
/* len bytes of record s were delivered (ACKed or SACKed) now. */
void tcp_bbr_delivered(struct tcp_conn *c, const struct tcp_segrec *s,
                       uint32_t len, kiln_time now);
/* The end of an ACK's processing by RACK: update the model, then set
 * cwnd and the pacing rate. acked: bytes newly delivered; lost: bytes
 * newly marked lost. */
void tcp_bbr_ack(struct tcp_conn *c, uint32_t acked, uint32_t lost,
                 kiln_time now);
/* Recovery (rto false) or a timeout began, before cwnd changes. */
void tcp_bbr_loss_begin(struct tcp_conn *c, bool rto);
/* The sender ran out of data with room in the window. */
void tcp_bbr_app_limited(struct tcp_conn *c);
/* May a segment leave now? If not, t_pace is set to when it may. */
bool tcp_bbr_may_send(struct tcp_conn *c, kiln_time now);
/* len bytes went out now (paced). */
void tcp_bbr_paced(struct tcp_conn *c, uint32_t len, kiln_time now);

/* ----------------------------------------------------- tcp_input.c */

uint32_t tcp_flight(const struct tcp_conn *c);
/* The window-scale shift we offer for the configured receive buffer. */
uint8_t tcp_choose_wscale(void);

#endif /* KILN_NET_TCP_IMPL_H */
