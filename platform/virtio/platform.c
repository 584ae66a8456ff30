/*
 * platform.c - console, exit, abort and guard pages of kiln/platform.h.
 */
#include "kernel.h"
#include "serial.h"
#include <kiln/platform.h>

void platform_console_write(const char *buf, size_t len)
{
	serial_write(buf, len);
}

void platform_exit(int status)
{
	hw_exit(status);
}

void platform_abort(const char *why)
{
	serial_puts("\nkiln: abort: ");
	serial_puts(why ? why : "(no reason given)");
	serial_puts("\n");
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
