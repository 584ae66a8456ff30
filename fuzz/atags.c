/*
 * fuzz/atags.c - libFuzzer harness for the rpi3 target's ATAG reader: it
 * must stay inside the list it is given, and on success leave a
 * terminated command line.
 */
#include "../platform/aarch64/atags.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct atags_info info;
	char err[80];
	uint8_t *list = malloc(size ? size : 1);
	memcpy(list, data, size);
	if (size >= 8)
		(void)atags_present(list);
	if (atags_parse(list, size, &info, err, sizeof(err)) == 0) {
		if (strnlen(info.cmdline, sizeof(info.cmdline)) ==
		    sizeof(info.cmdline))
			abort();
	} else if (!err[0]) {
		abort();
	}
	free(list);
	return 0;
}
