/*
 * lib/http/log.h - the access log, buffered (internal to lib/http).
 *
 * A line per response costs a console write, which on hvt is an exit to
 * the monitor: at every request it cut the small page's rate eightfold.
 * Lines are formatted as kiln_log's (time of the response, "info http:")
 * into one buffer, written in one piece before the loop sleeps (or when
 * the buffer is full, or at exit).
 */
#ifndef KILN_HTTP_LOG_H
#define KILN_HTTP_LOG_H

void http_log_access(const char *fmt, ...)
        __attribute__((format(printf, 1, 2)));
/* Write out what is buffered. */
void http_log_flush(void);

#endif
