/*
 * kiln/vchan.h - byte streams between unikernels on one host over shared
 * memory rings: Xen's vchan (the libxenvchan protocol) on xen, the same
 * rings over host shared memory on hvt and unix (docs/vchan.md).
 *
 * A channel has a server and a client. The server listens on a named port
 * for one peer: it makes the rings (their sizes are its choice), then
 * waits for the client. The client connects to the peer's port and uses
 * the rings the server made. Each direction is one ring, so a channel
 * holds at most its two ring sizes in flight. Either side may close; the
 * other reads what is left and then sees the end of the stream.
 *
 * Peers are named as the host names them: on xen a domain id ("0" is
 * dom0), on hvt and unix the peer of a --vchan link. Ports are names of
 * 1..63 bytes (on xen a word, or an absolute xenstore path).
 *
 * Like the sockets of kiln/net.h, a channel serves both styles of the
 * runtime: blocking calls with a deadline park the calling fiber;
 * non-blocking calls return -KILN_EAGAIN, and an event callback says when
 * to try again. Both work on the same loop as TCP and UDP.
 *
 * The peer is not trusted. Every index, size and state it writes is
 * copied once and checked on every use; a peer that breaks the protocol
 * is reported (one log line, a counter), and its channel ends with
 * -KILN_ECONNRESET, as it does when the peer goes away (its process or
 * domain ended). Nothing it writes can make this side read or write
 * outside the rings.
 */
#ifndef KILN_VCHAN_H
#define KILN_VCHAN_H

#include <kiln/rt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vchan;

/* Ring sizes the server asks for, in bytes: rounded up to a power of two
 * from 1 KiB to 1 MiB (the protocol's limits; small rings live inside
 * the control page, as libxenvchan places them). 0: the default. */
struct vchan_config {
	size_t to_server; /* bytes the client may send ahead (64 KiB) */
	size_t to_client; /* bytes the server may send ahead (64 KiB) */
};
#define VCHAN_RING_MAX ((size_t)1 << 20)
#define VCHAN_RING_DEFAULT ((size_t)64 << 10)
#define VCHAN_NAME_MAX 63

/* -------------------------------------------------------------- server */

/*
 * Listen on port for peer: make the rings and publish them; returns at
 * once. NULL with *err = -KILN_ENOENT (no such peer), -KILN_EINVAL (bad
 * name or size), -KILN_ENOMEM (no room), -KILN_ENOSYS (the target has no
 * shared memory) or -KILN_EIO. One client may connect; to serve another,
 * close the channel and listen again.
 */
struct vchan *vchan_listen(const char *peer, const char *port,
                           const struct vchan_config *cfg, int *err);

/* Park until the client has connected (0), or deadline (-KILN_ETIMEDOUT),
 * or the channel ends first (its error; -KILN_ECLOSED after vchan_close).
 * Reads and writes also work before: they wait for data or space. */
int vchan_accept(struct vchan *v, kiln_time deadline);

/* -------------------------------------------------------------- client */

/*
 * Connect to peer's port, parking until the server has published it and
 * the rings are mapped, or deadline (NULL, *err = -KILN_ETIMEDOUT). Other
 * errors: -KILN_ENOENT (no such peer), -KILN_ECONNREFUSED (the server's
 * rings are bad or it closed), -KILN_ENOSYS, -KILN_EINVAL.
 */
struct vchan *vchan_connect(const char *peer, const char *port,
                            kiln_time deadline, int *err);

/* ---------------------------------------------------------------- data */

/* Read up to len bytes, parking until at least one is there. Returns the
 * count, 0 at the end of the stream (the peer closed and everything it
 * wrote was read), or a negated kiln_error (-KILN_ETIMEDOUT,
 * -KILN_ECONNRESET, -KILN_ECLOSED). */
long vchan_read(struct vchan *v, void *buf, size_t len, kiln_time deadline);

/* Write all len bytes, parking while the ring is full. Returns len; the
 * bytes written so far if the deadline passes after some went; or a
 * negated kiln_error when none could (-KILN_EPIPE: the peer closed). */
long vchan_write(struct vchan *v, const void *buf, size_t len,
                 kiln_time deadline);

/* Non-blocking forms: what fits now, or -KILN_EAGAIN (then
 * VCHAN_EV_READABLE / VCHAN_EV_WRITABLE tells when to try again). */
long vchan_recv(struct vchan *v, void *buf, size_t len);
long vchan_send(struct vchan *v, const void *buf, size_t len);

/* Bytes vchan_recv would return now, and bytes vchan_send would take. */
size_t vchan_readable(struct vchan *v);
size_t vchan_writable(struct vchan *v);

enum vchan_event {
	VCHAN_EV_READABLE = 1, /* data, or the end of the stream, to read */
	VCHAN_EV_WRITABLE = 2, /* room after a send that took less */
	VCHAN_EV_CLOSED = 4,   /* the peer closed, went away or broke the
	                          protocol (see vchan_error) */
	VCHAN_EV_CONNECTED = 8 /* (server) the client has connected */
};

/* Call fn on the loop's stack with the events that happened. fn may read,
 * write and close v. NULL removes it. */
void vchan_on_event(struct vchan *v,
                    void (*fn)(struct vchan *v, unsigned events, void *arg),
                    void *arg);

/* Close: the peer reads what is in flight and then the end of the
 * stream. v is invalid afterwards; a fiber parked on it returns
 * -KILN_ECLOSED. The shared pages are given back once the peer has closed
 * too (or went away, or after 10 s). */
void vchan_close(struct vchan *v);

/* The error that ended the channel: 0 while it works (and after a clean
 * close by the peer), -KILN_ECONNRESET when the peer went away or broke
 * the protocol. */
int vchan_error(const struct vchan *v);

/* Has the client connected (server), is the channel up (client)? */
bool vchan_connected(const struct vchan *v);

/* ------------------------------------------------------------ counters */

struct vchan_stats {
	uint64_t bytes_in, bytes_out;
	uint64_t notifies_sent; /* doorbells rung for the peer */
	uint64_t wakeups;       /* doorbells heard (or other reasons to look) */
	uint64_t waits_empty;   /* reads that parked on an empty ring */
	uint64_t waits_full;    /* writes that parked on a full ring */
	uint32_t to_server_size, to_client_size; /* the rings, in bytes */
};
void vchan_get_stats(const struct vchan *v, struct vchan_stats *st);

/* Over all channels, never reset. */
struct vchan_totals {
	uint64_t listens, connects, accepts, closes;
	uint64_t peer_closes;     /* the peer closed cleanly */
	uint64_t peer_gone;       /* its process or domain ended */
	uint64_t protocol_errors; /* the peer broke the protocol */
	uint64_t bytes_in, bytes_out;
	/* Reports about peers not logged: beyond 10 at once, one a second
	 * is (a peer that breaks every channel cannot flood the console). */
	uint64_t reports_suppressed;
};
void vchan_get_totals(struct vchan_totals *t);

#endif /* KILN_VCHAN_H */
