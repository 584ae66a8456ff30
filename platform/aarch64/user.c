/*
 * user.c - the EL0 side shared by the aarch64 targets: console, exit,
 * abort and guard pages of kiln/platform.h.
 */
#include "hw.h"
#include "kernel.h"
#include "pl011.h"
#include <kiln/platform.h>

void platform_console_write(const char *buf, size_t len)
{
	pl011_write(boot_info.console, buf, len);
}

void platform_exit(int status)
{
	supervisor_call(SYS_EXIT, (uint64_t)status, 0);
	for (;;)
		; /* not reached: the supervisor does not return */
}

void platform_abort(const char *why)
{
	static const char prefix[] = "\nkiln: abort: ";
	size_t n = 0;
	if (!why)
		why = "(no reason given)";
	while (why[n])
		n++;
	platform_console_write(prefix, sizeof(prefix) - 1);
	platform_console_write(why, n);
	platform_console_write("\n", 1);
	platform_exit(255);
}

enum platform_result platform_guard_page(void *page, bool guard)
{
	if ((uintptr_t)page & (PAGE_SIZE - 1))
		return PLATFORM_EINVAL;
	if (supervisor_call(SYS_GUARD, (uint64_t)(uintptr_t)page, guard) != 0)
		return PLATFORM_EINVAL;
	return PLATFORM_OK;
}
