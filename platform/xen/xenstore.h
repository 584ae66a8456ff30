/*
 * xenstore.h - the xenstore client of the xen target: reads, writes,
 * directory listings, watches and transactions over the xenstore ring
 * (io/xs_wire.h) that Xen set up at boot.
 *
 * Requests are synchronous: one is outstanding at a time, and the call
 * sleeps in xen_event_wait() until the reply with its request id comes
 * back or the timeout (5 s unless set) passes. Watch events that arrive
 * meanwhile, or whenever the ring is polled (xs_poll), are queued on the
 * struct xs_watch of their owner. Paths without a leading '/' are
 * relative to the domain's home, /local/domain/<domid>/.
 *
 * Every function returns an enum xs_status (xs_msg.h): XS_OK, one of the
 * daemon's errors (XS_ENOENT ...), or a local one. Timeouts and protocol
 * violations are also reported on the console, once per event (a
 * protocol violation makes xenstore unusable: every later call fails
 * with XS_EPROTO).
 */
#ifndef XEN_XENSTORE_H
#define XEN_XENSTORE_H

#include "xen.h"
#include "xs_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_TIMEOUT_DEFAULT 5000000000ll /* ns */
#define XS_WATCH_QUEUE 4                /* events kept per watch */
#define XS_WATCH_PATH_MAX 256           /* bytes, with the NUL */
#define XS_TX_TRIES 16                  /* commits tried on EAGAIN */

/*
 * Connect to the ring (xen_store_ring(), xen_store_port()). Every other
 * call connects on first use, so calling this is optional; it returns
 * XS_ENOTCONN when the domain has no xenstore ring.
 */
int xs_init(void);

/* The time each request may take, in ns (default XS_TIMEOUT_DEFAULT). */
void xs_set_timeout(platform_time ns);

/*
 * Read path's value into buf (size bytes), NUL-terminated; *len (if not
 * NULL) is its length. XS_ETOOLONG when value and NUL do not fit. tx is a
 * transaction id, or 0 for none.
 */
int xs_read(uint32_t tx, const char *path, char *buf, size_t size, size_t *len);

/* Read path's value as an unsigned decimal number of at most max;
 * XS_EINVAL when the value is something else. */
int xs_read_uint(uint32_t tx, const char *path, uint64_t max, uint64_t *v);

/* Write value (a string) at path, creating it. */
int xs_write(uint32_t tx, const char *path, const char *value);
int xs_write_uint(uint32_t tx, const char *path, uint64_t v);

/* Remove path and everything below it. */
int xs_rm(uint32_t tx, const char *path);

/* Set path's permissions: perms[0] names the owner and what every domain
 * not listed may do, the others one domain each, in xenstore's form
 * ("n5": domain 5, no access; "r0": domain 0 may read; "b", "w" too). At
 * most XS_PERMS_MAX. */
#define XS_PERMS_MAX 4
int xs_set_perms(uint32_t tx, const char *path, const char *const *perms,
                 unsigned n);

/* List path's children into buf as consecutive NUL-terminated names;
 * *count of them. XS_ETOOLONG when they do not fit in size bytes. */
int xs_directory(uint32_t tx, const char *path, char *buf, size_t size,
                 size_t *count);

/* ---------------------------------------------------------- watches */

/*
 * A watch, owned (and kept in memory) by whoever registered it. The
 * daemon reports a change to the path or anything below it, and once
 * right after registration. Events are queued here in order; beyond
 * XS_WATCH_QUEUE of them, further ones are dropped and overflowed is set:
 * the owner then re-reads everything it watches.
 */
struct xs_watch {
	struct xs_watch *next; /* in the client's list of watches */
	char token[16];
	char path[XS_WATCH_PATH_MAX];
	unsigned head, count;
	char events[XS_WATCH_QUEUE][XS_WATCH_PATH_MAX];
	bool overflowed;
	uint64_t dropped; /* events lost to overflow */
};

/* Register w on path (w is then in use until xs_unwatch). */
int xs_watch(struct xs_watch *w, const char *path);

/* Remove the watch (locally at once, whatever the daemon answers). */
int xs_unwatch(struct xs_watch *w);

/* Read whatever the daemon has sent (watch events; stale replies are
 * dropped) without waiting. Cheap when nothing is waiting. */
void xs_poll(void);

/* An event is queued on w (or w overflowed). Polls first. */
bool xs_watch_pending(struct xs_watch *w);

/* Take w's oldest event: its path into path (size bytes, truncated if
 * need be). false when none is queued. Clears overflowed once empty. */
bool xs_watch_take(struct xs_watch *w, char *path, size_t size);

/* Sleep until an event is queued on w or deadline passes: XS_OK or
 * XS_ETIMEDOUT (not reported: the caller knows what it waited for). */
int xs_watch_wait(struct xs_watch *w, platform_time deadline);

/* ----------------------------------------------------- transactions */

int xs_transaction_start(uint32_t *tx);
/* End tx, committing its writes when commit is set. XS_EAGAIN: another
 * writer got in the way and nothing was committed; start again. */
int xs_transaction_end(uint32_t tx, bool commit);

/*
 * Run body(tx, ctx) in a transaction and commit it, starting again from
 * the top while the commit answers XS_EAGAIN (at most XS_TX_TRIES
 * times). When body returns an error the transaction is abandoned and
 * the error returned.
 */
int xs_transact(int (*body)(uint32_t tx, void *ctx), void *ctx);

/* ---------------------------------------------------------- counters */

struct xs_counters {
	uint64_t requests;
	uint64_t timeouts;
	uint64_t stale_replies;  /* replies to no outstanding request */
	uint64_t wrong_replies;  /* a reply of another type than asked */
	uint64_t unknown_events; /* watch events for no registered token */
	uint64_t bad_events;     /* malformed watch events, dropped */
	uint64_t tx_retries;     /* transactions started again on EAGAIN */
};

void xs_get_counters(struct xs_counters *c);

/* One console line through xen_log(), printf-style (the frontends' set-up
 * reports use it too). */
void xs_logf(const char *fmt, ...)
        __attribute__((__format__(__printf__, 1, 2)));

#ifdef KILN_FUZZ
/* Forget everything (host tests and fuzzing only). */
void xs_reset(void);
#endif

#endif /* XEN_XENSTORE_H */
