/*
 * strings.h - Kiln's freestanding <strings.h> (lib/rt/libc): the POSIX
 * case-insensitive comparisons (ASCII letters only, as in the C locale).
 */
#ifndef _KILN_STRINGS_H
#define _KILN_STRINGS_H

#include <stddef.h>

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

#endif
