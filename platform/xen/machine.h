/*
 * machine.h - the xen target's side of the shared x86_64 supervisor
 * (platform/x86_64/kernel.h): its boot_info fields and supervisor calls.
 *
 * Xen rejects hypercalls made from CPL 3 in HVM and PVH guests, so every
 * hypercall is the supervisor's (machine.c); user code asks for the few
 * it needs with these calls, each checked.
 */
#ifndef XEN_MACHINE_H
#define XEN_MACHINE_H

#include <stdint.h>

/* Supervisor calls of this target (numbers from kernel.h's SYS_MACHINE).
 * SYS_SLEEP (1): rdi: Xen system-time deadline in ns (UINT64_MAX: none).
 * Collects pending event channels into boot_info.xen_events and, when
 * none is pending and the deadline is ahead, blocks the vCPU in Xen until
 * an event or the single-shot timer. Returns 1 when it collected events.
 */
enum {
	SYS_XEN_EVTCHN_SEND = 16,  /* rdi: port */
	SYS_XEN_EVTCHN_ALLOC = 17, /* rdi: remote domid; returns the port */
	SYS_XEN_EVTCHN_CLOSE = 18, /* rdi: port */
	SYS_XEN_GRANT = 19,        /* rdi: domid, rsi: frame, rdx: readonly;
	                              returns the grant reference */
	SYS_XEN_GRANT_END = 20,    /* rdi: grant reference */
	SYS_XEN_SHUTDOWN = 21,     /* rdi: SHUTDOWN_poweroff or _crash */
	SYS_XEN_DEBUG_WRITE = 22,  /* rdi: buffer, rsi: length; to Xen's
	                              debug port (no console ring) */
	/* For vchan (shm.c): another domain's grants and event channels. */
	SYS_XEN_GRANT_MAP = 23,    /* rdi: domid, rsi: grant reference,
	                              rdx: slot; maps the granted page at
	                              XEN_SHM_BASE + slot * 4096 for CPL 3
	                              (read-write, no-exec); 0 or -1 */
	SYS_XEN_GRANT_UNMAP = 24,  /* rdi: slot; 0 or -1 */
	SYS_XEN_EVTCHN_BIND = 25,  /* rdi: remote domid, rsi: remote port;
	                              returns the local port */
	SYS_XEN_EVTCHN_STATUS = 26 /* rdi: port; returns EVTCHNSTAT_* | the
	                              other domain << 16, or -1 */
};

/* Where the pages other domains grant are mapped: slots of one page,
 * above any RAM a domain of this target has (checked at boot), in no
 * range Xen uses. */
#define XEN_SHM_BASE 0x800000000ull /* 32 GiB */
#define XEN_SHM_SLOTS 4096

/* Event channels a 64-bit guest has with the 2-level ABI. */
#define XEN_EVENT_WORDS 64

enum {
	BOOT_XEN_CONSOLE = 1 << 0, /* the toolstack gave a console ring */
	BOOT_XEN_STORE = 1 << 1    /* and a xenstore ring */
};

/* boot_info's fields for this target. xen_events: bit p set when port p
 * had an event (the supervisor sets bits while collecting, user code
 * clears them as it takes them; never at the same time, since user code
 * runs with interrupts off). The rest is read-only for user code. */
#define MACHINE_BOOT_INFO                                                      \
	uint32_t flags;                                                        \
	uint32_t timer_port;                                                   \
	uint64_t shared_info;                                                  \
	uint64_t console_ring;                                                 \
	uint32_t console_port;                                                 \
	uint32_t store_port;                                                   \
	uint64_t store_ring;                                                   \
	uint64_t xen_events[XEN_EVENT_WORDS];

/* User code needs no I/O ports: it runs with IOPL 0. */
#define MACHINE_RFLAGS_USER 0x0002

/* How many times platform_yield blocked in Xen (tests tell a sleep from
 * a spin by it). */
extern uint64_t yield_sleeps;

#endif /* XEN_MACHINE_H */
