/*
 * main.c - the CPL 3 side of boot on Xen: clock, xenstore, then the
 * runtime's kiln_start(). Devices (netfront, blkfront) are set up when
 * the app or its libraries acquire them.
 *
 * The command line is the guest's (xl's `cmdline`, which the launcher
 * fills with the boot arguments): all of it goes to the unikernel.
 */
#include "clock.h"
#include "kernel.h"
#include "xen.h"
#include "xenstore.h"

#include <kiln/platform.h>

void user_main(void)
{
	/* The supervisor enabled SSE; give the FPU its default state. */
	__asm__ volatile("fninit");
	clock_init();
	if (!(boot_info.flags & BOOT_XEN_STORE))
		xen_log("no xenstore ring: no devices, and the exit status "
		        "will not reach the host");
	else if (xs_init() != 0)
		xen_log("the xenstore ring is unusable: no devices");
	else
		xen_watch_shutdown();

	struct platform_start_info info = {
	        .cmdline = boot_info.cmdline,
	        .heap_start = (void *)(uintptr_t)boot_info.heap_start,
	        .heap_size = (size_t)boot_info.heap_size,
	        .target = "xen",
	};
	if (info.heap_size < 64 * 1024)
		platform_abort("less than 64 KiB of memory left for the heap");
	platform_exit(kiln_start(&info));
}
