/*
 * host/usernet.h - user-mode networking for a guest, on libslirp.
 *
 * The guest sees an Ethernet segment 198.18.0.0/24 (chosen so it does not
 * look like any real private LAN) with a gateway at 198.18.0.1 that
 * answers ARP, ICMP echo and DHCP (addresses from 198.18.0.15). The only
 * way in is a hostfwd, which listens on 127.0.0.1 only; its peers appear
 * to the guest as the gateway. The guest reaches nothing else: it cannot
 * open a TCP connection, and it can send UDP only as an answer within a
 * flow a UDP forward opened; no DNS is forwarded. usernet_filter.h has
 * the rules, which every frame from the guest passes before libslirp
 * sees it; behind them, libslirp binds its sockets to 127.0.0.1.
 *
 * Stack: host_usernet_send() runs libslirp's input path, which puts a
 * 64 KiB buffer on the caller's stack (and more under AddressSanitizer).
 * Call it only on a large stack -- a process's main stack -- never from
 * a guest fiber's. The unix target queues the guest's frames in
 * platform_net_write() and hands them over from platform_yield(), on the
 * loop's stack; the host programs (kiln-hvt, kiln-usernet) call it from
 * their own main loops. The other
 * functions need no more stack than ordinary code, except
 * host_usernet_poll_done(), which runs libslirp's timers and socket I/O
 * and has the same needs as host_usernet_send().
 *
 * Poll integration (the same for the unix platform and kiln-hvt), in a
 * single-threaded loop:
 *
 *     struct host_pollset ps = {0};
 *     for (;;) {
 *             host_pollset_clear(&ps);
 *             ... add your own fds with host_pollset_add(&ps, fd, POLLIN)
 *             int64_t timeout = your_deadline_ns;   // -1: none
 *             host_usernet_poll_fill(u, &ps, &timeout);
 *             if (host_usernet_pending(u)) timeout = 0;
 *             int r = ppoll(ps.fds, ps.n, timeout as timespec, NULL);
 *             host_usernet_poll_done(u, &ps, r);
 *             ... your fds' revents are in ps.fds[their index]
 *             while ((n = host_usernet_recv(u, buf, sizeof buf)) != 0)
 *                     hand the frame (n > 0) to the guest
 *     }
 *
 * and host_usernet_send() for each frame the guest transmits. Frames
 * slirp emits are queued (bounded; the oldest are kept, new ones dropped
 * when full, as a congested wire would) until host_usernet_recv().
 */
#ifndef KILN_HOST_USERNET_H
#define KILN_HOST_USERNET_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostopt.h"

/* ---------------------------------------------------------------- pollset */

/* A growable array of pollfds. Zero-initialise it. */
struct host_pollset {
	struct pollfd *fds;
	unsigned n, cap;
};

void host_pollset_clear(struct host_pollset *ps);
/* Append fd; returns its index, or -1 when out of memory. */
int host_pollset_add(struct host_pollset *ps, int fd, short events);
void host_pollset_free(struct host_pollset *ps);

/* ---------------------------------------------------------------- usernet */

#define HOST_USERNET_NETWORK 0xC6120000u    /* 198.18.0.0 */
#define HOST_USERNET_NETMASK 0xFFFFFF00u    /* /24 */
#define HOST_USERNET_GATEWAY 0xC6120001u    /* 198.18.0.1 */
#define HOST_USERNET_DHCP_START 0xC612000Fu /* 198.18.0.15 */
/* libslirp's name server alias: unused (no DNS is offered), and kept off
 * the gateway, whose traffic libslirp would send to the host's
 * resolver. */
#define HOST_USERNET_NAMESERVER 0xC6120003u /* 198.18.0.3 */
#define HOST_USERNET_MTU 1500
/* Frames waiting for the guest, at most. */
#define HOST_USERNET_QUEUE 256

struct host_usernet;

/* Start a user-mode network with net's port forwards. NULL with a
 * one-line reason in err on failure (e.g. a hostfwd port in use). */
struct host_usernet *host_usernet_new(const struct host_net_opt *net, char *err,
                                      size_t errlen);
void host_usernet_free(struct host_usernet *u);

/* A frame from the guest (Ethernet, no FCS). Frames the guest may not
 * send (see above) are dropped and counted by host_usernet_refused();
 * the first one is reported on stderr. Needs a large stack (see above). */
void host_usernet_send(struct host_usernet *u, const void *frame, size_t len);

/* The next frame for the guest, copied into buf: its length; 0 when none
 * is queued; -1 if it was larger than size (it is dropped). */
long host_usernet_recv(struct host_usernet *u, void *buf, size_t size);

/* A frame is queued for the guest. */
bool host_usernet_pending(const struct host_usernet *u);

/* Add slirp's descriptors to ps and lower *timeout_ns (-1: infinite) to
 * its next timer. */
void host_usernet_poll_fill(struct host_usernet *u, struct host_pollset *ps,
                            int64_t *timeout_ns);

/* After poll() returned poll_result with ps: let slirp do its I/O and run
 * its due timers (which may queue frames for the guest). */
void host_usernet_poll_done(struct host_usernet *u,
                            const struct host_pollset *ps, int poll_result);

/* Frames dropped because the queue was full. */
uint64_t host_usernet_drops(const struct host_usernet *u);

/* Frames from the guest refused because they would leave the user-mode
 * network other than through a port forward. */
uint64_t host_usernet_refused(const struct host_usernet *u);

#endif /* KILN_HOST_USERNET_H */
