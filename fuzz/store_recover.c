/*
 * fuzz/store_recover.c - any bytes as a block device for lib/store: the
 * superblocks, the replay and every value read must refuse what is bad
 * (an error, a reported stop, -KILN_EIO) and never crash. The input is
 * laid over a formatted store with a few commits, so that the fuzzer
 * reaches the record parser as well as the superblock's.
 */
#include <kiln/platform.h>
#include <kiln/rt.h>
#include <kiln/store.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR 512
#define SIZE (64 * SECTOR)
static uint8_t disk[SIZE];

enum platform_result platform_block_acquire(const char *name,
                                            platform_handle *h,
                                            struct platform_block_info *info)
{
	(void)name;
	*h = 1;
	info->capacity = SIZE;
	info->sector_size = SECTOR;
	return PLATFORM_OK;
}

enum platform_result platform_block_read(platform_handle h, uint64_t off,
                                         void *buf, size_t n)
{
	(void)h;
	if (off % SECTOR || n % SECTOR || off + n > SIZE)
		return PLATFORM_EINVAL;
	memcpy(buf, disk + off, n);
	return PLATFORM_OK;
}

enum platform_result platform_block_write(platform_handle h, uint64_t off,
                                          const void *buf, size_t n)
{
	(void)h;
	if (off % SECTOR || n % SECTOR || off + n > SIZE)
		return PLATFORM_EINVAL;
	memcpy(disk + off, buf, n);
	return PLATFORM_OK;
}

enum platform_result platform_block_flush(platform_handle h)
{
	(void)h;
	return PLATFORM_OK;
}

enum platform_result platform_entropy(void *buf, size_t len)
{
	memset(buf, 0x5A, len);
	return PLATFORM_OK;
}

platform_time platform_clock_monotonic(void)
{
	return 1;
}

static bool visit(const void *key, size_t klen, size_t vlen, void *arg)
{
	static uint8_t buf[STORE_VALUE_MAX];
	long n = store_get(arg, key, klen, buf, sizeof(buf));
	if (n >= 0 && (size_t)n != vlen)
		abort();
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t base[SIZE];
	static bool made;
	struct store_config cfg = {
	        .format_if_blank = true, .max_commit = 4096, .max_keys = 64};
	int err;
	if (!made) {
		memset(disk, 0, SIZE);
		struct store *s = store_open(&cfg, NULL, &err);
		if (!s)
			abort();
		for (int i = 0; i < 12; i++) {
			char k[4] = {'k', (char)('a' + i), 0, 0};
			store_put(s, k, 2, "value", (size_t)(i % 6));
		}
		store_delete(s, "kb", 2);
		store_close(s);
		memcpy(base, disk, SIZE);
		made = true;
	}
	/* the first two bytes say where (in sectors) the input goes */
	memcpy(disk, base, SIZE);
	if (size >= 2) {
		size_t at = ((size_t)data[0] % 64) * SECTOR + data[1];
		size_t n = size - 2;
		if (at + n > SIZE)
			n = SIZE - at;
		memcpy(disk + at, data + 2, n);
	}
	struct store_recovery rec;
	struct store *s = store_open(&cfg, &rec, &err);
	if (s) {
		store_iterate(s, visit, s);
		store_put(s, "new", 3, "x", 1);
		store_close(s);
	}
	return 0;
}
