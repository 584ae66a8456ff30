/*
 * stdlib.h - Kiln's freestanding <stdlib.h> (lib/rt/libc): memory,
 * number parsing, abs and qsort. No environment, no exit (use kiln_exit).
 */
#ifndef _KILN_STDLIB_H
#define _KILN_STDLIB_H

#include <stddef.h>

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
void *aligned_alloc(size_t align, size_t size);
int posix_memalign(void **out, size_t align, size_t size);

unsigned long strtoul(const char *restrict s, char **restrict end, int base);
long strtol(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end,
                            int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
int atoi(const char *s);
long atol(const char *s);

int abs(int v);
long labs(long v);
long long llabs(long long v);
void qsort(void *base, size_t n, size_t size,
           int (*cmp)(const void *, const void *));

#endif /* _KILN_STDLIB_H */
