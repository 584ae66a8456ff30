/*
 * rt_libc.h - lib/rt's C library subset, under its own names.
 *
 * Every function here has an rt_ prefix so that the implementation can be
 * compiled and tested on the host beside the host's C library. On
 * freestanding targets std_names.c gives them their standard names
 * (memcpy, snprintf, malloc, ...); on the unix target the host libc stands
 * in and these files are not linked at all.
 *
 * Only the runtime includes this header; everything else uses the standard
 * names.
 */
#ifndef KILN_RT_LIBC_H
#define KILN_RT_LIBC_H

#include <kiln/rt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ start-up */

/* Hand the heap region to malloc and friends. Called once by kiln_start on
 * freestanding targets, before anything allocates. */
void rt_libc_init(void *heap_start, size_t heap_size);

/* Statistics of the global heap (behind malloc). */
void rt_libc_stats(struct kiln_mem_stats *st);

/* -------------------------------------------------------------- string */

void *rt_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *rt_memmove(void *dst, const void *src, size_t n);
void *rt_memset(void *dst, int c, size_t n);
int rt_memcmp(const void *a, const void *b, size_t n);
void *rt_memchr(const void *s, int c, size_t n);
size_t rt_strlen(const char *s);
size_t rt_strnlen(const char *s, size_t max);
int rt_strcmp(const char *a, const char *b);
int rt_strncmp(const char *a, const char *b, size_t n);
int rt_strcasecmp(const char *a, const char *b);
int rt_strncasecmp(const char *a, const char *b, size_t n);
char *rt_strchr(const char *s, int c);
char *rt_strrchr(const char *s, int c);
char *rt_strstr(const char *haystack, const char *needle);
char *rt_strcpy(char *restrict dst, const char *restrict src);
char *rt_strncpy(char *restrict dst, const char *restrict src, size_t n);
char *rt_strcat(char *restrict dst, const char *restrict src);
char *rt_strncat(char *restrict dst, const char *restrict src, size_t n);
size_t rt_strspn(const char *s, const char *accept);
size_t rt_strcspn(const char *s, const char *reject);

/* --------------------------------------------------------------- ctype */

/* The "C" locale only. Arguments are EOF or an unsigned char value. */
int rt_isdigit(int c);
int rt_isxdigit(int c);
int rt_isspace(int c);
int rt_isalpha(int c);
int rt_isalnum(int c);
int rt_isupper(int c);
int rt_islower(int c);
int rt_isprint(int c);
int rt_ispunct(int c);
int rt_iscntrl(int c);
int rt_isgraph(int c);
int rt_tolower(int c);
int rt_toupper(int c);

/* ------------------------------------------------------ number parsing */

/* As the standard ones: leading white space, optional sign, base 0 (C
 * prefixes) or 2..36, ERANGE in errno and the clamped value on overflow,
 * EINVAL for a bad base. */
unsigned long rt_strtoul(const char *restrict s, char **restrict end, int base);
long rt_strtol(const char *restrict s, char **restrict end, int base);
unsigned long long rt_strtoull(const char *restrict s, char **restrict end,
                               int base);
long long rt_strtoll(const char *restrict s, char **restrict end, int base);
int rt_atoi(const char *s);
long rt_atol(const char *s);

/* --------------------------------------------------------------- stdlib */

int rt_abs(int v);
long rt_labs(long v);
long long rt_llabs(long long v);
void rt_qsort(void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *));

/* -------------------------------------------------------------- printf */

/*
 * snprintf with the standard's semantics: writes at most size bytes
 * including the terminating NUL (nothing if size is 0) and returns the
 * length the whole output would have had, or -1 if that exceeds INT_MAX.
 *
 * Conversions: d i u x X o p s c %, flags - + space 0 #, width and
 * precision (also *), length modifiers hh h l ll z j t. There is no
 * floating point: a conversion the formatter does not support (e, f, g,
 * a and their capitals, n, L, wide characters and strings (%lc, %ls),
 * or anything unknown) writes "%!" followed
 * by the rest of the format unformatted, because the types of the
 * remaining arguments can no longer be trusted.
 */
int rt_vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
                 va_list ap);
int rt_snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- heap */

/* The malloc family over the global heap (see heap.h for the allocator).
 * rt_realloc(p, 0) returns a fresh minimal block (never NULL on success). */
void *rt_malloc(size_t size);
void *rt_calloc(size_t n, size_t size);
void *rt_realloc(void *p, size_t size);
void rt_free(void *p);
void *rt_aligned_alloc(size_t align, size_t size);
int rt_posix_memalign(void **out, size_t align, size_t size);

#endif /* KILN_RT_LIBC_H */
