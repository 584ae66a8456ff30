/*
 * string.c - memory and string functions: mem* move whole machine words
 * (unaligned ones only where x86 and aarch64 handle them), str* go byte by
 * byte (a word read could run past the end of a string into memory that
 * does not belong to it).
 */
#include "rt_libc.h"

/*
 * The compiler may turn a copy or fill loop into a call to memcpy or
 * memset. Here those calls would come straight back to these functions,
 * so that optimisation is switched off for this file. (clang does not do
 * it when compiling freestanding, which implies -fno-builtin.)
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

/* Words that may alias anything; the second kind may also be unaligned. */
typedef uintptr_t __attribute__((__may_alias__)) rt_word;
typedef uintptr_t __attribute__((__may_alias__, __aligned__(1))) rt_uword;

#define WORD sizeof(uintptr_t)

static int aligned(const void *p)
{
	return ((uintptr_t)p & (WORD - 1)) == 0;
}

void *rt_memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	size_t head;

	if (n < WORD) {
		while (n-- > 0)
			*d++ = *s++;
		return dst;
	}
	/*
	 * The first and the last word are copied unaligned (x86 and aarch64
	 * do that fine); in between, whole words to aligned destinations.
	 * The three parts may overlap each other, which only writes the same
	 * bytes twice: source and destination themselves never overlap.
	 */
	*(rt_uword *)d = *(const rt_uword *)s;
	head = WORD - ((uintptr_t)d & (WORD - 1));
	d += head;
	s += head;
	n -= head;
	for (; n >= 4 * WORD; n -= 4 * WORD, d += 4 * WORD, s += 4 * WORD) {
		((rt_word *)d)[0] = ((const rt_uword *)s)[0];
		((rt_word *)d)[1] = ((const rt_uword *)s)[1];
		((rt_word *)d)[2] = ((const rt_uword *)s)[2];
		((rt_word *)d)[3] = ((const rt_uword *)s)[3];
	}
	for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
		*(rt_word *)d = *(const rt_uword *)s;
	if (n > 0)
		*(rt_uword *)(d + n - WORD) = *(const rt_uword *)(s + n - WORD);
	return dst;
}

void *rt_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s) {
		/* Copying forwards never overwrites a source byte before it
		 * is read: each word is read before the write just below it. */
		while (n > 0 && !aligned(d)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(rt_word *)d = *(const rt_uword *)s;
		while (n-- > 0)
			*d++ = *s++;
	} else {
		/* The destination lies above: copy backwards. */
		d += n;
		s += n;
		while (n > 0 && !aligned(d)) {
			*--d = *--s;
			n--;
		}
		for (; n >= WORD; n -= WORD) {
			d -= WORD;
			s -= WORD;
			*(rt_word *)d = *(const rt_uword *)s;
		}
		while (n-- > 0)
			*--d = *--s;
	}
	return dst;
}

void *rt_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uintptr_t w = (unsigned char)c;
	size_t head;

	if (n < WORD) {
		while (n-- > 0)
			*d++ = (unsigned char)c;
		return dst;
	}
	/* As rt_memcpy: unaligned first and last words, aligned between. */
	w *= (uintptr_t)-1 / 0xff; /* the byte in every lane */
	*(rt_uword *)d = w;
	head = WORD - ((uintptr_t)d & (WORD - 1));
	d += head;
	n -= head;
	for (; n >= 4 * WORD; n -= 4 * WORD, d += 4 * WORD) {
		((rt_word *)d)[0] = w;
		((rt_word *)d)[1] = w;
		((rt_word *)d)[2] = w;
		((rt_word *)d)[3] = w;
	}
	for (; n >= WORD; n -= WORD, d += WORD)
		*(rt_word *)d = w;
	if (n > 0)
		*(rt_uword *)(d + n - WORD) = w;
	return dst;
}

int rt_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	/* Skip equal words quickly; the bytes decide the sign. */
	if (aligned(x) && aligned(y)) {
		while (n >= WORD &&
		       *(const rt_word *)x == *(const rt_word *)y) {
			x += WORD;
			y += WORD;
			n -= WORD;
		}
	}
	for (; n > 0; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}

void *rt_memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n > 0; n--, p++) {
		if (*p == (unsigned char)c)
			return (void *)p;
	}
	return NULL;
}

size_t rt_strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t rt_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int rt_strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return (*x > *y) - (*x < *y);
}

int rt_strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n > 0; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
		if (*x == 0)
			break;
	}
	return 0;
}

/* Case folding of the C locale: only A-Z. */
static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

int rt_strncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n > 0; n--, x++, y++) {
		unsigned char p = fold(*x), q = fold(*y);
		if (p != q)
			return p < q ? -1 : 1;
		if (p == 0)
			break;
	}
	return 0;
}

int rt_strcasecmp(const char *a, const char *b)
{
	return rt_strncasecmp(a, b, (size_t)-1);
}

char *rt_strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == 0)
			return NULL;
	}
}

char *rt_strrchr(const char *s, int c)
{
	const char *found = NULL;

	for (;; s++) {
		if (*s == (char)c)
			found = s;
		if (*s == 0)
			return (char *)found;
	}
}

/* A plain quadratic search: the strings searched here are short (headers,
 * arguments). */
char *rt_strstr(const char *haystack, const char *needle)
{
	size_t n = rt_strlen(needle);

	if (n == 0)
		return (char *)haystack;
	for (; *haystack; haystack++) {
		if (*haystack == *needle &&
		    rt_strncmp(haystack, needle, n) == 0)
			return (char *)haystack;
	}
	return NULL;
}

char *rt_strcpy(char *restrict dst, const char *restrict src)
{
	char *d = dst;

	while ((*d++ = *src++) != 0)
		;
	return dst;
}

/* Copies at most n bytes and pads with NULs to n; the result is not
 * terminated when src has n bytes or more (the standard's definition). */
char *rt_strncpy(char *restrict dst, const char *restrict src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = 0;
	return dst;
}

char *rt_strcat(char *restrict dst, const char *restrict src)
{
	rt_strcpy(dst + rt_strlen(dst), src);
	return dst;
}

char *rt_strncat(char *restrict dst, const char *restrict src, size_t n)
{
	char *d = dst + rt_strlen(dst);

	for (; n > 0 && *src; n--)
		*d++ = *src++;
	*d = 0;
	return dst;
}

size_t rt_strspn(const char *s, const char *accept)
{
	size_t n = 0;

	while (s[n] && rt_strchr(accept, s[n]))
		n++;
	return n;
}

size_t rt_strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] && !rt_strchr(reject, s[n]))
		n++;
	return n;
}
