/*
 * blktest - exercises block device blk0: writes a pattern to some sectors
 * (first, middle, last), flushes, reads them back and compares; checks
 * that bad ranges are refused. With --verify it only reads and checks the
 * pattern a previous run wrote (durability across boots).
 */
#include <kiln/rt.h>
#include <string.h>

static uint8_t buf[8 * 512], back[8 * 512];

static void pattern(uint8_t *p, size_t n, uint64_t offset, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((offset + i) * 31 + seed + (offset + i) / 512);
}

int kiln_main(int argc, char **argv)
{
	(void)argc; /* arguments come through kiln_arg_* */
	(void)argv;
	bool verify = kiln_arg_flag("--verify");
	uint64_t seed = 7;
	if (!kiln_arg_uint("--seed", 0, 255, &seed))
		return 2;
	kiln_args_check();

	platform_handle h;
	struct platform_block_info info;
	enum platform_result r = platform_block_acquire("blk0", &h, &info);
	if (r != PLATFORM_OK) {
		kiln_printf("blk0: acquire failed (%d)\n", r);
		return 1;
	}
	kiln_printf("blk0: %llu bytes, %u-byte sectors\n",
	            (unsigned long long)info.capacity, info.sector_size);
	if (platform_block_acquire("blk0", &h, &info) == PLATFORM_OK) {
		kiln_puts("blk0: acquired twice");
		return 1;
	}
	if (info.capacity < 3 * sizeof(buf)) {
		kiln_puts("blk0: too small for the test");
		return 1;
	}

	uint64_t offsets[] = {0, info.capacity / 2 & ~(uint64_t)511,
	                      info.capacity - sizeof(buf)};
	for (int i = 0; i < 3 && !verify; i++) {
		pattern(buf, sizeof(buf), offsets[i], seed);
		if (platform_block_write(h, offsets[i], buf, sizeof(buf)) !=
		    PLATFORM_OK) {
			kiln_printf("write at %llu failed\n",
			            (unsigned long long)offsets[i]);
			return 1;
		}
	}
	if (!verify && platform_block_flush(h) != PLATFORM_OK) {
		kiln_puts("flush failed");
		return 1;
	}
	for (int i = 0; i < 3; i++) {
		pattern(buf, sizeof(buf), offsets[i], seed);
		memset(back, 0, sizeof(back));
		if (platform_block_read(h, offsets[i], back, sizeof(back)) !=
		            PLATFORM_OK ||
		    memcmp(buf, back, sizeof(buf)) != 0) {
			kiln_printf("read back at %llu differs\n",
			            (unsigned long long)offsets[i]);
			return 1;
		}
	}
	kiln_printf("blk0: %s 3 x %u bytes\n", verify ? "verified" : "wrote",
	            (unsigned)sizeof(buf));

	/* Mistakes are refused, not performed. */
	int bad = 0;
	bad += platform_block_write(h, info.capacity, buf, 512) !=
	       PLATFORM_EINVAL;
	bad += platform_block_read(h, info.capacity - 512, back, 1024) !=
	       PLATFORM_EINVAL;
	bad += platform_block_read(h, 100, back, 512) != PLATFORM_EINVAL;
	bad += platform_block_write(h, 0, buf, 100) != PLATFORM_EINVAL;
	bad += platform_block_read(h + 7, 0, back, 512) != PLATFORM_EINVAL;
	if (bad) {
		kiln_printf("%d bad requests were not refused\n", bad);
		return 1;
	}
	kiln_puts("blk0: bad requests refused");
	return 0;
}
