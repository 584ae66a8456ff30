/*
 * freestanding_main.c - a program built against lib/rt/libc alone (no
 * host C library, no start files): it uses the standard names from the
 * freestanding headers and reports through raw Linux system calls.
 * Exit status 0 means every check passed; otherwise it prints which one
 * failed (status 1) or panics (status 3; built with -DFAIL_ASSERT it
 * must, at a failing assert). x86-64 Linux only (the system calls).
 */
#include "../../lib/rt/libc/rt_libc.h"
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long syscall3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall"
	                 : "=a"(r)
	                 : "a"(n), "D"(a), "S"(b), "d"(c)
	                 : "rcx", "r11", "memory");
	return r;
}

static void out(const char *s)
{
	syscall3(1, 1, (long)s, (long)strlen(s));
}

static _Noreturn void quit(int status)
{
	for (;;)
		syscall3(60, status, 0, 0);
}

_Noreturn void kiln_panic_at(const char *file, int line, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "panic: %s:%d: ", file, line);

	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	out(buf);
	out("\n");
	quit(3);
}

static int failed;

static void check(bool ok, const char *what)
{
	if (!ok) {
		out("FAIL: ");
		out(what);
		out("\n");
		failed = 1;
	}
}

/* Large enough that the compiler copies it with a call to memcpy. */
struct big {
	char bytes[4096];
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static alignas(4096) unsigned char heap[1 << 20];

static void run(void)
{
	static struct big a, b;
	char buf[128];
	char *end;

	rt_libc_init(heap, sizeof(heap));

	memset(&a, 'q', sizeof(a));
	b = a; /* compiler-generated memcpy */
	check(memcmp(&a, &b, sizeof(a)) == 0, "struct copy");

	snprintf(buf, sizeof(buf),
	         "%" PRIu64 " %" PRId32 " %" PRIxPTR " %zu %s", UINT64_MAX,
	         INT32_MIN, (uintptr_t)0xbeef, sizeof(a), "ok");
	check(strcmp(buf, "18446744073709551615 -2147483648 beef 4096 ok") == 0,
	      "snprintf");

	errno = 0;
	check(strtoul("0x1f", &end, 0) == 31 && *end == 0, "strtoul");
	check(strtol("-99999999999999999999", NULL, 10) == LONG_MIN &&
	              errno == ERANGE,
	      "strtol overflow");
	check(atoi("  -42") == -42 && abs(-3) == 3, "atoi, abs");
	check(isdigit('7') && !isalpha('7') && toupper('a') == 'A', "ctype");

	char *s = malloc(10);
	check(s != NULL, "malloc");
	strcpy(s, "hello");
	s = realloc(s, 5000);
	check(s != NULL && strcmp(s, "hello") == 0, "realloc");
	strcat(s, ", world");
	check(strstr(s, "wor") == s + 7 && strchr(s, ',') == s + 5 &&
	              strrchr(s, 'o') == s + 8 && strlen(s) == 12,
	      "string search");
	free(s);

	int *v = calloc(100, sizeof(int));
	check(v != NULL && v[99] == 0, "calloc");
	for (int i = 0; i < 100; i++)
		v[i] = (i * 37) % 101;
	qsort(v, 100, sizeof(int), cmp_int);
	bool sorted = true;
	for (int i = 1; i < 100; i++)
		sorted = sorted && v[i - 1] <= v[i];
	check(sorted, "qsort");
	free(v);

	void *p = aligned_alloc(4096, 100), *q = NULL;
	check(p != NULL && ((uintptr_t)p & 4095) == 0, "aligned_alloc");
	check(posix_memalign(&q, 64, 10) == 0 && ((uintptr_t)q & 63) == 0,
	      "posix_memalign");
	free(p);
	free(q);

	struct kiln_mem_stats st;
	rt_libc_stats(&st);
	check(st.in_use == 0 && st.largest_free == sizeof(heap) - 16,
	      "heap empty again");

	assert(sorted); /* passes: must not panic */
#ifdef FAIL_ASSERT
	assert(1 + 1 == 3); /* must panic, naming the expression */
#endif
	static_assert(sizeof(uint64_t) == 8, "static_assert works");
}

__attribute__((force_align_arg_pointer)) _Noreturn void _start(void)
{
	run();
	if (!failed)
		out("freestanding program: all checks passed\n");
	quit(failed);
}
