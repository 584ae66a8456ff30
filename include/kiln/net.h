/*
 * kiln/net.h - the network stack: interface bring-up, TCP and UDP sockets,
 * counters.
 *
 * Sockets serve both styles of the runtime (kiln/rt.h):
 * - blocking-style calls with a deadline park the calling fiber;
 * - non-blocking calls (return -KILN_EAGAIN) plus an event callback, for
 *   code running in callbacks.
 * Addresses are IPv4 in host byte order (198.18.0.2 is 0xC6120002); ports
 * are in host byte order.
 */
#ifndef KILN_NET_H
#define KILN_NET_H

#include <kiln/rt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t net_ipv4;

#define NET_IPV4(a, b, c, d)                                                   \
	((net_ipv4)(a) << 24 | (net_ipv4)(b) << 16 | (net_ipv4)(c) << 8 |      \
	 (net_ipv4)(d))

/* Format as dotted quad into buf (at least 16 bytes); returns buf. */
char *net_ipv4_format(net_ipv4 a, char *buf);
/* Parse a dotted quad; false on anything else. */
bool net_ipv4_parse(const char *s, net_ipv4 *out);

/* ------------------------------------------------------------- bring-up */

/*
 * Bring up the interface on the platform's network device `device`
 * ("net0" when NULL). The configuration comes from the boot arguments,
 * which this call claims:
 *   --ipv4=ADDR/PREFIX   static address (else DHCP)
 *   --ipv4-gateway=ADDR  default gateway (static config only)
 * Blocks the calling fiber until the interface has an address (DHCP) or
 * the deadline passes. Returns 0 or a negated kiln_error.
 */
int net_start(const char *device, kiln_time deadline);

/* The interface's configured address, prefix length and gateway. */
net_ipv4 net_local_address(void);
unsigned net_prefix_len(void);
net_ipv4 net_gateway(void);

/* ------------------------------------------------------------------ TCP */

struct tcp_listener;
struct tcp_conn;

/* Listen on port (addr 0: any local address). backlog bounds the
 * connections waiting for accept (SYN-RECEIVED and ESTABLISHED); once it
 * is full, connections made from SYN cookies may add up to backlog more
 * ESTABLISHED ones. */
struct tcp_listener *tcp_listen(net_ipv4 addr, uint16_t port, unsigned backlog,
                                int *err);
/* Park until a connection is established, or deadline (-KILN_ETIMEDOUT;
 * -KILN_ECLOSED if the listener is closed meanwhile). */
struct tcp_conn *tcp_accept(struct tcp_listener *l, kiln_time deadline,
                            int *err);
/* Non-blocking accept: NULL with *err = -KILN_EAGAIN when none waits. */
struct tcp_conn *tcp_accept_nowait(struct tcp_listener *l, int *err);
/* Called (on the loop's stack) when a connection is ready to accept. */
void tcp_listener_on_ready(struct tcp_listener *l,
                           void (*fn)(struct tcp_listener *l, void *arg),
                           void *arg);
void tcp_listener_close(struct tcp_listener *l);

/* Active open; parks until established, refused, or deadline. */
struct tcp_conn *tcp_connect(net_ipv4 addr, uint16_t port, kiln_time deadline,
                             int *err);

/* Read up to len bytes, parking until at least one is there. Returns the
 * count, 0 at end of stream (peer's FIN), or a negated kiln_error
 * (-KILN_ETIMEDOUT, -KILN_ECONNRESET, ...). */
long tcp_read(struct tcp_conn *c, void *buf, size_t len, kiln_time deadline);
/* Queue all len bytes for sending, parking while the send buffer is full.
 * Returns len, or a negated kiln_error (nothing more will be sent). */
long tcp_write(struct tcp_conn *c, const void *buf, size_t len,
               kiln_time deadline);

/* Non-blocking forms: -KILN_EAGAIN instead of parking. tcp_send may take
 * fewer than len bytes; it fails with -KILN_ENOMEM when it can take none
 * because the heap is short and nothing is queued (no acknowledgment
 * will come to make room), and tcp_write returns that error too. */
long tcp_recv(struct tcp_conn *c, void *buf, size_t len);
long tcp_send(struct tcp_conn *c, const void *buf, size_t len);

/* As tcp_send for bytes that stay unchanged until c is freed (an asset
 * compiled into the image): the send buffer names them instead of
 * copying them, and segments are sent from where they lie. */
long tcp_send_static(struct tcp_conn *c, const void *buf, size_t len);

/* Zero-copy receive: the contiguous bytes at the head of the receive
 * buffer (*data, returned length; 0 if none), valid until the next call
 * on c; then drop n of them. */
size_t tcp_peek(struct tcp_conn *c, const void **data);
void tcp_consume(struct tcp_conn *c, size_t n);

/* Bytes that tcp_send would take now, and bytes queued that the peer has
 * not acknowledged yet. */
size_t tcp_send_space(struct tcp_conn *c);
size_t tcp_send_queued(const struct tcp_conn *c);

enum tcp_event {
	TCP_EV_READABLE = 1, /* data or FIN to read */
	TCP_EV_WRITABLE = 2, /* send space became available */
	TCP_EV_CLOSED = 4,   /* reset, timed out, or fully closed */
};
/* Called on the loop's stack with the events that happened. */
void tcp_on_event(struct tcp_conn *c,
                  void (*fn)(struct tcp_conn *c, unsigned events, void *arg),
                  void *arg);

/* Send FIN after the queued data; reading still works. */
void tcp_shutdown(struct tcp_conn *c);
/* Give up the handle: a graceful close (FIN after queued data) that the
 * stack finishes on its own. c is invalid afterwards. If received data
 * is still unread (or more arrives later), the connection is reset
 * instead, so the peer learns it was lost (RFC 9293 3.10.4). A fiber
 * parked on c in another call returns -KILN_ECLOSED. */
void tcp_close(struct tcp_conn *c);
/* Reset the connection (RST) and free the handle. */
void tcp_abort(struct tcp_conn *c);

void tcp_set_nodelay(struct tcp_conn *c, bool on); /* Nagle off */
void tcp_set_keepalive(struct tcp_conn *c, bool on);
void tcp_peer(const struct tcp_conn *c, net_ipv4 *addr, uint16_t *port);
/* The error that ended the connection (0 while it is healthy). */
int tcp_error(const struct tcp_conn *c);

/* Active open without parking: the connection is in SYN-SENT on return;
 * TCP_EV_WRITABLE signals establishment, TCP_EV_CLOSED failure (see
 * tcp_error). Data may be queued with tcp_send meanwhile. */
struct tcp_conn *tcp_connect_nowait(net_ipv4 addr, uint16_t port, int *err);

/* The connection's state as its RFC 9293 name ("ESTABLISHED", ...). */
const char *tcp_state_name(const struct tcp_conn *c);

/*
 * Limits and tunables. tcp_config_defaults() fills in the defaults;
 * tcp_configure() may be called before the first socket exists (returns
 * -KILN_EINVAL for a bad value, -KILN_EAGAIN once sockets exist). Memory
 * per connection is a fixed struct (about 600 bytes); the send and
 * receive rings (at most sndbuf and rcvbuf) are allocated only while they
 * hold bytes, so an idle connection costs the struct alone. The counts
 * default to what the heap holds: max_conns one per 4 KiB of heap (16384
 * in 64 MiB), max_time_wait a quarter of that, max_backlog an eighth (at
 * least 256). At max_conns a new connection takes the place of the
 * oldest orphan (closed by the application, not finished yet), which is
 * reset: connections nobody holds never keep new ones out.
 */
struct tcp_config {
	unsigned max_conns;      /* connections, TIME-WAIT excluded (heap /
	                            4 KiB) */
	unsigned max_backlog;    /* cap on every listen backlog (max_conns /
	                            8, at least 256) */
	unsigned max_time_wait;  /* TIME-WAIT entries; the oldest is recycled
	                            beyond this (max_conns / 4) */
	uint32_t sndbuf, rcvbuf; /* bytes per connection (64 KiB each) */
	/* Auto-tuning: a connection's rings grow from sndbuf and rcvbuf up
	 * to these (heap / 16, at most 4 MiB; not above sndbuf / rcvbuf
	 * turns it off), while all connections' growth together stays
	 * within buf_budget bytes (heap / 4). The send ring keeps room for
	 * twice min(cwnd, the peer's largest window) beyond what is
	 * unacknowledged; the
	 * receive ring is made, once per round trip, twice what arrived in
	 * order in the last one (at most doubling) while the application
	 * keeps up.
	 * --tcp-sndbuf-max=N --tcp-rcvbuf-max=N. */
	uint32_t sndbuf_max, rcvbuf_max;
	uint64_t buf_budget;
	kiln_time msl;         /* TIME-WAIT lasts 2 * msl (30 s) */
	kiln_time rto_initial; /* 1 s (RFC 6298) */
	kiln_time rto_min;     /* 200 ms (RFC 6298 says 1 s; see tcp docs) */
	kiln_time rto_max;     /* 60 s */
	unsigned syn_retries;  /* SYN / SYN-ACK retransmissions (6) */
	unsigned data_retries; /* data retransmissions before giving up (12) */
	kiln_time delack;      /* delayed-ACK timer (40 ms) */
	kiln_time keep_idle;   /* keepalive: idle before probing (2 h) */
	kiln_time keep_interval;  /* between probes (75 s) */
	unsigned keep_count;      /* unanswered probes before reset (9) */
	kiln_time orphan_timeout; /* a closed connection making no progress
	                             is reset after this (60 s) */
	unsigned rst_per_sec;     /* RSTs to segments for no socket (200) */
	unsigned challenge_acks_per_sec; /* RFC 5961 challenge ACKs (100) */
	/* Per connection, at most one ACK per this to segments outside the
	 * window or failing PAWS (RFC 5961 7; 500 ms as Linux; 0: every
	 * one is answered). --tcp-oow-ack-ms=N. */
	kiln_time oow_ack_interval;
	bool sack, timestamps, window_scaling; /* offer/accept them (all on) */
	/* SYN cookies (RFC 4987 3.6): TCP_SYNCOOKIES_AUTO (the default) once
	 * a listen backlog is full, _OFF never, _ALWAYS for every SYN.
	 * --tcp-syncookies=0|1|2. */
	unsigned syncookies;
	/* Congestion controller: TCP_CC_CUBIC (RFC 9438, the default),
	 * TCP_CC_NEWRENO (RFC 5681) or TCP_CC_BBR (BBR v1, paced, model
	 * based: random loss does not shrink its window; SACK connections
	 * only, CUBIC on the others). --tcp-cc=cubic|newreno|bbr. */
	enum tcp_cc_algo { TCP_CC_CUBIC, TCP_CC_NEWRENO, TCP_CC_BBR } cc;
};
#define TCP_SYNCOOKIES_OFF 0
#define TCP_SYNCOOKIES_AUTO 1
#define TCP_SYNCOOKIES_ALWAYS 2
void tcp_config_defaults(struct tcp_config *cfg);
int tcp_configure(const struct tcp_config *cfg);
/* Apply boot arguments --tcp-max-conns=N --tcp-backlog=N --tcp-sndbuf=N
 * --tcp-rcvbuf=N --tcp-sndbuf-max=N --tcp-rcvbuf-max=N --tcp-time-wait-max=N
 * --tcp-msl-ms=N --tcp-oow-ack-ms=N
 * --tcp-syncookies=0|1|2 --tcp-cc=cubic|newreno (claims them).
 * Returns 0 or -KILN_EINVAL (after printing what was wrong). */
int tcp_configure_from_args(void);

/* TCP's own counters, beyond the tcp_ and drop_tcp_ ones in
 * net_counters. Never reset. */
struct tcp_stats {
	uint64_t conns_established, conns_reset, conns_timed_out;
	uint64_t conn_limit_drops; /* SYNs dropped: max_conns reached */
	uint64_t no_memory_resets; /* (unused: buffers no longer fail a
	                              connection) */
	uint64_t rto_timeouts, fast_retransmits, sack_retransmits;
	uint64_t challenge_acks, paws_drops, ooo_segments;
	uint64_t delayed_acks, zero_window_probes, keepalive_probes;
	uint64_t time_wait_recycled, rsts_rate_limited;
	uint64_t segs_in, segs_out;
	/* Segments dropped because the receive ring could not grow (the
	 * heap was short); the peer sends them again. */
	uint64_t no_memory_drops;
	/* Orphans (closed by the application, not yet done) reset to make
	 * room for a new connection at max_conns. */
	uint64_t orphans_evicted;
	/* Out-of-window or PAWS-failing segments left unanswered by the
	 * oow_ack_interval limit. */
	uint64_t oow_acks_limited;
	/* Auto-tuning: times a send or receive ring's bound grew, and
	 * growths refused by the budget (tcp_config.buf_budget). */
	uint64_t sndbuf_grows, rcvbuf_grows, buf_budget_short;
};
void tcp_get_stats(struct tcp_stats *st);

/* ------------------------------------------------------------------ UDP */

struct udp_sock;

struct udp_sock *udp_bind(net_ipv4 addr, uint16_t port, int *err);
long udp_sendto(struct udp_sock *s, net_ipv4 dst, uint16_t dport,
                const void *buf, size_t len);
/* Park until a datagram arrives or deadline; a datagram longer than len is
 * truncated (the return value is its full length). */
long udp_recvfrom(struct udp_sock *s, void *buf, size_t len, net_ipv4 *src,
                  uint16_t *sport, kiln_time deadline);
/* udp_recvfrom without parking (for callbacks): the oldest queued
 * datagram, -KILN_EAGAIN when none is queued, -KILN_ECLOSED after
 * udp_close. */
long udp_recv_nowait(struct udp_sock *s, void *buf, size_t len, net_ipv4 *src,
                     uint16_t *sport);
/* Call fn(s, arg) on the loop's stack each time a datagram is queued on
 * s (after waking a parked reader, if any). fn should read with
 * udp_recv_nowait until -KILN_EAGAIN; it may send or close s. Datagrams
 * already queued when fn is set do not call it. NULL fn removes it. */
void udp_on_readable(struct udp_sock *s,
                     void (*fn)(struct udp_sock *s, void *arg), void *arg);
void udp_close(struct udp_sock *s);

/* ------------------------------------------------------------- counters */

/* Counters readable by the app (never reset). The owning agent of lib/net
 * may add fields; names say what they count. */
struct net_counters {
	uint64_t rx_frames, tx_frames, rx_bytes, tx_bytes;
	uint64_t rx_dropped; /* sum of all drops below */
	uint64_t drop_eth_malformed, drop_eth_not_for_us, drop_arp_malformed;
	uint64_t drop_ip_malformed, drop_ip_checksum, drop_ip_not_for_us;
	uint64_t drop_ip_frag, drop_icmp_malformed, drop_udp_malformed;
	uint64_t drop_udp_checksum, drop_udp_no_port, drop_tcp_malformed;
	uint64_t drop_tcp_checksum, drop_tcp_no_socket, drop_tcp_invalid;
	uint64_t drop_no_buffer;
	uint64_t tcp_active_opens, tcp_passive_opens, tcp_retransmits;
	uint64_t tcp_resets_sent, tcp_syn_backlog_drops;
	/* SYN cookies: SYN-ACKs sent with one, ACKs that returned a good one
	 * (connections made), ACKs checked as cookies that failed. */
	uint64_t tcp_syncookies_sent, tcp_syncookies_ok, tcp_syncookies_failed;
	/* Loss recovery (lib/net/tcp_rack.c): segments RACK marked lost,
	 * retransmissions found lost again, reordering timer expiries that
	 * marked some, connections that saw reordering, tail-loss probes
	 * sent and those that repaired a loss, D-SACKs received, spurious
	 * recoveries or timeouts undone. */
	uint64_t tcp_rack_marked_lost, tcp_lost_retransmits;
	uint64_t tcp_rack_reo_timeouts, tcp_reordering_seen;
	uint64_t tcp_tlp_sent, tcp_tlp_recovered, tcp_dsacks, tcp_undos;
	uint64_t icmp_echo_replies;
	/* Below TCP: more drop reasons (each also counted in rx_dropped). */
	uint64_t drop_eth_unsupported; /* EtherType or 802.3 frame we ignore */
	uint64_t drop_ip_proto;        /* no such transport protocol */
	uint64_t drop_icmp_checksum;
	uint64_t drop_udp_queue_full; /* socket's receive queue was full */
	/* Below TCP: what the stack did. */
	uint64_t tx_errors;     /* frames the host refused */
	uint64_t tx_no_route;   /* packets with no route (no gateway) */
	uint64_t tx_arp_failed; /* packets dropped waiting for ARP */
	uint64_t arp_requests_sent, arp_replies_sent;
	uint64_t ip_reassembled; /* datagrams rebuilt from fragments */
	uint64_t ip_frags_sent;  /* fragments of datagrams sent */
	uint64_t icmp_unreach_sent, icmp_rate_limited;
	uint64_t udp_rx_datagrams, udp_tx_datagrams;
	uint64_t dhcp_leases;   /* ACKs taken (first lease and renewals) */
	uint64_t dhcp_declines; /* offered addresses found in use */
	/* Calls to the platform's batch read and write: frames per call
	 * is rx_frames / rx_batches (and tx likewise). */
	uint64_t rx_batches, tx_batches;
	/* Frames sent as pieces (TX_SG): lent bytes not gathered. */
	uint64_t tx_frames_scattered;
	/* Bytes TCP queued by reference (tcp_send_static): not copied into
	 * a send ring. */
	uint64_t tcp_bytes_lent;
	/* Packets the stack could not build for want of a free buffer
	 * (also in drop_no_buffer, which counts received frames too). */
	uint64_t tx_no_buffer;
	/* Times a TCP sender found the pool at its reserve and waited for
	 * buffers instead of sending (the data stays queued). */
	uint64_t tcp_buffer_waits;
	/* ARP defences: live entries another MAC claimed (confirmed with
	 * the old one before any change), ARP packets that were neither
	 * asked for nor from a neighbour we know (no entry made), pending
	 * lookups pushed out of their full pool by newer ones. */
	uint64_t arp_conflicts, arp_ignored, arp_lookups_evicted;
	/* DHCP replies from a server other than the one we deal with. */
	uint64_t dhcp_ignored;
	/* Received frames whose offload metadata from the host did not fit
	 * them (an unknown kind, a checksum position outside the frame). */
	uint64_t drop_bad_offload;
};
void net_get_counters(struct net_counters *c);
/* Print the counters that are non-zero, one per line. */
void net_print_counters(void);
/* Format the counters as "name value" lines into buf (NUL-terminated,
 * only whole lines); all: zeros too. Returns the length. */
size_t net_format_counters(char *buf, size_t size, bool all);

#endif /* KILN_NET_H */
