/*
 * xen.h - what the xen target's CPL 3 code (console ring, xenstore client,
 * netfront, blkfront) needs from the rest of the target: event channels,
 * grant references, the shared rings Xen set up at boot, and registration
 * of devices with platform_yield.
 *
 * The supervisor (CPL 0) owns the hypercall page, the grant table and the
 * shared-info page; user code reaches them only through the calls below.
 * On the host (unit tests, fuzzing: KILN_FUZZ) a fake implementation of
 * these functions stands in for Xen and its backends.
 *
 * Xen's ABI (ring layouts, xs_wire, netif, blkif) comes from Xen's public
 * headers (Debian's libxen-dev, /usr/include/xen), never retyped.
 */
#ifndef XEN_TARGET_XEN_H
#define XEN_TARGET_XEN_H

/* The Xen interface this code is written against (Xen 4.14 and later);
 * without it Xen's headers fall back to the oldest ABI. */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif

#include <kiln/platform.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include <xen/xen.h>

#define XEN_PAGE_SIZE 4096

/* Barriers for rings shared with another domain (x86: the CPU keeps
 * stores in order and loads in order; only the compiler must be stopped,
 * except for a store followed by a load, which needs mfence). */
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_signal_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_signal_fence(__ATOMIC_RELEASE)

/* ------------------------------------------------------ event channels */

/* Tell the other end of port that there is work (EVTCHNOP_send). */
void xen_evtchn_notify(evtchn_port_t port);

/* A fresh port that domain remote may bind to (EVTCHNOP_alloc_unbound).
 * 0 on success, a negative Xen errno otherwise. */
int xen_evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);

/* Close a port this domain allocated (EVTCHNOP_close). */
void xen_evtchn_close(evtchn_port_t port);

/*
 * Did port receive an event since it was last taken? Clears it. Events
 * are collected whenever the target polls or sleeps (platform_yield,
 * xen_event_wait), so a device checks its rings after taking its port,
 * never relies on the event alone.
 */
bool xen_event_take(evtchn_port_t port);

/*
 * Sleep in Xen until port has an event or the monotonic clock reaches
 * deadline. Returns true for an event (taken), false at the deadline.
 * For synchronous waits during device set-up and xenstore requests;
 * events of other ports that arrive meanwhile stay pending for their
 * owners.
 */
bool xen_event_wait(evtchn_port_t port, platform_time deadline);

/* -------------------------------------------------------------- grants */

/*
 * Grant domain domid access to the 4 KiB page at page (page-aligned,
 * inside the heap or the image's data): read-only when readonly. The
 * reference is stored in *ref. 0 on success; -1 when the page is not one
 * the app may share or the grant table is full.
 */
int xen_grant(domid_t domid, const void *page, bool readonly, grant_ref_t *ref);

/* End a grant. 0 on success; -1 while the other domain still maps the
 * page (the grant then stays, and the page must not be reused). */
int xen_grant_end(grant_ref_t ref);

/* --------------------------------------------- rings Xen set up at boot */

/* The PV console ring and its event channel (HVM_PARAM_CONSOLE_*); NULL
 * when the toolstack gave the domain no console. */
struct xencons_interface *xen_console_ring(void);
evtchn_port_t xen_console_port(void);

/* The xenstore ring and its event channel (HVM_PARAM_STORE_*). */
struct xenstore_domain_interface *xen_store_ring(void);
evtchn_port_t xen_store_port(void);

/* ------------------------------------------------------------- devices */

/*
 * A device that platform_yield should report: when port has an event, or
 * when has_input(ctx) says input is waiting (checked before every sleep:
 * a device with unread responses is ready at once), bit h is set in
 * yield's result. Up to PLATFORM_MAX_DEVICES devices.
 */
void xen_device_register(platform_handle h, evtchn_port_t port,
                         bool (*has_input)(void *ctx), void *ctx);

/* The next free device handle (net and block share one space). */
platform_handle xen_device_handle(void);

/* Watch control/shutdown, so that the toolstack's stop request (xl
 * shutdown) ends the unikernel cleanly through PLATFORM_STOP. */
void xen_watch_shutdown(void);

/* One line on the console, prefixed "kiln: xen: " (device set-up
 * reports). */
void xen_log(const char *msg);

#endif /* XEN_TARGET_XEN_H */
