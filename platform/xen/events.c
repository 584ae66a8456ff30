/*
 * events.c - the CPL 3 side of event channels and grants (xen.h), the
 * device table, and platform_yield(): the one place the unikernel waits.
 *
 * The supervisor collects pending ports into boot_info.xen_events when
 * user code sleeps or polls (SYS_SLEEP); user code takes them from there.
 */
#include "clock.h"
#include "kernel.h"
#include "xen.h"
#include "xenstore.h"

#include <kiln/platform.h>
#include <string.h>

struct device {
	evtchn_port_t port;
	bool (*has_input)(void *ctx);
	void *ctx;
	bool used;
};

static struct device devices[PLATFORM_MAX_DEVICES];
static unsigned device_count;
uint64_t yield_sleeps;

/* The toolstack's stop request (`xl shutdown` writes "poweroff" to the
 * domain's control/shutdown): watched once xenstore is up. */
static struct xs_watch shutdown_watch;
static bool shutdown_watched, stop_requested;

void xen_evtchn_notify(evtchn_port_t port)
{
	supervisor_call(SYS_XEN_EVTCHN_SEND, port, 0);
}

int xen_evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	int64_t r = supervisor_call(SYS_XEN_EVTCHN_ALLOC, remote, 0);
	if (r < 0)
		return (int)r;
	*port = (evtchn_port_t)r;
	return 0;
}

void xen_evtchn_close(evtchn_port_t port)
{
	supervisor_call(SYS_XEN_EVTCHN_CLOSE, port, 0);
	xen_event_take(port);
}

bool xen_event_take(evtchn_port_t port)
{
	if (port >= XEN_EVENT_WORDS * 64)
		return false;
	uint64_t bit = 1ull << (port % 64);
	uint64_t *w = &boot_info.xen_events[port / 64];
	bool had = (*w & bit) != 0;
	*w &= ~bit;
	return had;
}

/* Collect what is pending without sleeping. */
static void poll_events(void)
{
	supervisor_call(SYS_SLEEP, 0, 0);
}

bool xen_event_wait(evtchn_port_t port, platform_time deadline)
{
	for (;;) {
		if (xen_event_take(port))
			return true;
		if (platform_clock_monotonic() >= deadline)
			return false;
		yield_sleeps++;
		supervisor_call(SYS_SLEEP, clock_xen_deadline(deadline), 0);
	}
}

int xen_grant(domid_t domid, const void *page, bool readonly, grant_ref_t *ref)
{
	uintptr_t a = (uintptr_t)page;
	if (a & (XEN_PAGE_SIZE - 1))
		return -1;
	int64_t r = supervisor_call3(SYS_XEN_GRANT, domid, a >> 12, readonly);
	if (r < 0)
		return -1;
	*ref = (grant_ref_t)r;
	return 0;
}

int xen_grant_end(grant_ref_t ref)
{
	return supervisor_call(SYS_XEN_GRANT_END, ref, 0) == 0 ? 0 : -1;
}

struct xencons_interface *xen_console_ring(void)
{
	return (struct xencons_interface *)(uintptr_t)boot_info.console_ring;
}

evtchn_port_t xen_console_port(void)
{
	return boot_info.console_port;
}

struct xenstore_domain_interface *xen_store_ring(void)
{
	return (struct xenstore_domain_interface *)(uintptr_t)
	        boot_info.store_ring;
}

evtchn_port_t xen_store_port(void)
{
	return boot_info.store_port;
}

platform_handle xen_device_handle(void)
{
	return device_count < PLATFORM_MAX_DEVICES ? device_count++
	                                           : PLATFORM_MAX_DEVICES;
}

void xen_device_register(platform_handle h, evtchn_port_t port,
                         bool (*has_input)(void *ctx), void *ctx)
{
	if (h >= PLATFORM_MAX_DEVICES)
		return;
	devices[h] = (struct device){port, has_input, ctx, true};
}

void xen_watch_shutdown(void)
{
	/* Say this guest acts on the request, as PV drivers do, so the
	 * toolstack waits for a clean shutdown instead of forcing one. */
	if (xs_write(0, "control/feature-poweroff", "1") != XS_OK ||
	    xs_watch(&shutdown_watch, "control/shutdown") != XS_OK)
		return;
	shutdown_watched = true;
}

/* Has the toolstack asked this domain to stop? Once asked, always. */
static bool stop_asked(void)
{
	if (stop_requested || !shutdown_watched)
		return stop_requested;
	if (!xen_event_take(xen_store_port()) && !shutdown_watch.count &&
	    !shutdown_watch.overflowed)
		return false;
	char path[XS_WATCH_PATH_MAX], what[32];
	bool changed = false;
	while (xs_watch_take(&shutdown_watch, path, sizeof(path)))
		changed = true;
	xs_poll();
	while (xs_watch_take(&shutdown_watch, path, sizeof(path)))
		changed = true;
	if (!changed ||
	    xs_read(0, "control/shutdown", what, sizeof(what), NULL) != XS_OK)
		return false;
	if (strcmp(what, "poweroff") == 0 || strcmp(what, "halt") == 0 ||
	    strcmp(what, "reboot") == 0) {
		/* Acknowledge, as the protocol asks: the request is taken. */
		xs_write(0, "control/shutdown", "");
		xen_log("stop requested by the toolstack");
		stop_requested = true;
	}
	return stop_requested;
}

/* Devices with input waiting; takes their ports' events. */
static platform_device_set ready_devices(void)
{
	platform_device_set ready = 0;
	for (unsigned h = 0; h < device_count; h++) {
		struct device *d = &devices[h];
		if (!d->used)
			continue;
		bool ev = xen_event_take(d->port);
		if (ev || (d->has_input && d->has_input(d->ctx)))
			ready |= 1ull << h;
	}
	return ready;
}

platform_device_set platform_yield(platform_time deadline)
{
	poll_events();
	platform_device_set ready = ready_devices();
	for (;;) {
		if (stop_asked())
			ready |= PLATFORM_STOP;
		if (ready || deadline <= platform_clock_monotonic())
			return ready;
		yield_sleeps++;
		supervisor_call(SYS_SLEEP,
		                deadline == PLATFORM_TIME_NEVER
		                        ? UINT64_MAX
		                        : clock_xen_deadline(deadline),
		                0);
		ready = ready_devices();
	}
}
