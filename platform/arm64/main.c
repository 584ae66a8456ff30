/*
 * main.c - the EL0 side of boot on arm64: command line, clock, devices,
 * then the runtime's kiln_start().
 */
#include "clock.h"
#include "cmdline.h"
#include "devices.h"
#include "kernel.h"
#include <kiln/platform.h>

static char boot_args[BOOT_CMDLINE_MAX];
static struct cmdline cmdline;

static void say(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	platform_console_write(s, n);
}

void user_main(void)
{
	char err[160];
	/* QEMU's -append: "-- ARGS"; the device tree describes devices, so
	 * virtio_mmio.device= words have no meaning here. */
	if (cmdline_parse(boot_info.cmdline, &cmdline, boot_args,
	                  sizeof(boot_args), err, sizeof(err)) != 0) {
		say("kiln: arm64: bad command line: ");
		say(err);
		say("\n");
		platform_exit(2);
	}
	if (cmdline.ignored || cmdline.mmio_count)
		say("kiln: arm64: ignoring platform words before \"--\" and "
		    "virtio_mmio.device= words (the device tree lists the "
		    "devices)\n");
	clock_init();

	uint64_t heap = boot_info.heap_start, size = boot_info.heap_size;
	devices_discover(&heap, &size);
	if (size < 64 * 1024)
		platform_abort("less than 64 KiB of memory left for the heap");

	struct platform_start_info info = {
	        .cmdline = boot_args,
	        .heap_start = (void *)(uintptr_t)heap,
	        .heap_size = (size_t)size,
	        .target = "arm64",
	};
	platform_exit(kiln_start(&info));
}
