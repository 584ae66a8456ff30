/*
 * libc_strto.c - libFuzzer harness: lib/rt/libc's strto* against the
 * host's on arbitrary input (value, end pointer and errno must agree).
 * The first byte picks the base.
 */
#include "../lib/rt/libc/rt_libc.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void kiln_panic_at(const char *file, int line, const char *fmt, ...)
{
	(void)file;
	(void)line;
	(void)fmt;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int bases[] = {0, 2, 8, 10, 16, 36};
	char s[64], *e1, *e2;
	int base, err1, err2;

	if (size == 0)
		return 0;
	base = data[0] < 192 ? bases[data[0] % 6] : data[0] % 40 - 2;
	if (base < 0 || base == 1 || base > 36)
		return 0; /* the host's answer to a bad base is not defined */
	size = size - 1 < sizeof(s) - 1 ? size - 1 : sizeof(s) - 1;
	memcpy(s, data + 1, size);
	s[size] = 0;

#define SAME(fn)                                                               \
	do {                                                                   \
		errno = 0;                                                     \
		__typeof__(fn(s, &e1, base)) v1 = rt_##fn(s, &e1, base);       \
		err1 = errno;                                                  \
		errno = 0;                                                     \
		__typeof__(v1) v2 = fn(s, &e2, base);                          \
		err2 = errno;                                                  \
		if (v1 != v2 || e1 != e2 || err1 != err2)                      \
			abort();                                               \
	} while (0)
	SAME(strtoul);
	SAME(strtol);
	SAME(strtoull);
	SAME(strtoll);
	return 0;
}
