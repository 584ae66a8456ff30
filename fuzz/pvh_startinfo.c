/*
 * fuzz/virtio_startinfo.c - libFuzzer harness for the virtio target's PVH
 * start info parser. The input is a window of "guest memory" starting at
 * physical address 0x1000; its first 8 bytes (little-endian) give the
 * start info's address, so the fuzzer reaches addresses inside, at the
 * edges of and outside the window. Every string returned must be
 * terminated, every RAM range must be non-empty.
 */
#include "../platform/x86_64/startinfo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pvh_boot out;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t addr = 0;
	if (size < 8)
		return 0;
	for (int i = 0; i < 8; i++)
		addr |= (uint64_t)data[i] << (8 * i);
	/* Mostly small addresses, so the block often lies in the window. */
	if (!(addr >> 63))
		addr = 0x1000 + (addr % (size + 64));
	/* A copy, so reads past the window trip ASan. */
	uint8_t *mem = malloc(size);
	memcpy(mem, data, size);
	enum pvh_error e = pvh_parse(mem, 0x1000, size, addr, &out);
	if (e == PVH_OK) {
		if (memchr(out.cmdline, 0, sizeof(out.cmdline)) == NULL)
			abort();
		if (out.ram_count == 0 || out.ram_count > PVH_RAM_MAX)
			abort();
		for (unsigned i = 0; i < out.ram_count; i++)
			if (out.ram[i].size == 0)
				abort();
	} else if (pvh_strerror(e) == NULL) {
		abort();
	}
	free(mem);
	return 0;
}
