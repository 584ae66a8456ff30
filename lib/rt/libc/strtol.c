/*
 * strtol.c - strtoul, strtol and their long long and ato* relatives.
 * One scanner does the work: it parses the magnitude with an overflow
 * check against the largest magnitude the caller's type can hold, and the
 * wrappers apply the sign and clamp.
 */
#include "rt_libc.h"
#include <errno.h>
#include <limits.h>
#include <stdbool.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * Parse [space][sign][prefix]digits. The magnitude saturates: *over is set
 * when it exceeds max (the value returned is then meaningless). *end gets
 * the first byte not used, or s itself when there were no digits.
 */
static unsigned long long scan(const char *s, char **end, int base,
                               unsigned long long max_pos,
                               unsigned long long max_neg, bool *neg,
                               bool *over)
{
	const char *p = s;
	unsigned long long v = 0, max;
	bool any = false;

	*neg = false;
	*over = false;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		if (end)
			*end = (char *)s;
		return 0;
	}
	while (rt_isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	max = *neg ? max_neg : max_pos;
	/* "0x" counts as a prefix only when a hex digit follows; otherwise
	 * the number is the "0" alone. */
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (;; p++) {
		unsigned d = (unsigned)digit_value(*p);
		if (d >= (unsigned)base)
			break;
		any = true;
		if (v > (max - d) / (unsigned)base)
			*over = true;
		else
			v = v * (unsigned)base + d;
	}
	if (end)
		*end = (char *)(any ? p : s);
	return v;
}

unsigned long long rt_strtoull(const char *restrict s, char **restrict end,
                               int base)
{
	bool neg, over;
	unsigned long long v =
	        scan(s, end, base, ULLONG_MAX, ULLONG_MAX, &neg, &over);

	if (over) {
		errno = ERANGE;
		return ULLONG_MAX;
	}
	return neg ? -v : v;
}

long long rt_strtoll(const char *restrict s, char **restrict end, int base)
{
	bool neg, over;
	unsigned long long v =
	        scan(s, end, base, LLONG_MAX, (unsigned long long)LLONG_MAX + 1,
	             &neg, &over);

	if (over) {
		errno = ERANGE;
		return neg ? LLONG_MIN : LLONG_MAX;
	}
	if (neg)
		return v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN
		                                              : -(long long)v;
	return (long long)v;
}

unsigned long rt_strtoul(const char *restrict s, char **restrict end, int base)
{
	bool neg, over;
	unsigned long v = (unsigned long)scan(s, end, base, ULONG_MAX,
	                                      ULONG_MAX, &neg, &over);

	if (over) {
		errno = ERANGE;
		return ULONG_MAX;
	}
	return neg ? -v : v;
}

long rt_strtol(const char *restrict s, char **restrict end, int base)
{
	bool neg, over;
	unsigned long v =
	        (unsigned long)scan(s, end, base, LONG_MAX,
	                            (unsigned long)LONG_MAX + 1, &neg, &over);

	if (over) {
		errno = ERANGE;
		return neg ? LONG_MIN : LONG_MAX;
	}
	if (neg)
		return v == (unsigned long)LONG_MAX + 1 ? LONG_MIN : -(long)v;
	return (long)v;
}

/* Like the standard's: no error reporting; out-of-range values are
 * clamped (the standard leaves them undefined). */
int rt_atoi(const char *s)
{
	long v = rt_strtol(s, NULL, 10);

	if (v > INT_MAX)
		return INT_MAX;
	if (v < INT_MIN)
		return INT_MIN;
	return (int)v;
}

long rt_atol(const char *s)
{
	return rt_strtol(s, NULL, 10);
}
