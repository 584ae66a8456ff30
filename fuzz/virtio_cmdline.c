/*
 * fuzz/virtio_cmdline.c - libFuzzer harness for the virtio target's kernel
 * command line parser (virtio_mmio.device= words and the boot arguments
 * after "--"). The boot arguments written out must be terminated and no
 * longer than the buffer; every device parsed must be sane.
 */
#include "../platform/virtio_drivers/cmdline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cmdline cl;
	char args[256], err[96];
	char *in = malloc(size + 1);
	memcpy(in, data, size);
	in[size] = 0;
	/* A small output buffer sometimes, to reach "too long". */
	size_t args_size = size % 3 == 0 ? 16 : sizeof(args);
	if (cmdline_parse(in, &cl, args, args_size, err, sizeof(err)) == 0) {
		if (strnlen(args, args_size) == args_size)
			abort();
		if (cl.mmio_count > CMDLINE_MMIO_MAX)
			abort();
		for (unsigned i = 0; i < cl.mmio_count; i++)
			if (cl.mmio[i].size == 0 || cl.mmio[i].irq > 255 ||
			    cl.mmio[i].base + cl.mmio[i].size < cl.mmio[i].base)
				abort();
	} else if (strnlen(err, sizeof(err)) == sizeof(err)) {
		abort();
	}
	/* The value parser on its own, unterminated. */
	struct cmdline_mmio m;
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	(void)cmdline_parse_mmio((const char *)copy, size, &m);
	free(copy);
	free(in);
	return 0;
}
