/*
 * lib/http/log.h - the access log, buffered (internal to lib/http).
 *
 * A line per response costs a console write, which on hvt is an exit to
 * the monitor: at every request it cut the small page's rate eightfold,
 * and even one write per loop turn doubled the exits of a busy server.
 * So lines are formatted as kiln_log's (time of the response, "info
 * http:") into one buffer, written in one piece when it is nearly full or
 * LOG_DELAY after its first line (and at exit): a line appears at most
 * that late, and a busy server writes its log a few dozen times a second.
 */
#ifndef KILN_HTTP_LOG_H
#define KILN_HTTP_LOG_H

#include <kiln/rt.h>
#include <stddef.h>

/* "METHOD PATH STATUS BODY-BYTES TOOK.mmmms" ("-" for an empty method or
 * path); took in nanoseconds. */
void http_log_response(const char *method, const char *path, unsigned status,
                       size_t body, kiln_time took);
/* Any other line. */
void http_log_access(const char *fmt, ...)
        __attribute__((format(printf, 1, 2)));
/* Write out what is buffered. */
void http_log_flush(void);

#endif
