/*
 * lib/http/log.c - the buffered access log (see log.h).
 */
#include "log.h"

#include <kiln/rt.h>
#include <stdarg.h>
#include <stdio.h>

/* Room for a loop turn's lines at any rate measured (a line is about 60
 * bytes); a fuller buffer is written at once. */
#define LOG_BUF 16384
/* A line is cut to this. */
#define LINE_MAX 512

static char buf[LOG_BUF];
static size_t used;
static bool hooked;
static struct kiln_hook before_yield;

static void flush_hook(void *arg)
{
	(void)arg;
	http_log_flush();
}

void http_log_flush(void)
{
	if (used) {
		platform_console_write(buf, used);
		used = 0;
	}
}

void http_log_access(const char *fmt, ...)
{
	if (!hooked) {
		hooked = true;
		kiln_before_yield(&before_yield, flush_hook, NULL);
		kiln_at_exit(flush_hook, NULL);
	}
	if (LOG_BUF - used < LINE_MAX)
		http_log_flush();
	char *line = buf + used;
	kiln_time t = kiln_now();
	int n = snprintf(line, LINE_MAX, "[%4lld.%06lld] info http: ",
	                 (long long)(t / 1000000000),
	                 (long long)(t % 1000000000 / 1000));
	if (n < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, LINE_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m > 0 ? (size_t)m : 0);
	/* A cut line still ends with a newline. */
	if (len > LINE_MAX - 1)
		len = LINE_MAX - 1;
	line[len++] = '\n';
	used += len;
}
