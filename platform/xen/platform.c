/*
 * platform.c - console, exit, abort and guard pages of kiln/platform.h
 * on Xen.
 *
 * The console is the PV console ring; a full ring waits (boundedly) for
 * the console daemon to drain it. The exit status travels to the host in
 * xenstore: the guest writes it to data/kiln-exit-status (under its own
 * /local/domain/ID) and then shuts down (poweroff; crash for an abort),
 * so the toolstack, or the launcher, reads it while the domain is kept.
 * See docs/xen.md.
 */
#include "clock.h"
#include "console.h"
#include "kernel.h"
#include "xen.h"
#include "xenstore.h"

#include <kiln/platform.h>
#include <string.h>

#define CONSOLE_WAIT_NS 2000000000ll /* give up on a stuck daemon */
#define EXIT_FLUSH_NS 1000000000ll

static bool console_stuck;

void platform_console_write(const char *buf, size_t len)
{
	struct xencons_interface *r = xen_console_ring();
	if (!r) {
		/* No ring (a domain built without a console): Xen's debug
		 * port, shown in the hypervisor's log. */
		supervisor_call(SYS_XEN_DEBUG_WRITE, (uint64_t)(uintptr_t)buf,
		                len);
		return;
	}
	if (console_stuck)
		return;
	platform_time give_up = platform_clock_monotonic() + CONSOLE_WAIT_NS;
	while (len > 0) {
		size_t k = xencons_put(r, buf, len);
		buf += k;
		len -= k;
		xen_evtchn_notify(xen_console_port());
		if (len == 0)
			break;
		/* Full: the daemon signals when it has read. */
		if (!xen_event_wait(xen_console_port(), give_up) &&
		    platform_clock_monotonic() >= give_up) {
			console_stuck = true;
			return;
		}
	}
}

void xen_log(const char *msg)
{
	platform_console_write("kiln: xen: ", 11);
	platform_console_write(msg, strlen(msg));
	platform_console_write("\n", 1);
}

/* Let the console daemon take what is still in the ring, so the last
 * lines are not lost with the domain. */
static void console_flush(void)
{
	struct xencons_interface *r = xen_console_ring();
	if (!r || console_stuck)
		return;
	platform_time give_up = platform_clock_monotonic() + EXIT_FLUSH_NS;
	while (xencons_pending(r) && platform_clock_monotonic() < give_up) {
		xen_evtchn_notify(xen_console_port());
		xen_event_wait(xen_console_port(),
		               platform_clock_monotonic() + 10000000);
	}
}

static void report_status(int status)
{
	if (!(boot_info.flags & BOOT_XEN_STORE))
		return;
	if (xs_write_uint(0, "data/kiln-exit-status", (uint64_t)status) != 0)
		xen_log("cannot write the exit status to xenstore");
}

void platform_exit(int status)
{
	if (status < 0 || status > 255)
		status = 255;
	console_flush();
	report_status(status);
	hw_exit(status);
}

void platform_abort(const char *why)
{
	static const char prefix[] = "\nkiln: abort: ";
	platform_console_write(prefix, sizeof(prefix) - 1);
	why = why ? why : "(no reason given)";
	platform_console_write(why, strlen(why));
	platform_console_write("\n", 1);
	console_flush();
	report_status(255);
	hw_exit(255);
}

enum platform_result platform_guard_page(void *page, bool guard)
{
	if ((uintptr_t)page & 4095)
		return PLATFORM_EINVAL;
	if (supervisor_call(SYS_GUARD, (uint64_t)(uintptr_t)page, guard) != 0)
		return PLATFORM_EINVAL;
	return PLATFORM_OK;
}
