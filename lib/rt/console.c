/*
 * console.c - formatted console output, logging and panics.
 *
 * Everything is formatted into a buffer first and written with one
 * platform_console_write, so a line is never split between writers.
 */
#include "rt_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lines longer than this are formatted into a heap buffer instead (and
 * cut at this size if the heap is short). */
#define LINE_MAX_STACK 512

int kiln_vprintf(const char *fmt, va_list ap)
{
	char buf[LINE_MAX_STACK];
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0) {
		va_end(again);
		return n;
	}
	if ((size_t)n < sizeof(buf)) {
		platform_console_write(buf, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);
		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, again);
			platform_console_write(big, (size_t)n);
			free(big);
		} else {
			platform_console_write(buf, sizeof(buf) - 1);
		}
	}
	va_end(again);
	return n;
}

int kiln_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kiln_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void kiln_puts(const char *s)
{
	kiln_printf("%s\n", s);
}

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void kiln_log(enum kiln_log_level level, const char *subsystem, const char *fmt,
              ...)
{
	if (!kiln_log_enabled(level))
		return;
	char line[LINE_MAX_STACK];
	kiln_time t = kiln_now();
	unsigned lv = (unsigned)level < 4 ? (unsigned)level : 3;
	int n = snprintf(line, sizeof(line),
	                 "[%4lld.%06lld] %s %s: ", (long long)(t / 1000000000),
	                 (long long)(t % 1000000000 / 1000), level_names[lv],
	                 subsystem);
	if (n < 0)
		return;
	size_t used = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;

	va_list ap;
	va_start(ap, fmt);
	n = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
	va_end(ap);
	if (n > 0)
		used += (size_t)n < sizeof(line) - used
		                ? (size_t)n
		                : sizeof(line) - used - 1;
	/* A cut line still ends with a newline. */
	if (used > sizeof(line) - 2)
		used = sizeof(line) - 2;
	line[used++] = '\n';
	platform_console_write(line, used);
}

_Noreturn void kiln_panic_at(const char *file, int line, const char *fmt, ...)
{
	static bool panicking;
	if (panicking)
		platform_abort("panic while panicking");
	panicking = true;

	char msg[LINE_MAX_STACK];
	int n = snprintf(msg, sizeof(msg), "panic: %s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	rt_fibers_unguard_all();
	platform_abort(msg);
}
