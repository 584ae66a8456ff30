/*
 * main.c - the CPL 3 side of boot: clock, command line, devices, then the
 * runtime's kiln_start().
 */
#include "clock.h"
#include "cmdline.h"
#include "devices.h"
#include "kernel.h"
#include "serial.h"
#include "stop.h"
#include <kiln/platform.h>

static char boot_args[BOOT_CMDLINE_MAX];
static struct cmdline cmdline;

void user_main(void)
{
	char err[160];

	/* The supervisor enabled SSE; give the FPU its default state. */
	__asm__ volatile("fninit");

	if (cmdline_parse(boot_info.cmdline, &cmdline, boot_args,
	                  sizeof(boot_args), err, sizeof(err)) != 0) {
		serial_puts("kiln: virtio: bad command line: ");
		serial_puts(err);
		serial_puts("\n");
		hw_exit(2);
	}
	if (cmdline.ignored) {
		serial_puts("kiln: virtio: ignoring ");
		serial_put_dec(cmdline.ignored);
		serial_puts(" unknown platform word(s) before \"--\"\n");
	}
	clock_init();

	uint64_t heap = boot_info.heap_start, size = boot_info.heap_size;
	devices_discover(&cmdline, &heap, &size);
	stop_init();
	if (size < 64 * 1024)
		platform_abort("less than 64 KiB of memory left for the heap");

	struct platform_start_info info = {
	        .cmdline = boot_args,
	        .heap_start = (void *)(uintptr_t)heap,
	        .heap_size = (size_t)size,
	        .target = "virtio",
	};
	platform_exit(kiln_start(&info));
}
