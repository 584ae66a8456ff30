/*
 * printf_test.c - rt_snprintf against the host's snprintf over a table
 * generated here: every integer conversion x length modifier x flag set x
 * width x precision (literal and *) x interesting values, then %c, %s
 * (NULL included), %p and %%, mixed formats, truncation at every buffer
 * size, and the documented behaviour for what is not supported.
 */
#include "../../lib/rt/libc/rt_libc.h"
#include "testlib.h"
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>

static unsigned bad, cases;
static char first[600];

/* Compare one call: the output and the return value. The star arguments
 * (0, 1 or 2 ints) come before the value. */
#define COMPARE(fmt, nstar, s1, s2, T, v)                                      \
	do {                                                                   \
		char mine[512], host[512];                                     \
		int r1, r2;                                                    \
		if ((nstar) == 0) {                                            \
			r1 = rt_snprintf(mine, sizeof(mine), fmt, (T)(v));     \
			r2 = snprintf(host, sizeof(host), fmt, (T)(v));        \
		} else if ((nstar) == 1) {                                     \
			r1 = rt_snprintf(mine, sizeof(mine), fmt, s1, (T)(v)); \
			r2 = snprintf(host, sizeof(host), fmt, s1, (T)(v));    \
		} else {                                                       \
			r1 = rt_snprintf(mine, sizeof(mine), fmt, s1, s2,      \
			                 (T)(v));                              \
			r2 = snprintf(host, sizeof(host), fmt, s1, s2,         \
			              (T)(v));                                 \
		}                                                              \
		cases++;                                                       \
		if (r1 != r2 || strcmp(mine, host) != 0)                       \
			NOTE(bad, first,                                       \
			     "\"%s\" (stars %d %d): \"%s\" (%d), host "        \
			     "\"%s\" (%d)",                                    \
			     fmt, s1, s2, mine, r1, host, r2);                 \
	} while (0)

static const uint64_t values[] = {
        0,
        1,
        7,
        8,
        42,
        0x7f,
        0x80,
        0xff,
        0x100,
        0x7fff,
        0x8000,
        0xffff,
        0x10000,
        (uint64_t)INT_MAX,
        (uint64_t)(int64_t)INT_MIN,
        (uint64_t)UINT_MAX,
        (uint64_t)-1, /* -1 and UINT64_MAX */
        (uint64_t)-42,
        (uint64_t)LLONG_MAX,
        (uint64_t)LLONG_MIN,
        0x0123456789abcdefull,
        1000000000000ull,
};

static const char *const flag_sets[] = {"",   "-",  "+",    " ",  "0",
                                        "#",  "-0", "+ ",   "0#", "-#",
                                        "+0", " 0", "-+ 0#"};
static const char *const widths[] = {"", "1", "6", "23", "*"};
static const char *const precisions[] = {"",   ".",   ".0", ".1",
                                         ".4", ".25", ".*"};
static const int star_values[] = {-9, 0, 12};
static const int prec_star_values[] = {-1, 0, 7};

static void one_integer(const char *fmt, const char *len, char conv, int nstar,
                        int s1, int s2, uint64_t v)
{
	bool is_signed = conv == 'd' || conv == 'i';

	if (!strcmp(len, "") || !strcmp(len, "hh") || !strcmp(len, "h")) {
		if (is_signed)
			COMPARE(fmt, nstar, s1, s2, int, (int)v);
		else
			COMPARE(fmt, nstar, s1, s2, unsigned, (unsigned)v);
	} else if (!strcmp(len, "l")) {
		if (is_signed)
			COMPARE(fmt, nstar, s1, s2, long, (long)v);
		else
			COMPARE(fmt, nstar, s1, s2, unsigned long, v);
	} else if (!strcmp(len, "ll")) {
		if (is_signed)
			COMPARE(fmt, nstar, s1, s2, long long, (long long)v);
		else
			COMPARE(fmt, nstar, s1, s2, unsigned long long, v);
	} else if (!strcmp(len, "z")) {
		if (is_signed)
			COMPARE(fmt, nstar, s1, s2, ptrdiff_t, (ptrdiff_t)v);
		else
			COMPARE(fmt, nstar, s1, s2, size_t, v);
	} else if (!strcmp(len, "j")) {
		if (is_signed)
			COMPARE(fmt, nstar, s1, s2, intmax_t, (intmax_t)v);
		else
			COMPARE(fmt, nstar, s1, s2, uintmax_t, v);
	} else {
		if (is_signed)
			COMPARE(fmt, nstar, s1, s2, ptrdiff_t, (ptrdiff_t)v);
		else
			COMPARE(fmt, nstar, s1, s2, size_t, (size_t)v);
	}
}

static void test_integers(void)
{
	static const char convs[] = "diuxXo";
	static const char *const lengths[] = {"",   "hh", "h", "l",
	                                      "ll", "z",  "j", "t"};
	bad = cases = 0;
	for (size_t c = 0; c < sizeof(convs) - 1; c++)
		for (size_t l = 0; l < 8; l++)
			for (size_t f = 0;
			     f < sizeof(flag_sets) / sizeof(*flag_sets); f++)
				for (size_t w = 0; w < 5; w++)
					for (size_t p = 0; p < 7; p++) {
						char fmt[40];
						bool wstar = widths[w][0] ==
						             '*',
						     pstar = precisions[p][0] &&
						             precisions[p][1] ==
						                     '*';
						snprintf(fmt, sizeof(fmt),
						         "%%%s%s%s%s%c",
						         flag_sets[f],
						         widths[w],
						         precisions[p],
						         lengths[l], convs[c]);
						for (int ws = 0;
						     ws < (wstar ? 3 : 1); ws++)
							for (int ps = 0;
							     ps <
							     (pstar ? 3 : 1);
							     ps++)
								for (size_t v =
								             0;
								     v <
								     sizeof(values) /
								             sizeof(*values);
								     v++) {
									int nstar =
									        wstar +
									        pstar;
									int s1 =
									        wstar ? star_values
									                        [ws]
									              : prec_star_values
									                        [ps];
									int s2 = prec_star_values
									        [ps];
									one_integer(
									        fmt,
									        lengths[l],
									        convs[c],
									        nstar,
									        s1,
									        s2,
									        values[v]);
								}
					}
	report("printf/integers", bad, cases, first);
}

static void test_chars_strings_pointers(void)
{
	static const char *const strings[] = {
	        "",
	        "a",
	        "hello, world",
	        NULL,
	        "tab\there",
	        "a rather long string that goes on for a while, past the "
	        "widths and precisions used here"};
	static const char *const sflags[] = {"", "-"};
	static const char *const pflags[] = {"", "-", "+", " ", "#"};
	static const char *const sprec[] = {"",   ".",  ".0",  ".3",
	                                    ".5", ".6", ".40", ".*"};
	int local;
	void *pointers[] = {NULL, (void *)1, &local, (void *)UINTPTR_MAX,
	                    (void *)0x1000};

	bad = cases = 0;
	for (size_t f = 0; f < 2; f++)
		for (size_t w = 0; w < 5; w++) {
			bool wstar = widths[w][0] == '*';
			for (int ws = 0; ws < (wstar ? 3 : 1); ws++) {
				char fmt[40];
				snprintf(fmt, sizeof(fmt), "%%%s%sc", sflags[f],
				         widths[w]);
				for (int ch = 1; ch < 256; ch += 17)
					COMPARE(fmt, wstar, star_values[ws], 0,
					        int, ch);
				for (size_t p = 0; p < 8; p++) {
					bool pstar = sprec[p][0] &&
					             sprec[p][1] == '*';
					snprintf(fmt, sizeof(fmt), "%%%s%s%ss",
					         sflags[f], widths[w],
					         sprec[p]);
					for (int ps = 0; ps < (pstar ? 3 : 1);
					     ps++)
						for (size_t s = 0; s < 6; s++) {
							int nstar =
							        wstar + pstar;
							int s1 =
							        wstar ? star_values
							                        [ws]
							              : prec_star_values
							                        [ps];
							COMPARE(fmt, nstar, s1,
							        prec_star_values
							                [ps],
							        const char *,
							        strings[s]);
						}
				}
			}
		}
	for (size_t f = 0; f < 5; f++)
		for (size_t w = 0; w < 5; w++) {
			bool wstar = widths[w][0] == '*';
			for (int ws = 0; ws < (wstar ? 3 : 1); ws++)
				for (size_t p = 0; p < 5; p++) {
					char fmt[40];
					snprintf(fmt, sizeof(fmt), "%%%s%s%sp",
					         pflags[f], widths[w],
					         p ? sprec[p] : "");
					for (size_t i = 0; i < 5; i++)
						COMPARE(fmt, wstar,
						        star_values[ws], 0,
						        void *, pointers[i]);
				}
		}
	const char *percent = "100%%"; /* the extra argument is ignored */
	COMPARE(percent, 0, 0, 0, int, 0);
	const char *around = "%%d%d%%";
	COMPARE(around, 0, 0, 0, int, -3);
	report("printf/chars-strings-pointers", bad, cases, first);
}

static void test_mixed(void)
{
	char mine[300], host[300];
	int r1, r2;

	bad = cases = 0;
#define MIXED(...)                                                             \
	do {                                                                   \
		r1 = rt_snprintf(mine, sizeof(mine), __VA_ARGS__);             \
		r2 = snprintf(host, sizeof(host), __VA_ARGS__);                \
		cases++;                                                       \
		if (r1 != r2 || strcmp(mine, host) != 0)                       \
			NOTE(bad, first, "\"%s\" vs host \"%s\"", mine, host); \
	} while (0)
	MIXED("%s:%d: %s", "file.c", 12, "message");
	MIXED("[%5" PRIu64 ".%06" PRIu32 "] %-5s %s:", (uint64_t)12,
	      (uint32_t)345, "warn", "net");
	MIXED("%" PRId64 " %" PRIu64 " %" PRIx64 " %" PRIX64 " %" PRIo64,
	      INT64_MIN, UINT64_MAX, UINT64_MAX, (uint64_t)0xabcdef,
	      UINT64_MAX);
	MIXED("%" PRId8 " %" PRIu16 " %" PRIxPTR " %" PRIdMAX " %" PRIuFAST16
	      " %" PRIdFAST32 " %" PRIxLEAST64,
	      (int8_t)-5, (uint16_t)65535, (uintptr_t)0xdeadbeef,
	      (intmax_t)INTMAX_MIN, (uint_fast16_t)70000, (int_fast32_t)-9,
	      (uint_least64_t)0xfeedULL);
	MIXED("%hhd %hhu %hd %hu %c%c", 300, 300, 70000, 70000, 'o', 'k');
	MIXED("%zu %zd %td %ju %jd", (size_t)SIZE_MAX, (ptrdiff_t)-1,
	      (ptrdiff_t)PTRDIFF_MIN, (uintmax_t)UINTMAX_MAX,
	      (intmax_t)INTMAX_MIN);
	MIXED("%-*.*s|%*d|%-*x|", 12, 3, "abcdef", -8, 5, 6, 255u);
	MIXED("%d.%d.%d.%d:%u", 198, 18, 0, 2, 8080u);
	MIXED("%02x:%02x:%02x:%02x:%02x:%02x", 0x52, 0x54, 0, 0x12, 0xab, 7);
	MIXED("%s", "");
	MIXED("no conversions at all");
	/* Undefined by the standard, but glibc's choice is kept: '0' does
	 * not pad strings or characters. */
	const char *volatile zero_s = "[%05s|%-05c]";
	MIXED(zero_s, "ab", 'c');
	report("printf/mixed", bad, cases, first);
}

/* Truncation: every buffer size, bytes past the size untouched. */
static void test_truncation(void)
{
	static const char *const fmts[] = {"%s=%d (%#x) %-6s|", "%5.3s%%%c",
	                                   "%s"};
	bad = cases = 0;
	for (size_t f = 0; f < 3; f++) {
		for (size_t size = 0; size <= 40; size++) {
			char mine[64], host[64];
			int r1, r2;
			memset(mine, 0x5a, sizeof(mine));
			memset(host, 0x5a, sizeof(host));
			if (f == 0) {
				r1 = rt_snprintf(mine, size, fmts[0], "key",
				                 -123, 255u, "v");
				r2 = snprintf(host, size, fmts[0], "key", -123,
				              255u, "v");
			} else if (f == 1) {
				r1 = rt_snprintf(mine, size, fmts[1], "hello",
				                 '!');
				r2 = snprintf(host, size, fmts[1], "hello",
				              '!');
			} else {
				r1 = rt_snprintf(mine, size, fmts[2],
				                 "0123456789abcdefghijklmnopq");
				r2 = snprintf(host, size, fmts[2],
				              "0123456789abcdefghijklmnopq");
			}
			cases++;
			if (r1 != r2 || memcmp(mine, host, sizeof(mine)) != 0)
				NOTE(bad, first,
				     "format %zu size %zu: %d vs %d", f, size,
				     r1, r2);
		}
	}
	/* size 0 with no buffer at all just counts. */
	cases++;
	if (rt_snprintf(NULL, 0, "%d-%s", 12345, "abc") != 9)
		NOTE(bad, first, "NULL buffer, size 0");
	report("printf/truncation", bad, cases, first);
}

/* What the host cannot be compared with: the documented marker for
 * conversions without support, output beyond INT_MAX, huge widths. */
static void test_unsupported_and_limits(void)
{
	char buf[64];
	int r;

	bad = cases = 0;
#define EXPECT(want_r, want_s, ...)                                            \
	do {                                                                   \
		memset(buf, 0x5a, sizeof(buf));                                \
		r = rt_snprintf(buf, sizeof(buf), __VA_ARGS__);                \
		cases++;                                                       \
		if (r != (want_r) || strcmp(buf, want_s) != 0)                 \
			NOTE(bad, first, "%s: got \"%s\" (%d)", #__VA_ARGS__,  \
			     buf, r);                                          \
	} while (0)
	/* Floating point and %n stop the formatting with a marker. (The
	 * arguments are not read; the format checker would object, so the
	 * formats are not literals here.) */
	const char *volatile f1 = "x=%f y=%d", *volatile f2 = "a%5.2Lfb",
	                     *volatile f3 = "%n%d", *volatile f4 = "50%",
	                     *volatile f5 = "%y";
	EXPECT(10, "x=%!f y=%d", f1, 1.0);
	EXPECT(9, "a%!5.2Lfb", f2, 0);
	EXPECT(5, "%!n%d", f3, 0);
	EXPECT(4, "50%!", f4, 0);
	EXPECT(3, "%!y", f5, 0);
	const char *volatile f6 = "%ls|%s", *volatile f7 = "%d%hhc.";
	EXPECT(7, "%!ls|%s", f6, 0);
	EXPECT(7, "1%!hhc.", f7, 1, 2);
	/* As glibc (whose snprintf ASan's interceptor warns about here). */
	const char *volatile f8 = "[%5%|%-3%]";
	EXPECT(5, "[%|%]", f8, 0);
	/* A width near INT_MAX is counted, not written byte by byte. */
	const char *volatile big = "%2147483646d",
	                     *volatile over = "%2147483647d%d",
	                     *volatile bigprec = "%.2147483647d%d";
	memset(buf, 0x5a, sizeof(buf));
	r = rt_snprintf(buf, sizeof(buf), big, 7);
	cases++;
	if (r != 2147483646 || strspn(buf, " ") != sizeof(buf) - 1)
		NOTE(bad, first, "huge width: %d", r);
	EXPECT(-1,
	       "                                                      "
	       "         ",
	       over, 1, 2);
	memset(buf, 0x5a, sizeof(buf));
	r = rt_snprintf(buf, sizeof(buf), bigprec, 1, 2);
	cases++;
	if (r != -1)
		NOTE(bad, first, "huge precision: %d", r);
	report("printf/unsupported-limits", bad, cases, first);
}

int main(void)
{
	test_integers();
	test_chars_strings_pointers();
	test_mixed();
	test_truncation();
	test_unsupported_and_limits();
	return total_failures != 0;
}
