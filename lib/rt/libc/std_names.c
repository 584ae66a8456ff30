/*
 * std_names.c - the standard names of lib/rt's C library subset, for
 * freestanding targets only (there the compiler may also emit calls to
 * memcpy, memset, memmove and memcmp on its own, so they must exist as
 * real functions). Each one hands over to its rt_ implementation.
 */
#define KILN_LIBC_NO_BUILTINS /* real functions here, not the macros */
#include "rt_libc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------- string.h */

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	return rt_memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
	return rt_memmove(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
	return rt_memset(dst, c, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
	return rt_memcmp(a, b, n);
}

void *memchr(const void *s, int c, size_t n)
{
	return rt_memchr(s, c, n);
}

size_t strlen(const char *s)
{
	return rt_strlen(s);
}

size_t strnlen(const char *s, size_t max)
{
	return rt_strnlen(s, max);
}

int strcmp(const char *a, const char *b)
{
	return rt_strcmp(a, b);
}

int strncmp(const char *a, const char *b, size_t n)
{
	return rt_strncmp(a, b, n);
}

int strcasecmp(const char *a, const char *b)
{
	return rt_strcasecmp(a, b);
}

int strncasecmp(const char *a, const char *b, size_t n)
{
	return rt_strncasecmp(a, b, n);
}

char *strchr(const char *s, int c)
{
	return rt_strchr(s, c);
}

char *strrchr(const char *s, int c)
{
	return rt_strrchr(s, c);
}

char *strstr(const char *haystack, const char *needle)
{
	return rt_strstr(haystack, needle);
}

char *strcpy(char *restrict dst, const char *restrict src)
{
	return rt_strcpy(dst, src);
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
	return rt_strncpy(dst, src, n);
}

char *strcat(char *restrict dst, const char *restrict src)
{
	return rt_strcat(dst, src);
}

char *strncat(char *restrict dst, const char *restrict src, size_t n)
{
	return rt_strncat(dst, src, n);
}

size_t strspn(const char *s, const char *accept)
{
	return rt_strspn(s, accept);
}

size_t strcspn(const char *s, const char *reject)
{
	return rt_strcspn(s, reject);
}

/* ----------------------------------------------------------- ctype.h */

int isalnum(int c)
{
	return rt_isalnum(c);
}

int isalpha(int c)
{
	return rt_isalpha(c);
}

int iscntrl(int c)
{
	return rt_iscntrl(c);
}

int isdigit(int c)
{
	return rt_isdigit(c);
}

int isgraph(int c)
{
	return rt_isgraph(c);
}

int islower(int c)
{
	return rt_islower(c);
}

int isprint(int c)
{
	return rt_isprint(c);
}

int ispunct(int c)
{
	return rt_ispunct(c);
}

int isspace(int c)
{
	return rt_isspace(c);
}

int isupper(int c)
{
	return rt_isupper(c);
}

int isxdigit(int c)
{
	return rt_isxdigit(c);
}

int tolower(int c)
{
	return rt_tolower(c);
}

int toupper(int c)
{
	return rt_toupper(c);
}

/* ---------------------------------------------------------- stdlib.h */

void *malloc(size_t size)
{
	return rt_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return rt_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	return rt_realloc(p, size);
}

void free(void *p)
{
	rt_free(p);
}

void *aligned_alloc(size_t align, size_t size)
{
	return rt_aligned_alloc(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	return rt_posix_memalign(out, align, size);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	return rt_strtoul(s, end, base);
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	return rt_strtol(s, end, base);
}

unsigned long long strtoull(const char *restrict s, char **restrict end,
                            int base)
{
	return rt_strtoull(s, end, base);
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	return rt_strtoll(s, end, base);
}

int atoi(const char *s)
{
	return rt_atoi(s);
}

long atol(const char *s)
{
	return rt_atol(s);
}

int abs(int v)
{
	return rt_abs(v);
}

long labs(long v)
{
	return rt_labs(v);
}

long long llabs(long long v)
{
	return rt_llabs(v);
}

void qsort(void *base, size_t n, size_t size,
           int (*cmp)(const void *, const void *))
{
	rt_qsort(base, n, size, cmp);
}

/* ----------------------------------------------------------- stdio.h */

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
              va_list ap)
{
	return rt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
