/*
 * cases.h - formats checked inside the guest against the host's snprintf:
 * gen_expected.c prints the host's output for each into expected.h, and
 * main.c compares its own (lib/rt/libc's) with it. One conversion each.
 */
#ifndef LIBC_GUEST_CASES_H
#define LIBC_GUEST_CASES_H

#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define LIBC_GUEST_CASES(X)                                                    \
	X("%d", int, -42)                                                      \
	X("[%5d]", int, 42)                                                    \
	X("[%-5d]", int, 42)                                                   \
	X("[%05d]", int, -42)                                                  \
	X("%+.3i", int, 7)                                                     \
	X("% d", int, INT_MIN)                                                 \
	X("%u", unsigned, UINT_MAX)                                            \
	X("%#o", unsigned, 8u)                                                 \
	X("%#x", unsigned, 0xbeefu)                                            \
	X("%#X", unsigned, 0xbeefu)                                            \
	X("%8.3x", unsigned, 0xfu)                                             \
	X("%hhd", int, 300)                                                    \
	X("%hu", int, 70000)                                                   \
	X("%ld", long, LONG_MIN)                                               \
	X("%lu", unsigned long, ULONG_MAX)                                     \
	X("%lld", long long, LLONG_MIN)                                        \
	X("%llx", unsigned long long, 0x0123456789abcdefULL)                   \
	X("%zu", size_t, SIZE_MAX)                                             \
	X("%zx", size_t, (size_t)4096)                                         \
	X("%td", ptrdiff_t, PTRDIFF_MIN)                                       \
	X("%jd", intmax_t, INTMAX_MIN)                                         \
	X("%ju", uintmax_t, UINTMAX_MAX)                                       \
	X("%" PRIu64, uint64_t, UINT64_MAX)                                    \
	X("%" PRId64, int64_t, INT64_MIN)                                      \
	X("%" PRIx64, uint64_t, (uint64_t)0xfeedfacecafeULL)                   \
	X("%" PRIu32, uint32_t, UINT32_MAX)                                    \
	X("%" PRId16, int16_t, INT16_MIN)                                      \
	X("%" PRIu8, uint8_t, UINT8_MAX)                                       \
	X("%" PRIuFAST16, uint_fast16_t, (uint_fast16_t)65535)                 \
	X("%" PRIdFAST32, int_fast32_t, (int_fast32_t)-2)                      \
	X("%" PRIxPTR, uintptr_t, (uintptr_t)0xdeadbeef)                       \
	X("%" PRIdMAX, intmax_t, (intmax_t)-1)                                 \
	X("%p", void *, (void *)0x1234)                                        \
	X("[%-12p]", void *, (void *)0xabc)                                    \
	X("[%c]", int, 'k')                                                    \
	X("[%10s]", const char *, "kiln")                                      \
	X("[%-10s]", const char *, "kiln")                                     \
	X("[%.2s]", const char *, "kiln")                                      \
	X("%s", const char *, "")                                              \
	X("100%%: %d", int, 100)

#endif /* LIBC_GUEST_CASES_H */
