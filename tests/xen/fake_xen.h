/*
 * fake_xen.h - a fake Xen for host tests and fuzzing of the xen target's
 * CPL 3 protocol code: it implements platform/xen/xen.h (event channels,
 * grants, the xenstore ring, device registration, xen_log) and
 * platform_clock_monotonic(), and plays the other domains in-process: a
 * xenstore daemon, netback and blkback, each working the shared rings as
 * the real ones do.
 *
 * The other domains run when the guest sleeps (xen_event_wait), when a
 * test calls fake_xen_run(), or through fake_yield(). Time is a fake
 * clock: a wait that nobody answers ends at once, at its deadline.
 * Knobs make each peer misbehave on purpose.
 */
#ifndef KILN_TESTS_FAKE_XEN_H
#define KILN_TESTS_FAKE_XEN_H

#include "../../platform/xen/xen.h"

#include <string.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/ring.h>

#define FAKE_DOMID 7
#define FAKE_HOME "/local/domain/7"
#define FAKE_STORE_PORT 1

/* The fake clock (ns); every platform_clock_monotonic() call adds 1 us. */
extern platform_time fake_now;

/* Back to a fresh boot: a xenstore holding only the domain's home, no
 * devices, no grants, no ports, no log, every knob off. */
void fake_xen_reset(void);

/* Let the daemon and the backends work until none has anything to do. */
void fake_xen_run(void);

/* What platform_yield would report now (runs the peers first), as the
 * real one does: a registered port's event, or its has_input(). */
platform_device_set fake_yield(void);

/* ------------------------------------------------------------ xenstore */

struct fake_xs_knobs {
	bool no_ring;      /* xen_store_ring() returns NULL */
	bool silent;       /* requests are read and never answered */
	bool hold;         /* replies wait until hold is cleared */
	bool stop_reading; /* request bytes stay in the ring */
	unsigned chunk;    /* at most this many reply bytes per run (0: any) */
	unsigned eagain;   /* this many commits are answered EAGAIN */
	bool wrong_type;   /* the next reply is of another type */
	bool bad_error;    /* the next reply is an XS_ERROR with no NUL */
};
extern struct fake_xs_knobs fake_xs;
extern unsigned long fake_xs_requests; /* requests the daemon read */

/* The store, directly (relative paths are under FAKE_HOME). Changes fire
 * watches and reach the backends as the guest's writes do; the peers then
 * run (fake_xen_run). */
void fake_xs_set(const char *path, const char *value);
const char *fake_xs_get(const char *path); /* NULL when absent */
void fake_xs_rm(const char *path);         /* and everything below */

/* Bytes queued as if the daemon had sent them (before later replies). */
void fake_xs_send_raw(const void *bytes, size_t len);
struct xenstore_domain_interface *fake_xs_ring(void);

/* ----------------------------------------------------------------- log */

/* xen_log() lines are kept (and printed with FAKE_XEN_VERBOSE=1). */
bool fake_log_has(const char *needle);
unsigned fake_log_count(const char *needle); /* lines containing it */
unsigned fake_log_lines(void);
void fake_log_clear(void);

/* ------------------------------------------------ events and grants */

unsigned fake_notifies(evtchn_port_t port); /* the guest's sends */
bool fake_port_open(evtchn_port_t port);
unsigned fake_grants_in_use(void);
/* Grants misused: a map the grant does not allow, ending an unknown
 * reference, granting an unaligned page. Always 0 for a good frontend. */
unsigned fake_grant_violations(void);
/* Only the guest's part of them: granting an unaligned page, ending a
 * reference it does not hold. (A backend fed garbage by a hostile test
 * may fail to map; that is not the guest's doing.) */
unsigned fake_grant_misuse(void);
/* What a backend (domain by) does: map a granted page, or NULL. */
void *fake_grant_map(grant_ref_t ref, domid_t by, bool write);
void fake_grant_unmap(grant_ref_t ref);
/* An event from a backend on the guest's port. */
void fake_send_event(evtchn_port_t port);
extern bool fake_evtchn_alloc_fails;

/* ------------------------------------------------------------- netback */

#define FAKE_FRAME_MAX 2048
#define FAKE_INQ 64

struct fake_frame {
	size_t len;
	uint8_t data[FAKE_FRAME_MAX];
};

enum fake_tx_mangle {
	TXM_NONE,
	TXM_BAD_ID,       /* responses carry id + 1000 */
	TXM_STALE_ID,     /* responses carry the previous request's id */
	TXM_ERROR_STATUS, /* NETIF_RSP_ERROR */
	TXM_NULL_STATUS,  /* NETIF_RSP_NULL (only for extra slots) */
	TXM_PROD_AHEAD,   /* rsp_prod pushed 1000 past the responses */
};

struct fake_vif {
	unsigned index;
	char fe[64], be[64];
	/* knobs */
	bool silent;        /* no ring work at all */
	bool keep_mapped;   /* rings stay mapped after a disconnect */
	bool no_connect;    /* never answers the frontend's Connected */
	bool slow_close;    /* stays Closing, rings mapped, until finished */
	uint16_t rx_offset; /* where received frames go in the page */
	enum fake_tx_mangle tx_mangle;
	/* state */
	bool connected;
	evtchn_port_t port;
	grant_ref_t tx_ref, rx_ref;
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	struct fake_frame inq[FAKE_INQ];
	unsigned in_head, in_count;
	struct fake_frame *sent;
	unsigned sent_count, sent_cap;
	unsigned connects, tx_violations;
	uint16_t last_tx_id;
	struct fake_vif *next;
};

/* A vif with index (device/vif/<index>), backend in state InitWait, with
 * feature-rx-copy and a MAC 00:16:3e:00:00:<index>. */
struct fake_vif *fake_vif_add(unsigned index);
/* A frame for the guest, delivered as receive requests allow. */
void fake_vif_inject(struct fake_vif *v, const void *frame, size_t len);
void fake_vif_close(struct fake_vif *v); /* backend to Closing */
/* With slow_close: the backend now unmaps and goes Closed. */
void fake_vif_finish_close(struct fake_vif *v);
void fake_vif_remove(struct fake_vif *v); /* backend directory gone */
/* Hostile receive: consume the next receive request and put rsp, as
 * given, in its slot (false when none is posted); then push. */
bool fake_vif_rx_raw(struct fake_vif *v, const struct netif_rx_response *rsp);
void fake_vif_rx_push(struct fake_vif *v);
/* Receive requests posted and not yet consumed. */
unsigned fake_vif_rx_posted(struct fake_vif *v);

/* ------------------------------------------------------------- blkback */

enum fake_blk_mangle {
	BM_NONE,
	BM_SILENT,     /* requests are never answered */
	BM_BAD_ID,     /* responses carry id + 1000 */
	BM_STALE_ID,   /* responses carry the next id, in range but idle */
	BM_BAD_OP,     /* responses carry another operation */
	BM_ERROR,      /* BLKIF_RSP_ERROR */
	BM_PROD_AHEAD, /* rsp_prod pushed 100 past the responses */
};

struct fake_vbd {
	unsigned vdev;
	char fe[64], be[64];
	/* knobs, read when the frontend connects */
	uint64_t sectors; /* 512-byte units */
	uint32_t sector_size;
	bool flush, barrier, readonly, no_sectors;
	enum fake_blk_mangle mangle;
	/* Called before the ring work when set (fuzzing): true when it
	 * did the work itself. */
	bool (*hook)(struct fake_vbd *v, void *ctx);
	void *hook_ctx;
	/* state */
	uint8_t *disk;
	bool connected;
	evtchn_port_t port;
	grant_ref_t ring_ref;
	blkif_back_ring_t ring;
	unsigned requests, reads, writes, flushes, barriers, segments;
	unsigned max_batch, violations;
	struct fake_vbd *next;
};

/* A vbd device/vbd/<vdev> of sectors 512-byte sectors (zeroed), sector
 * size 512, flush-cache offered, backend in state InitWait. */
struct fake_vbd *fake_vbd_add(unsigned vdev, uint64_t sectors);

#endif /* KILN_TESTS_FAKE_XEN_H */
