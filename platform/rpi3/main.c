/*
 * main.c - the EL0 side of boot on rpi3: command line, clock, then the
 * runtime's kiln_start(). The SD card is set up when the application
 * acquires it (sdhci.c).
 */
#include "clock.h"
#include "cmdline.h"
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
	/* Words before "--" are the loader's (a real Pi's firmware adds its
	 * own to cmdline.txt's): not the application's. */
	if (cmdline_parse(boot_info.cmdline, &cmdline, boot_args,
	                  sizeof(boot_args), err, sizeof(err)) != 0) {
		say("kiln: rpi3: bad command line: ");
		say(err);
		say("\n");
		platform_exit(2);
	}
	clock_init();
	struct platform_start_info info = {
	        .cmdline = boot_args,
	        .heap_start = (void *)(uintptr_t)boot_info.heap_start,
	        .heap_size = (size_t)boot_info.heap_size,
	        .target = "rpi3",
	};
	platform_exit(kiln_start(&info));
}
