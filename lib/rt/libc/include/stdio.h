/*
 * stdio.h - Kiln's freestanding <stdio.h> (lib/rt/libc): formatting into
 * buffers only. There are no FILE streams; console output goes through
 * kiln_printf (kiln/rt.h). No floating-point conversions.
 */
#ifndef _KILN_STDIO_H
#define _KILN_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
        __attribute__((__format__(__printf__, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
              va_list ap) __attribute__((__format__(__printf__, 3, 0)));

#endif /* _KILN_STDIO_H */
