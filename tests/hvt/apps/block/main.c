/*
 * hvtblock: on blk0, write 16 sectors of a pattern in one call, flush,
 * read them back in one call and compare; check that misaligned and
 * out-of-range requests are refused. Prints "block ok CAPACITY" and exits
 * 0, or says what failed and exits 1.
 */
#include <kiln/rt.h>
#include <stdlib.h>
#include <string.h>

#define SECTORS 16

int kiln_main(int argc, char **argv)
{
	platform_handle h;
	struct platform_block_info info;
	(void)argc;
	(void)argv;
	kiln_args_check();
	if (platform_block_acquire("blk0", &h, &info) != PLATFORM_OK) {
		kiln_puts("no blk0");
		return 1;
	}
	size_t n = (size_t)SECTORS * info.sector_size;
	unsigned char *out = malloc(n), *in = malloc(n);
	if (!out || !in || info.capacity < n + info.sector_size)
		return 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)(i * 7 + i / 512);
	uint64_t at = info.sector_size; /* from sector 1 */
	if (platform_block_write(h, at, out, n) != PLATFORM_OK ||
	    platform_block_flush(h) != PLATFORM_OK ||
	    platform_block_read(h, at, in, n) != PLATFORM_OK) {
		kiln_puts("block I/O failed");
		return 1;
	}
	if (memcmp(in, out, n) != 0) {
		kiln_puts("read back differs");
		return 1;
	}
	if (platform_block_read(h, 1, in, info.sector_size) !=
	            PLATFORM_EINVAL ||
	    platform_block_read(h, info.capacity, in, info.sector_size) !=
	            PLATFORM_EINVAL) {
		kiln_puts("bad requests were not refused");
		return 1;
	}
	kiln_printf("block ok %llu\n", (unsigned long long)info.capacity);
	return 0;
}
