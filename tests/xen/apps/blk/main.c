/*
 * xenblk: --write=SEED puts 64 KiB of a pattern made from SEED at byte
 * offset 8 * sector size of blk0, in one call, and flushes; --check=SEED
 * reads the same range back in one call and compares. Prints
 * "blk0: CAPACITY bytes, SECTOR-byte sectors", then "written" or
 * "check ok", and exits 0; says what failed and exits 1 otherwise. Also
 * checks that misaligned and out-of-range requests are refused.
 */
#include <kiln/rt.h>
#include <stdlib.h>
#include <string.h>

#define BYTES 65536

static void fill(unsigned char *b, unsigned long seed)
{
	uint32_t x = (uint32_t)seed * 2654435761u + 1;
	for (size_t i = 0; i < BYTES; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (unsigned char)(x >> 16);
	}
}

int kiln_main(int argc, char **argv)
{
	const char *write = NULL, *check = NULL;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--write=", 8) == 0)
			write = argv[i] + 8;
		else if (strncmp(argv[i], "--check=", 8) == 0)
			check = argv[i] + 8;
	}
	platform_handle h;
	struct platform_block_info info;
	if (platform_block_acquire("blk0", &h, &info) != PLATFORM_OK) {
		kiln_puts("no blk0");
		return 1;
	}
	kiln_printf("blk0: %llu bytes, %u-byte sectors\n",
	            (unsigned long long)info.capacity, info.sector_size);
	uint64_t at = 8ull * info.sector_size;
	if (info.capacity < at + BYTES) {
		kiln_puts("disk too small");
		return 1;
	}
	unsigned char *want = malloc(BYTES), *got = malloc(BYTES);
	if (!want || !got)
		return 1;
	if (write) {
		fill(want, strtoul(write, NULL, 10));
		if (platform_block_write(h, at, want, BYTES) != PLATFORM_OK ||
		    platform_block_flush(h) != PLATFORM_OK) {
			kiln_puts("write or flush failed");
			return 1;
		}
		kiln_puts("written");
	}
	if (check) {
		fill(want, strtoul(check, NULL, 10));
		if (platform_block_read(h, at, got, BYTES) != PLATFORM_OK) {
			kiln_puts("read failed");
			return 1;
		}
		if (memcmp(want, got, BYTES) != 0) {
			kiln_puts("read back differs");
			return 1;
		}
		kiln_puts("check ok");
	}
	if (platform_block_read(h, 1, got, info.sector_size) !=
	            PLATFORM_EINVAL ||
	    platform_block_read(h, info.capacity, got, info.sector_size) !=
	            PLATFORM_EINVAL) {
		kiln_puts("bad requests were not refused");
		return 1;
	}
	return 0;
}
