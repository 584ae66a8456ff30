/*
 * host/vchan_link.h - vchan links between Kiln unikernels on one host: the
 * shared memory and doorbells behind platform_shm_* (include/kiln/
 * platform.h) on the unix target and kiln-hvt. docs/vchan.md has the
 * picture.
 *
 * A link joins two processes (unix images or kiln-hvt monitors) given the
 * same rendezvous path (--vchan peer=NAME,path=PATH). The first to start
 * creates the link: one memfd (a control area the two processes keep to
 * themselves, then the window their unikernels map), two eventfds (a
 * doorbell for each side) and a listening UNIX socket at PATH. The other
 * connects and receives the three descriptors (SCM_RIGHTS). Who may join
 * is decided by the permissions of PATH's directory.
 *
 * The window is cut in two halves, one per side, and each side offers
 * pages only from its own half. The control area holds each side's
 * directory: the port names its unikernel published, each naming a run of
 * pages in that side's half. Only host code writes a directory (each side
 * its own), under a sequence counter, and the other side checks every
 * value it reads there. The pages themselves belong to the unikernels:
 * whatever the peer writes into its pages can be anything.
 *
 * The creator keeps listening. When its peer goes (the socket closes),
 * every channel of the link ends, the peer's half and directory are
 * cleared, and a new peer may join. A joiner whose creator goes has a
 * dead link: its channels end and it finds nothing more.
 *
 * Doorbells ride on the wait: host_vchan_notify() only marks the link,
 * and host_vchan_poll_fill() rings the marked ones before the caller
 * waits. Nothing here allocates memory after host_vchan_setup(): kiln-hvt
 * runs it under seccomp.
 *
 * Results are the values of enum platform_result (HOST_VCHAN_OK ...).
 */
#ifndef KILN_HOST_VCHAN_LINK_H
#define KILN_HOST_VCHAN_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostopt.h"

struct host_pollset;

#define HOST_VCHAN_PAGE 4096u
#define HOST_VCHAN_CHANNELS 32 /* channels over all links */
#define HOST_VCHAN_PORT_MAX 47 /* bytes of a port name */
#define HOST_VCHAN_DIR_ENTRIES 32
/* The control area before the window in the memfd: a header page and a
 * directory page (both sides' entries). */
#define HOST_VCHAN_CTL_SIZE (2 * HOST_VCHAN_PAGE)

enum {
	HOST_VCHAN_OK = 0,
	HOST_VCHAN_AGAIN = 1,
	HOST_VCHAN_EINVAL = 2,
	HOST_VCHAN_EUNSPEC = 3,
	HOST_VCHAN_ENOENT = 4
};

struct host_vchan_link {
	struct host_vchan_opt opt;
	bool creator;    /* side 0; the joiner is side 1 */
	bool dead;       /* a joiner whose creator went */
	int listen_fd;   /* the creator's socket at the path */
	int conn_fd;     /* to the peer's process; -1 when none */
	int memfd;       /* control area + window */
	int bell[2];     /* eventfd: bell[s] wakes side s */
	uint8_t *ctl;    /* the control area (host processes only) */
	uint8_t *window; /* this process's mapping of the window */
	uint32_t pages;  /* of the window */
	uint32_t epoch;  /* times a peer went */
	bool ring;       /* ring the peer's bell at the next fill */
	uint64_t used[HOST_VCHAN_WINDOW_MAX / HOST_VCHAN_PAGE / 2 / 64];
	uint32_t next; /* where the next offer's search starts */
	int ix_listen, ix_conn, ix_bell; /* in the last poll set */
	uint64_t bells_rung, bells_heard, joins, departures;
};

struct host_vchan_chan {
	bool used;
	bool offered; /* our own pages (else the peer's offer) */
	unsigned link;
	uint32_t first, npages; /* offered: our run of pages */
	int dir;                /* our directory entry, or -1 */
	uint32_t epoch;         /* the link's epoch when it was made */
};

struct host_vchan {
	struct host_vchan_link link[HOST_MAX_VCHANS];
	unsigned nlinks;
	struct host_vchan_chan chan[HOST_VCHAN_CHANNELS];
};

/*
 * Rendezvous for every link in opts: join the process listening at the
 * path, or else create the link and listen there. A joiner waits up to
 * 5 s for the creator's answer. On a mistake: -1 and one line in err.
 */
int host_vchan_setup(struct host_vchan *v, const struct host_vchan_opt *opts,
                     unsigned n, char *err, size_t errlen);

/* The link of a peer name, or -1. */
int host_vchan_link_of(const struct host_vchan *v, const char *peer);

/* Offer npages zeroed pages of our half to peer: *chan, and *first the
 * window page number of the first (the others follow it; page numbers
 * are the references platform_shm_offer hands out). */
int host_vchan_offer(struct host_vchan *v, const char *peer, uint32_t npages,
                     unsigned *chan, uint32_t *first);

/* Enter offer chan into our directory under port (1..HOST_VCHAN_PORT_MAX
 * of A-Z a-z 0-9 . _ -; one offer per port). */
int host_vchan_publish(struct host_vchan *v, unsigned chan, const char *port);

/* Look port up in the peer's directory: *chan, and *first the page
 * number of the offer's first page (checked to lie in the peer's half).
 * HOST_VCHAN_AGAIN when the peer published no such port (or there is no
 * peer now). */
int host_vchan_find(struct host_vchan *v, const char *peer, const char *port,
                    unsigned *chan, uint32_t *first);

/* Check refs (n page numbers) for a found channel: they must follow each
 * other inside the peer's half. *first is refs[0]. */
int host_vchan_map(struct host_vchan *v, unsigned chan, const uint32_t *refs,
                   unsigned n, uint32_t *first);

/* Mark chan's link to ring the peer's doorbell at the next poll fill. */
void host_vchan_notify(struct host_vchan *v, unsigned chan);

/* Is chan's peer gone (departed since chan was made, or a dead link)? */
bool host_vchan_gone(const struct host_vchan *v, unsigned chan);

/* Withdraw chan from our directory, free its pages, free the slot. */
void host_vchan_close(struct host_vchan *v, unsigned chan);

/* The link a channel is on (for the window's address). */
unsigned host_vchan_chan_link(const struct host_vchan *v, unsigned chan);

/* Ring the marked doorbells now. */
void host_vchan_ring(struct host_vchan *v);

/* Ring the marked doorbells, then add the links' descriptors to ps. */
void host_vchan_poll_fill(struct host_vchan *v, struct host_pollset *ps);

/* After the poll (r its result): take joiners, notice departures, drain
 * doorbells. Returns the channels to report ready (bit i: channel i). */
uint64_t host_vchan_poll_done(struct host_vchan *v,
                              const struct host_pollset *ps, int r);

/* At a process's exit (where it may still unlink): remove the sockets
 * this process listens on, so that nobody tries to join a link that is
 * gone. (A stale socket is also replaced by the next creator.) */
void host_vchan_shutdown(struct host_vchan *v);

/* One line per link on stderr: doorbells rung and heard, joins. */
void host_vchan_report(const struct host_vchan *v, const char *who);

#endif /* KILN_HOST_VCHAN_LINK_H */
