/*
 * console.c - the unix target's console (stderr), clocks, guard pages and
 * exits.
 */
#include "unix.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNIX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNIX_ASAN 1
#endif
#endif
#ifdef UNIX_ASAN
void __sanitizer_print_stack_trace(void);
#endif

static struct timespec clock_origin;

void unix_clock_init(void)
{
	clock_gettime(CLOCK_MONOTONIC, &clock_origin);
}

/* Unbuffered: what was written is out even if the process dies next. */
void platform_console_write(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(2, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void unix_say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	platform_console_write(line, (size_t)n);
}

platform_time platform_clock_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (platform_time)(ts.tv_sec - clock_origin.tv_sec) * 1000000000 +
	       (ts.tv_nsec - clock_origin.tv_nsec);
}

platform_time platform_clock_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (platform_time)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

enum platform_result platform_guard_page(void *page, bool guard)
{
	if ((uintptr_t)page % 4096 != 0)
		return PLATFORM_EINVAL;
	if (mprotect(page, 4096, guard ? PROT_NONE : PROT_READ | PROT_WRITE))
		return PLATFORM_EUNSPEC;
	return PLATFORM_OK;
}

_Noreturn void platform_exit(int status)
{
	unix_devices_report();
	exit(status & 0xff);
}

/* Exit 255 rather than raise SIGABRT, so sanitizer reports stay clean. */
_Noreturn void platform_abort(const char *why)
{
	unix_say("kiln: abort: %s", why);
#ifdef UNIX_ASAN
	__sanitizer_print_stack_trace();
#endif
	exit(255);
}
