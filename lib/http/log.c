/*
 * lib/http/log.c - the buffered access log (see log.h).
 *
 * The response lines are put together by hand rather than by snprintf:
 * at 100,000 requests a second the formatting itself was a few percent
 * of the server's time.
 */
#include "log.h"

#include <kiln/rt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* About a thousand lines (a line is about 60 bytes): at 100,000
 * requests a second, a write every 10 ms. */
#define LOG_BUF 65536
/* How long a line may wait to be written. */
#define LOG_DELAY KILN_MSEC(100)
/* A line is cut to this. */
#define LINE_MAX 512

static char buf[LOG_BUF];
static size_t used;
static bool hooked;
static struct kiln_timer timer;

static void flush_at_exit(void *arg)
{
	(void)arg;
	http_log_flush();
}

static void on_timer(struct kiln_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	http_log_flush();
}

void http_log_flush(void)
{
	kiln_timer_cancel(&timer);
	if (used) {
		platform_console_write(buf, used);
		used = 0;
	}
}

/* A line of at most LINE_MAX bytes starts at the returned place. */
static char *line_start(void)
{
	if (!hooked) {
		hooked = true;
		kiln_timer_init(&timer, on_timer, NULL);
		kiln_at_exit(flush_at_exit, NULL);
	}
	if (LOG_BUF - used < LINE_MAX)
		http_log_flush();
	if (used == 0)
		kiln_timer_arm(&timer, kiln_now() + LOG_DELAY);
	return buf + used;
}

/* ------------------------------------------------- building a line */

struct out {
	char *p, *end; /* end leaves room for the newline */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n > (size_t)(o->end - o->p))
		n = (size_t)(o->end - o->p);
	memcpy(o->p, s, n);
	o->p += n;
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* v in decimal, at least width digits (zero-padded, or space-padded
 * when spaces). */
static void put_uint(struct out *o, uint64_t v, int width, bool spaces)
{
	char d[24];
	int n = 0;
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		d[n++] = spaces ? ' ' : '0';
	char r[24];
	for (int i = 0; i < n; i++)
		r[i] = d[n - 1 - i];
	put(o, r, (size_t)n);
}

/* "[   1.234567] info http: ", as kiln_log starts its lines. */
static void put_prefix(struct out *o)
{
	kiln_time t = kiln_now();
	put(o, "[", 1);
	put_uint(o, (uint64_t)(t / 1000000000), 4, true);
	put(o, ".", 1);
	put_uint(o, (uint64_t)(t % 1000000000 / 1000), 6, false);
	put_str(o, "] info http: ");
}

static void line_end(struct out *o, char *line)
{
	*o->p++ = '\n';
	used += (size_t)(o->p - line);
}

void http_log_response(const char *method, const char *path, unsigned status,
                       size_t body, kiln_time took)
{
	char *line = line_start();
	struct out o = {line, line + LINE_MAX - 1};
	kiln_time us = took / 1000;
	put_prefix(&o);
	put_str(&o, method[0] ? method : "-");
	put(&o, " ", 1);
	put_str(&o, path[0] ? path : "-");
	put(&o, " ", 1);
	put_uint(&o, status, 0, false);
	put(&o, " ", 1);
	put_uint(&o, body, 0, false);
	put(&o, " ", 1);
	put_uint(&o, (uint64_t)(us / 1000), 0, false);
	put(&o, ".", 1);
	put_uint(&o, (uint64_t)(us % 1000), 3, false);
	put_str(&o, "ms");
	line_end(&o, line);
}

void http_log_access(const char *fmt, ...)
{
	char *line = line_start();
	struct out o = {line, line + LINE_MAX - 1};
	put_prefix(&o);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(o.p, (size_t)(o.end - o.p) + 1, fmt, ap);
	va_end(ap);
	if (m > 0)
		o.p += (size_t)m < (size_t)(o.end - o.p)
		               ? (size_t)m
		               : (size_t)(o.end - o.p);
	line_end(&o, line);
}
