/*
 * fuzz/fdt.c - libFuzzer harness for the aarch64 targets' device-tree
 * reader. Whatever the blob, fdt_parse must stay inside it, and on
 * success its results must be within their bounds: terminated boot
 * arguments, counts within the arrays, a known GIC version.
 */
#include "../platform/aarch64/fdt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fdt_info info;
	char err[96];
	/* A copy of exactly size bytes, so ASan sees any read past it. */
	uint8_t *blob = malloc(size ? size : 1);
	memcpy(blob, data, size);
	if (size >= 40)
		(void)fdt_total_size(blob);
	if (fdt_parse(blob, size, &info, err, sizeof(err)) == 0) {
		if (strnlen(info.bootargs, sizeof(info.bootargs)) ==
		    sizeof(info.bootargs))
			abort();
		if (info.memory_count > FDT_MEMORY_MAX ||
		    info.virtio_count > FDT_VIRTIO_MAX)
			abort();
		if (info.gic_version != 0 && info.gic_version != 2 &&
		    info.gic_version != 3)
			abort();
		for (unsigned i = 0; i < info.virtio_count; i++)
			if (info.virtio[i].size == 0)
				abort();
	} else if (strnlen(err, sizeof(err)) == sizeof(err) || !err[0]) {
		abort();
	}
	free(blob);
	return 0;
}
