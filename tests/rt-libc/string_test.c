/*
 * string_test.c - lib/rt/libc's string, ctype, strto* and qsort against
 * the host's C library: every length 0..300 at every alignment for the
 * mem* functions, overlapping moves, random strings for the str*
 * functions, a table plus random inputs for the number parsers.
 */
#include "../../lib/rt/libc/rt_libc.h"
#include "testlib.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>

#define MAXLEN 300
#define BUF (MAXLEN + 64)

static void fill_random(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rng();
}

static void test_memcpy(void)
{
	static unsigned char src[BUF], a[BUF], b[BUF];
	unsigned bad = 0, cases = 0;
	char first[200];

	for (size_t len = 0; len <= MAXLEN; len++) {
		for (size_t so = 0; so < 16; so++) {
			for (size_t doff = 0; doff < 16; doff++) {
				fill_random(src, BUF);
				fill_random(a, BUF);
				memcpy(b, a, BUF);
				void *r = rt_memcpy(a + doff, src + so, len);
				memcpy(b + doff, src + so, len);
				cases++;
				if (r != a + doff || memcmp(a, b, BUF) != 0)
					NOTE(bad, first,
					     "len %zu src+%zu dst+%zu", len, so,
					     doff);
			}
		}
	}
	report("string/memcpy", bad, cases, first);
}

static void test_memmove(void)
{
	static unsigned char a[2 * BUF], b[2 * BUF];
	unsigned bad = 0, cases = 0;
	char first[200];

	for (size_t len = 0; len <= MAXLEN; len++) {
		for (int delta = -40; delta <= 40; delta++) {
			size_t so = 48 + rng_below(16);
			size_t doff = (size_t)((long)so + delta);
			fill_random(a, sizeof(a));
			memcpy(b, a, sizeof(a));
			void *r = rt_memmove(a + doff, a + so, len);
			memmove(b + doff, b + so, len);
			cases++;
			if (r != a + doff || memcmp(a, b, sizeof(a)) != 0)
				NOTE(bad, first, "len %zu src+%zu dst+%zu", len,
				     so, doff);
		}
		/* Far apart, both directions. */
		for (int dir = 0; dir < 2; dir++) {
			size_t so = dir ? 7 : BUF + 3, doff = dir ? BUF + 1 : 2;
			fill_random(a, sizeof(a));
			memcpy(b, a, sizeof(a));
			rt_memmove(a + doff, a + so, len);
			memmove(b + doff, b + so, len);
			cases++;
			if (memcmp(a, b, sizeof(a)) != 0)
				NOTE(bad, first, "far len %zu", len);
		}
	}
	report("string/memmove", bad, cases, first);
}

static void test_memset(void)
{
	static unsigned char a[BUF], b[BUF];
	static const int values[] = {0, 1, 0x7f, 0x80, 0xff, 0x1a5, -1, -200};
	unsigned bad = 0, cases = 0;
	char first[200];

	for (size_t len = 0; len <= MAXLEN; len++) {
		for (size_t off = 0; off < 16; off++) {
			for (size_t v = 0; v < 8; v++) {
				fill_random(a, BUF);
				memcpy(b, a, BUF);
				void *r = rt_memset(a + off, values[v], len);
				memset(b + off, values[v], len);
				cases++;
				if (r != a + off || memcmp(a, b, BUF) != 0)
					NOTE(bad, first, "len %zu +%zu c %d",
					     len, off, values[v]);
			}
		}
	}
	report("string/memset", bad, cases, first);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_memcmp_memchr(void)
{
	static unsigned char a[BUF], b[BUF];
	unsigned bad = 0, cases = 0;
	char first[200];

	for (size_t len = 0; len <= MAXLEN; len++) {
		for (size_t ao = 0; ao < 16; ao++) {
			size_t bo = rng_below(16);
			fill_random(a, BUF);
			memcpy(b + bo, a + ao, len);
			/* Equal, or differing at one random place. */
			if (len > 0 && rng_below(4) != 0)
				b[bo + rng_below((unsigned)len)] =
				        (unsigned char)rng();
			cases++;
			if (sign(rt_memcmp(a + ao, b + bo, len)) !=
			    sign(memcmp(a + ao, b + bo, len)))
				NOTE(bad, first, "memcmp len %zu +%zu +%zu",
				     len, ao, bo);
			int c = rng_below(3) ? a[ao + rng_below(len + 1)]
			                     : (int)rng_below(256) - 256;
			cases++;
			if (rt_memchr(a + ao, c, len) != memchr(a + ao, c, len))
				NOTE(bad, first, "memchr len %zu c %d", len, c);
		}
	}
	report("string/memcmp-memchr", bad, cases, first);
}

/* A random string over a small alphabet (so that searches hit), with
 * bytes above 0x7f to catch signed comparisons. */
static void random_string(char *s, size_t max)
{
	static const char alphabet[] = "aabAB\xff\x80 c";
	size_t n = rng_below((unsigned)max);

	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[rng_below(sizeof(alphabet) - 1)];
	s[n] = 0;
}

static void test_str(void)
{
	char a[64], b[64], x[160], y[160];
	unsigned bad = 0, cases = 0;
	char first[200];

	for (int i = 0; i < 20000; i++) {
		random_string(a, 40);
		random_string(b, rng_below(2) ? 40 : 4);
		if (rng_below(3) == 0)
			strcpy(b, a); /* equal strings too */
		size_t n = rng_below(45);
		int c = (unsigned char)"ab\xff c\0z"[rng_below(7)];
		if (rng_below(8) == 0)
			c += 256; /* only the low byte counts */
		cases += 15;
		if (rt_strlen(a) != strlen(a))
			NOTE(bad, first, "strlen \"%s\"", a);
		if (rt_strnlen(a, n) != strnlen(a, n))
			NOTE(bad, first, "strnlen \"%s\" %zu", a, n);
		if (sign(rt_strcmp(a, b)) != sign(strcmp(a, b)))
			NOTE(bad, first, "strcmp \"%s\" \"%s\"", a, b);
		if (sign(rt_strncmp(a, b, n)) != sign(strncmp(a, b, n)))
			NOTE(bad, first, "strncmp \"%s\" \"%s\" %zu", a, b, n);
		if (sign(rt_strcasecmp(a, b)) != sign(strcasecmp(a, b)))
			NOTE(bad, first, "strcasecmp \"%s\" \"%s\"", a, b);
		if (sign(rt_strncasecmp(a, b, n)) != sign(strncasecmp(a, b, n)))
			NOTE(bad, first, "strncasecmp \"%s\" \"%s\" %zu", a, b,
			     n);
		if (rt_strchr(a, c) != strchr(a, c))
			NOTE(bad, first, "strchr \"%s\" %d", a, c);
		if (rt_strrchr(a, c) != strrchr(a, c))
			NOTE(bad, first, "strrchr \"%s\" %d", a, c);
		if (rt_strstr(a, b) != strstr(a, b))
			NOTE(bad, first, "strstr \"%s\" \"%s\"", a, b);
		if (rt_strspn(a, b) != strspn(a, b))
			NOTE(bad, first, "strspn \"%s\" \"%s\"", a, b);
		if (rt_strcspn(a, b) != strcspn(a, b))
			NOTE(bad, first, "strcspn \"%s\" \"%s\"", a, b);

		memset(x, 0x5a, sizeof(x));
		memset(y, 0x5a, sizeof(y));
		if (rt_strncpy(x, a, n) != x ||
		    (strncpy(y, a, n), memcmp(x, y, sizeof(x)) != 0))
			NOTE(bad, first, "strncpy \"%s\" %zu", a, n);
		if (rt_strcpy(x, a) != x ||
		    (strcpy(y, a), memcmp(x, y, sizeof(x)) != 0))
			NOTE(bad, first, "strcpy \"%s\"", a);
		if (rt_strcat(x, b) != x ||
		    (strcat(y, b), memcmp(x, y, sizeof(x)) != 0))
			NOTE(bad, first, "strcat \"%s\" \"%s\"", a, b);
		if (rt_strncat(x, a, n) != x ||
		    (strncat(y, a, n), memcmp(x, y, sizeof(x)) != 0))
			NOTE(bad, first, "strncat \"%s\" %zu", a, n);
	}
	report("string/str", bad, cases, first);
}

static void test_ctype(void)
{
	unsigned bad = 0, cases = 0;
	char first[200];

	for (int c = -1; c < 256; c++) {
#define SAME(fn)                                                               \
	do {                                                                   \
		cases++;                                                       \
		if (!rt_##fn(c) != !fn(c))                                     \
			NOTE(bad, first, #fn "(%d)", c);                       \
	} while (0)
		SAME(isdigit);
		SAME(isxdigit);
		SAME(isspace);
		SAME(isalpha);
		SAME(isalnum);
		SAME(isupper);
		SAME(islower);
		SAME(isprint);
		SAME(isgraph);
		SAME(iscntrl);
		SAME(ispunct);
		cases += 2;
		if (rt_tolower(c) != tolower(c) || rt_toupper(c) != toupper(c))
			NOTE(bad, first, "tolower/toupper(%d)", c);
	}
	report("ctype", bad, cases, first);
}

/* One parse with each function, compared on value, end and errno. */
static void compare_strto(const char *s, int base, unsigned *bad,
                          unsigned *cases, char *first, size_t first_size)
{
	char *e1, *e2;
	int err1, err2;

#define STRTO(fn, fmt)                                                         \
	do {                                                                   \
		errno = 0;                                                     \
		__typeof__(fn(s, &e1, base)) v1 = rt_##fn(s, &e1, base);       \
		err1 = errno;                                                  \
		errno = 0;                                                     \
		__typeof__(v1) v2 = fn(s, &e2, base);                          \
		err2 = errno;                                                  \
		(*cases)++;                                                    \
		if (v1 != v2 || e1 != e2 || err1 != err2) {                    \
			if ((*bad)++ == 0)                                     \
				snprintf(first, first_size,                    \
				         #fn "(\"%s\", %d): " fmt              \
				             " end +%td errno %d, host " fmt   \
				             " end +%td errno %d",             \
				         s, base, v1, e1 - s, err1, v2,        \
				         e2 - s, err2);                        \
		}                                                              \
	} while (0)
	STRTO(strtoul, "%lu");
	STRTO(strtol, "%ld");
	STRTO(strtoull, "%llu");
	STRTO(strtoll, "%lld");
}

static void test_strto(void)
{
	static const char *table[] = {"0",
	                              "1",
	                              "-1",
	                              "+1",
	                              "  42",
	                              "\t\n\v\f\r 7",
	                              "- 1",
	                              "+-1",
	                              "",
	                              " ",
	                              "-",
	                              "+",
	                              "0x",
	                              "0X1f",
	                              "0x1F",
	                              "-0x10",
	                              "0xg",
	                              "0x 1",
	                              "08",
	                              "010",
	                              "0777",
	                              "-0777",
	                              "0b101",
	                              "z",
	                              "Z",
	                              "zz",
	                              "123abc",
	                              "12 34",
	                              "9223372036854775807",
	                              "9223372036854775808",
	                              "-9223372036854775808",
	                              "-9223372036854775809",
	                              "18446744073709551615",
	                              "18446744073709551616",
	                              "-18446744073709551615",
	                              "-18446744073709551616",
	                              "99999999999999999999999999",
	                              "-99999999999999999999999999",
	                              "0xffffffffffffffff",
	                              "0x10000000000000000",
	                              "-0x8000000000000000",
	                              "01777777777777777777777",
	                              "02000000000000000000000",
	                              "0000000000000000000000000000000000012",
	                              "4294967295",
	                              "4294967296",
	                              "-2147483648",
	                              "2147483647",
	                              "1e5",
	                              "0.5",
	                              "\xff"
	                              "1",
	                              "3w5e11"};
	static const int bases[] = {0, 2, 8, 10, 16, 36};
	unsigned bad = 0, cases = 0;
	char first[300];

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
			compare_strto(table[i], bases[b], &bad, &cases, first,
			              sizeof(first));
	/* Random strings from an alphabet full of edge cases. */
	for (int i = 0; i < 40000; i++) {
		static const char alphabet[] = " \t+-00001789aAfFxXzZ";
		char s[32];
		size_t n = rng_below(30);
		for (size_t k = 0; k < n; k++)
			s[k] = alphabet[rng_below(sizeof(alphabet) - 1)];
		s[n] = 0;
		int base = rng_below(4) ? bases[rng_below(6)]
		                        : (int)rng_below(35) + 2;
		compare_strto(s, base, &bad, &cases, first, sizeof(first));
	}
	report("strtol", bad, cases, first);

	/* A bad base: EINVAL and nothing parsed. */
	char *e;
	errno = 0;
	unsigned long v = rt_strtoul("12", &e, 1);
	int ok = v == 0 && errno == EINVAL && *e == '1';
	errno = 0;
	v = rt_strtoul("12", &e, 37);
	ok = ok && v == 0 && errno == EINVAL;
	report("strtol/bad-base", !ok, 2, "no EINVAL");

	static const char *atoi_in[] = {"12",  "-7",         " +3x",       "",
	                                "abc", "2147483647", "-2147483648"};
	bad = cases = 0;
	for (size_t i = 0; i < sizeof(atoi_in) / sizeof(atoi_in[0]); i++) {
		cases += 2;
		if (rt_atoi(atoi_in[i]) != atoi(atoi_in[i]) ||
		    rt_atol(atoi_in[i]) != atol(atoi_in[i]))
			NOTE(bad, first, "atoi(\"%s\")", atoi_in[i]);
	}
	cases += 4;
	if (rt_abs(-5) != 5 || rt_abs(INT_MAX) != INT_MAX ||
	    rt_labs(LONG_MIN + 1) != LONG_MAX || rt_llabs(-3) != 3)
		NOTE(bad, first, "abs");
	report("atoi-abs", bad, cases, first);
}

static size_t elem_size;

static int cmp_bytes(const void *a, const void *b)
{
	return memcmp(a, b, elem_size);
}

static void test_qsort(void)
{
	static const size_t sizes[] = {1, 3, 4, 8, 24};
	static unsigned char a[300 * 24], b[300 * 24];
	unsigned bad = 0, cases = 0;
	char first[200];

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		elem_size = sizes[s];
		for (size_t n = 0; n <= 300; n += 1 + n / 8) {
			for (int rep = 0; rep < 4; rep++) {
				size_t bytes = n * elem_size;
				fill_random(a, bytes);
				/* Many duplicates, sorted and reversed runs. */
				if (rep == 1)
					for (size_t i = 0; i < bytes; i++)
						a[i] &= 1;
				if (rep >= 2)
					qsort(a, n, elem_size, cmp_bytes);
				if (rep == 3)
					for (size_t i = 0; i < n / 2; i++) {
						unsigned char t[24];
						memcpy(t, a + i * elem_size,
						       elem_size);
						memcpy(a + i * elem_size,
						       a + (n - 1 -
						            i) * elem_size,
						       elem_size);
						memcpy(a + (n - 1 -
						            i) * elem_size,
						       t, elem_size);
					}
				memcpy(b, a, bytes);
				rt_qsort(a, n, elem_size, cmp_bytes);
				qsort(b, n, elem_size, cmp_bytes);
				cases++;
				if (memcmp(a, b, bytes) != 0)
					NOTE(bad, first,
					     "n %zu size %zu rep %d", n,
					     elem_size, rep);
			}
		}
	}
	report("qsort", bad, cases, first);
}

int main(void)
{
	test_memcpy();
	test_memmove();
	test_memset();
	test_memcmp_memchr();
	test_str();
	test_ctype();
	test_strto();
	test_qsort();
	return total_failures != 0;
}
