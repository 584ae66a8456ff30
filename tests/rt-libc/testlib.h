/*
 * testlib.h - shared bits of the rt-libc host tests: a random generator,
 * result reporting in the test protocol, and a kiln_panic_at that records
 * the message and jumps back to the test (expect_panic).
 */
#ifndef RT_LIBC_TESTLIB_H
#define RT_LIBC_TESTLIB_H

#include <kiln/rt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static inline uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static inline unsigned rng_below(unsigned n)
{
	return (unsigned)(rng() % n);
}

static int total_failures;

/* Report one named check: PASS, or FAIL with the first problem seen. */
static inline void report(const char *name, unsigned bad, unsigned cases,
                          const char *first)
{
	if (bad == 0) {
		printf("PASS: %s (%u cases)\n", name, cases);
	} else {
		printf("FAIL: %s: %u of %u cases wrong; first: %s\n", name, bad,
		       cases, first);
		total_failures++;
	}
	fflush(stdout);
}

/* A failure note: keep only the first. */
#define NOTE(bad, first, ...)                                                  \
	do {                                                                   \
		if ((bad)++ == 0)                                              \
			snprintf(first, sizeof(first), __VA_ARGS__);           \
	} while (0)

static jmp_buf panic_jump;
static int panic_armed;
static char panic_message[512];

_Noreturn void kiln_panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_message, sizeof(panic_message), fmt, ap);
	va_end(ap);
	if (panic_armed) {
		panic_armed = 0;
		longjmp(panic_jump, 1);
	}
	fprintf(stderr, "unexpected panic: %s:%d: %s\n", file, line,
	        panic_message);
	abort();
}

/* EXPECT_PANIC(result, stmt): result = 1 if stmt panicked (the message
 * is then in panic_message), else 0. */
#define EXPECT_PANIC(result, stmt)                                             \
	do {                                                                   \
		panic_message[0] = 0;                                          \
		panic_armed = 1;                                               \
		if (setjmp(panic_jump) == 0) {                                 \
			stmt;                                                  \
			panic_armed = 0;                                       \
			(result) = 0;                                          \
		} else {                                                       \
			(result) = 1;                                          \
		}                                                              \
	} while (0)

#endif /* RT_LIBC_TESTLIB_H */
