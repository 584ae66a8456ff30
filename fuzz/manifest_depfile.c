/*
 * fuzz/manifest_depfile.c - libFuzzer harness for the reader of compiler
 * dependency files that kiln's incremental builds trust (tool/depfile.c).
 */
#include "../tool/depfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool each(void *ctx, const char *path)
{
	size_t *n = ctx;
	size_t l = strlen(path);
	if (l == 0 || l > DEPFILE_PATH_MAX)
		abort();
	/* Stop after a few to exercise DEPFILE_STOPPED too. */
	return ++*n < 64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	enum depfile_result r = depfile_parse(data, size, each, &n);
	if (r != DEPFILE_OK && r != DEPFILE_STOPPED && r != DEPFILE_MALFORMED)
		abort();
	if (r == DEPFILE_STOPPED && n != 64)
		abort();
	return 0;
}
