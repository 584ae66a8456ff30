/*
 * xs_frontend.h - what netfront and blkfront share: a frontend's place in
 * xenstore (its directory, the backend's directory and domain), the
 * backend's state watched, and the xenbus state handshake
 * (io/xenbus.h: Initialising, InitWait, Initialised, Connected, Closing,
 * Closed) with bounded waits.
 */
#ifndef XEN_XS_FRONTEND_H
#define XEN_XS_FRONTEND_H

#include "xenstore.h"

#include <xen/io/xenbus.h>

/* How long set-up waits for the backend at each step. */
#define XFE_WAIT_NS 10000000000ll

struct xs_frontend {
	char name[8];      /* "net0", "blk1": the prefix of every report */
	char dir[48];      /* ours, relative: "device/vif/0" */
	char backend[160]; /* the backend's directory, as the toolstack wrote */
	domid_t backend_id;
	struct xs_watch watch; /* on <backend>/state */
	bool watching;
};

/* One console line "NAME: ...", printf-style. */
void xfe_logf(const struct xs_frontend *f, const char *fmt, ...)
        __attribute__((__format__(__printf__, 2, 3)));

/*
 * Fill f for the device called name whose directory is dir: read
 * dir/backend and dir/backend-id. Returns XS_OK, XS_ENOENT when dir has no
 * backend (the device does not exist; nothing is reported), or another
 * error, reported.
 */
int xfe_open(struct xs_frontend *f, const char *name, const char *dir);

/* Read or write a key of ours (backend false) or the backend's. */
int xfe_read(const struct xs_frontend *f, bool backend, const char *key,
             char *buf, size_t size);
int xfe_read_uint(const struct xs_frontend *f, bool backend, const char *key,
                  uint64_t max, uint64_t *v);
int xfe_write(const struct xs_frontend *f, uint32_t tx, const char *key,
              const char *value);
int xfe_write_uint(const struct xs_frontend *f, uint32_t tx, const char *key,
                   uint64_t v);

/* The backend's state (XenbusStateUnknown when the node says nothing
 * sensible); XS_ENOENT once the backend's directory is gone. */
int xfe_backend_state(const struct xs_frontend *f, unsigned *state);

/* Write our state. */
int xfe_switch(const struct xs_frontend *f, enum xenbus_state state);

/* Watch the backend's state (events then queue on f->watch). */
int xfe_watch(struct xs_frontend *f);

/* Stop watching. */
void xfe_release(struct xs_frontend *f);

/*
 * Wait until the backend is in state want, or until deadline. Returns
 * XS_OK; XS_ETIMEDOUT; XS_EIO when the backend went to Closing or Closed
 * instead (want below Closing); XS_ENOENT when its directory vanished.
 * *last is the state seen last. Reports nothing.
 */
int xfe_wait(struct xs_frontend *f, unsigned want, platform_time deadline,
             unsigned *last);

/* Wait (XFE_WAIT_NS at most) for the backend to offer a connection
 * (InitWait); a backend left Closed by an earlier frontend is asked again
 * (our state Initialising). Anything else is reported. */
int xfe_wait_offer(struct xs_frontend *f);

/* Wait (XFE_WAIT_NS at most) for the backend to be Connected; reported
 * when it is not. */
int xfe_wait_connected(struct xs_frontend *f);

/* "InitWait", "Connected", ... for reports. */
const char *xfe_state_name(unsigned state);

/* "net" + "3" -> 3: the number after prefix in name (0..99), or -1. */
int xfe_unit(const char *name, const char *prefix);

#endif /* XEN_XS_FRONTEND_H */
