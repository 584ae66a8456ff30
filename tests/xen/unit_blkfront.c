/*
 * unit_blkfront.c - host tests of the xen target's blkfront against the
 * fake blkback of fake_xen.c: disks found in numeric order, geometry,
 * multi-sector reads and writes byte-exact (against a shadow copy too),
 * requests batched under one notification, the three kinds of flush,
 * read-only disks, and backends that fail, lie or fall silent. Built and
 * run by test-unit.sh under ASan and UBSan.
 */
#include "../../platform/xen/blkfront.h"
#include "../../platform/xen/xenstore.h"
#include "fake_xen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond)                                                      \
			printf("PASS: %s\n", name);                            \
		else {                                                         \
			printf("FAIL: %s: %s (line %d)\n", name, #cond,        \
			       __LINE__);                                      \
			failures++;                                            \
		}                                                              \
	} while (0)

#define BF_PAGES (1 + 64)

static void reset(void)
{
	fake_xen_reset();
	xs_reset();
	blkfront_reset();
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 29 + i * 13 + (i >> 9));
}

static struct blkfront_counters counters(platform_handle h)
{
	struct blkfront_counters c;
	memset(&c, 0, sizeof(c));
	blkfront_get_counters(h, &c);
	return c;
}

static struct fake_vbd *vbd;
static platform_handle h;
static struct platform_block_info info;

/* blk0 on a fresh disk of sectors 512-byte sectors. */
static bool up(uint64_t sectors)
{
	reset();
	vbd = fake_vbd_add(51712, sectors);
	return platform_block_acquire("blk0", &h, &info) == PLATFORM_OK;
}

static void test_absent(void)
{
	reset();
	CHECK("blkfront: no device/vbd is ENOENT",
	      platform_block_acquire("blk0", &h, &info) == PLATFORM_ENOENT &&
	              fake_log_count("blk0: no such device (device/vbd is "
	                             "not in xenstore") == 1);
	fake_vbd_add(768, 100);
	CHECK("blkfront: a second disk that is not there",
	      platform_block_acquire("blk1", &h, &info) == PLATFORM_ENOENT &&
	              fake_log_has("blk1: no such device (device/vbd has 1 "
	                           "disk)"));
	CHECK("blkfront: a name not of the form blkN",
	      platform_block_acquire("disk0", &h, &info) == PLATFORM_ENOENT);

	reset();
	vbd = fake_vbd_add(768, 100);
	vbd->no_sectors = true;
	CHECK("blkfront: a backend with no capacity is refused",
	      platform_block_acquire("blk0", &h, &info) == PLATFORM_EUNSPEC &&
	              fake_log_has("reports no capacity (no sectors key)") &&
	              fake_grants_in_use() == 0);
	reset();
	vbd = fake_vbd_add(768, 0);
	CHECK("blkfront: a backend of 0 sectors is refused",
	      platform_block_acquire("blk0", &h, &info) == PLATFORM_EUNSPEC &&
	              fake_log_has("reports no capacity (sectors is 0)"));
	reset();
	vbd = fake_vbd_add(768, 100);
	vbd->sector_size = 8192;
	CHECK("blkfront: a sector size over 4096 is refused",
	      platform_block_acquire("blk0", &h, &info) == PLATFORM_EUNSPEC &&
	              fake_log_has("sector size (8192) is not one of"));
	reset();
	vbd = fake_vbd_add(768, 100);
	fake_xs_set(strcat(strcpy((char[128]){0}, vbd->be), "/state"), "1");
	CHECK("blkfront: a backend that never offers times out",
	      platform_block_acquire("blk0", &h, &info) == PLATFORM_EUNSPEC &&
	              fake_log_has("stayed in state Initialising for 10 s"));
	reset();
	fake_xs_set("device/vbd/768/state", "1");
	CHECK("blkfront: a disk without a backend",
	      platform_block_acquire("blk0", &h, &info) == PLATFORM_EUNSPEC &&
	              fake_log_has("blk0: device/vbd/768 has no backend"));
}

static void test_order(void)
{
	reset();
	struct fake_vbd *a = fake_vbd_add(51712, 64);
	struct fake_vbd *b = fake_vbd_add(768, 64);
	struct fake_vbd *c = fake_vbd_add(5632, 64);
	platform_handle h0, h1, h2;
	struct platform_block_info i0, i1, i2;
	CHECK("blkfront: three disks",
	      platform_block_acquire("blk2", &h2, &i2) == PLATFORM_OK &&
	              platform_block_acquire("blk0", &h0, &i0) == PLATFORM_OK &&
	              platform_block_acquire("blk1", &h1, &i1) == PLATFORM_OK);
	uint8_t x[512];
	memset(x, 0xa0, sizeof(x));
	platform_block_write(h0, 0, x, 512);
	memset(x, 0xa1, sizeof(x));
	platform_block_write(h1, 0, x, 512);
	memset(x, 0xa2, sizeof(x));
	platform_block_write(h2, 0, x, 512);
	CHECK("blkfront: blk0, blk1, blk2 in numeric order (768, 5632, 51712)",
	      b->disk[0] == 0xa0 && c->disk[0] == 0xa1 && a->disk[0] == 0xa2);
	CHECK("blkfront: a second acquire is EINVAL",
	      platform_block_acquire("blk1", &h1, &i1) == PLATFORM_EINVAL);
}

static void test_io(void)
{
	if (!up(4096)) { /* 2 MiB */
		CHECK("blkfront: up", false);
		return;
	}
	CHECK("blkfront: geometry",
	      info.capacity == 4096 * 512 && info.sector_size == 512);
	const char *proto = fake_xs_get("device/vbd/51712/protocol");
	const char *state = fake_xs_get("device/vbd/51712/state");
	const char *persistent =
	        fake_xs_get("device/vbd/51712/feature-persistent");
	CHECK("blkfront: the keys blkback needs",
	      fake_xs_get("device/vbd/51712/ring-ref") &&
	              fake_xs_get("device/vbd/51712/event-channel") && proto &&
	              strcmp(proto, "x86_64-abi") == 0 && state &&
	              strcmp(state, "4") == 0 && persistent &&
	              strcmp(persistent, "1") == 0 && vbd->connected);
	CHECK("blkfront: pages granted once",
	      fake_grants_in_use() == BF_PAGES && fake_grant_violations() == 0);
	CHECK("blkfront: set-up in one line",
	      fake_log_count("blk0: blkfront, device/vbd/51712, 2097152 "
	                     "bytes, sector 512, flush-cache") == 1);

	static uint8_t data[1 << 20], back[1 << 20];
	fill(data, sizeof(data), 1);
	CHECK("blkfront: write 1 MiB at byte 8192",
	      platform_block_write(h, 8192, data, sizeof(data)) == PLATFORM_OK);
	CHECK("blkfront: on the disk byte-exact",
	      memcmp(vbd->disk + 8192, data, sizeof(data)) == 0);
	CHECK("blkfront: read back byte-exact",
	      platform_block_read(h, 8192, back, sizeof(back)) == PLATFORM_OK &&
	              memcmp(back, data, sizeof(data)) == 0);
	fill(data, 37 * 512, 2);
	CHECK("blkfront: 37 sectors at sector 1 (not page-aligned)",
	      platform_block_write(h, 512, data, 37 * 512) == PLATFORM_OK &&
	              memcmp(vbd->disk + 512, data, 37 * 512) == 0 &&
	              platform_block_read(h, 512, back, 37 * 512) ==
	                      PLATFORM_OK &&
	              memcmp(back, data, 37 * 512) == 0);
	CHECK("blkfront: the last sector",
	      platform_block_write(h, info.capacity - 512, data, 512) ==
	                      PLATFORM_OK &&
	              platform_block_read(h, info.capacity - 512, back, 512) ==
	                      PLATFORM_OK &&
	              memcmp(back, data, 512) == 0);
	CHECK("blkfront: misaligned or out-of-range is EINVAL",
	      platform_block_read(h, 100, back, 512) == PLATFORM_EINVAL &&
	              platform_block_read(h, 0, back, 100) == PLATFORM_EINVAL &&
	              platform_block_read(h, info.capacity, back, 512) ==
	                      PLATFORM_EINVAL &&
	              platform_block_read(h, info.capacity - 512, back, 1024) ==
	                      PLATFORM_EINVAL &&
	              platform_block_read(h, 0, NULL, 512) == PLATFORM_EINVAL &&
	              platform_block_read(h + 9, 0, back, 512) ==
	                      PLATFORM_EINVAL);
	CHECK("blkfront: an empty read",
	      platform_block_read(h, 0, back, 0) == PLATFORM_OK);

	/* Batches: 256 KiB is 64 pages, 6 requests of up to 11 pages, one
	 * notification. */
	struct blkfront_counters c0 = counters(h);
	unsigned segs0 = vbd->segments, kicks0 = fake_notifies(vbd->port);
	vbd->max_batch = 0;
	CHECK("blkfront: 256 KiB in one go",
	      platform_block_read(h, 0, back, 256 * 1024) == PLATFORM_OK);
	struct blkfront_counters c1 = counters(h);
	CHECK("blkfront: six requests under one notification",
	      c1.requests - c0.requests == 6 &&
	              c1.notifies - c0.notifies == 1 &&
	              fake_notifies(vbd->port) - kicks0 == 1 &&
	              vbd->max_batch == 6 && vbd->segments - segs0 == 64);
	c0 = counters(h);
	platform_block_read(h, 0, back, sizeof(back));
	c1 = counters(h);
	CHECK("blkfront: 1 MiB in four rounds of six",
	      c1.requests - c0.requests == 24 &&
	              c1.notifies - c0.notifies == 4);

	/* Random I/O against a shadow copy. */
	static uint8_t shadow[4096 * 512];
	memcpy(shadow, vbd->disk, sizeof(shadow));
	srand(7);
	bool ok = true;
	for (unsigned i = 0; i < 300 && ok; i++) {
		uint64_t sector = (uint64_t)rand() % 4096;
		uint64_t n = 1 + (uint64_t)rand() % 300;
		if (sector + n > 4096)
			n = 4096 - sector;
		if (rand() & 1) {
			fill(data, n * 512, i + 10);
			ok &= platform_block_write(h, sector * 512, data,
			                           n * 512) == PLATFORM_OK;
			memcpy(shadow + sector * 512, data, n * 512);
		} else {
			ok &= platform_block_read(h, sector * 512, back,
			                          n * 512) == PLATFORM_OK &&
			      memcmp(back, shadow + sector * 512, n * 512) == 0;
		}
	}
	CHECK("blkfront: 300 random reads and writes match a shadow copy",
	      ok && memcmp(vbd->disk, shadow, sizeof(shadow)) == 0);
	CHECK("blkfront: no grant misused, no request refused",
	      fake_grant_violations() == 0 && vbd->violations == 0 &&
	              counters(h).bad == 0 && counters(h).errors == 0);
}

static void test_flush(void)
{
	if (!up(64)) {
		CHECK("blkfront: up for flush", false);
		return;
	}
	CHECK("blkfront: flush with feature-flush-cache",
	      platform_block_flush(h) == PLATFORM_OK && vbd->flushes == 1 &&
	              vbd->barriers == 0);
	vbd->flush = false; /* the backend changes its mind */
	fake_log_clear();
	CHECK("blkfront: a refused cache flush falls back to nothing",
	      platform_block_flush(h) == PLATFORM_OK &&
	              fake_log_count("refused a cache flush (EOPNOTSUPP)") ==
	                      1);
	unsigned before = vbd->requests;
	CHECK("blkfront: and is not asked again",
	      platform_block_flush(h) == PLATFORM_OK &&
	              vbd->requests == before);

	reset();
	vbd = fake_vbd_add(768, 64);
	vbd->flush = false;
	vbd->barrier = true;
	CHECK("blkfront: flush with feature-barrier only",
	      platform_block_acquire("blk0", &h, &info) == PLATFORM_OK &&
	              fake_log_has("sector 512, barrier") &&
	              platform_block_flush(h) == PLATFORM_OK &&
	              vbd->barriers == 1 && vbd->flushes == 0);

	reset();
	vbd = fake_vbd_add(768, 64);
	vbd->flush = false;
	CHECK("blkfront: no flush feature: flush is at once",
	      platform_block_acquire("blk0", &h, &info) == PLATFORM_OK &&
	              fake_log_has("no flush (writes through)") &&
	              platform_block_flush(h) == PLATFORM_OK &&
	              vbd->requests == 0);
}

static void test_geometry(void)
{
	reset();
	vbd = fake_vbd_add(768, 8 * 100);
	vbd->sector_size = 4096;
	CHECK("blkfront: 4096-byte sectors",
	      platform_block_acquire("blk0", &h, &info) == PLATFORM_OK &&
	              info.sector_size == 4096 && info.capacity == 409600);
	static uint8_t data[3 * 4096], back[3 * 4096];
	fill(data, sizeof(data), 3);
	CHECK("blkfront: only whole 4096-byte sectors",
	      platform_block_read(h, 512, back, 4096) == PLATFORM_EINVAL &&
	              platform_block_read(h, 0, back, 512) == PLATFORM_EINVAL);
	CHECK("blkfront: three 4096-byte sectors both ways",
	      platform_block_write(h, 4096, data, sizeof(data)) ==
	                      PLATFORM_OK &&
	              platform_block_read(h, 4096, back, sizeof(back)) ==
	                      PLATFORM_OK &&
	              memcmp(data, back, sizeof(back)) == 0 &&
	              memcmp(vbd->disk + 4096, data, sizeof(data)) == 0 &&
	              vbd->violations == 0);

	reset();
	vbd = fake_vbd_add(768, 64);
	vbd->readonly = true;
	CHECK("blkfront: a read-only disk",
	      platform_block_acquire("blk0", &h, &info) == PLATFORM_OK &&
	              fake_log_has(", read-only") &&
	              platform_block_write(h, 0, data, 512) ==
	                      PLATFORM_EUNSUPPORTED &&
	              platform_block_read(h, 0, back, 512) == PLATFORM_OK);
}

static void test_hostile(void)
{
	static uint8_t data[64 * 1024];
	fill(data, sizeof(data), 4);

	if (!up(1024))
		CHECK("blkfront: up for hostile", false);
	vbd->mangle = BM_ERROR;
	CHECK("blkfront: a failed read is EUNSPEC, in one line",
	      platform_block_read(h, 0, data, 4096) == PLATFORM_EUNSPEC &&
	              fake_log_count("blk0: the backend failed a read of "
	                             "4096 bytes at byte 0") == 1 &&
	              counters(h).errors == 1);
	vbd->mangle = BM_NONE;
	CHECK("blkfront: the device works on after a failed request",
	      platform_block_write(h, 0, data, sizeof(data)) == PLATFORM_OK);

	struct {
		enum fake_blk_mangle m;
		const char *name, *line;
	} cases[] = {
	        {BM_BAD_ID, "a response with a foreign id",
	         "a bad response (id 1000, not in flight)"},
	        {BM_STALE_ID, "a response naming a request not in flight",
	         "a bad response (id 1, not in flight)"},
	        {BM_BAD_OP, "a response with another operation",
	         "a bad response (operation 77 for a read)"},
	        {BM_PROD_AHEAD, "rsp_prod racing ahead",
	         "rsp_prod (101) is beyond the 1 requests sent"},
	        {BM_SILENT, "a silent backend", NULL},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[120];
		if (!up(1024))
			CHECK("blkfront: up for hostile", false);
		vbd->mangle = cases[i].m;
		platform_time t0 = fake_now;
		int r = platform_block_read(h, 0, data, 4096);
		snprintf(name, sizeof(name), "blkfront: %s: EUNSPEC after 30 s",
		         cases[i].name);
		CHECK(name, r == PLATFORM_EUNSPEC &&
		                    fake_now - t0 >= 30000000000ll &&
		                    fake_now - t0 < 31000000000ll &&
		                    counters(h).timeouts == 1);
		snprintf(name, sizeof(name), "blkfront: %s: reported",
		         cases[i].name);
		CHECK(name,
		      (!cases[i].line || fake_log_count(cases[i].line) == 1) &&
		              fake_log_count(
		                      "no answer from the backend within "
		                      "30 s (1 request outstanding); "
		                      "the device is unusable") == 1);
		vbd->mangle = BM_NONE;
		t0 = fake_now;
		snprintf(name, sizeof(name),
		         "blkfront: %s: later calls fail at once",
		         cases[i].name);
		CHECK(name,
		      platform_block_read(h, 0, data, 4096) ==
		                      PLATFORM_EUNSPEC &&
		              platform_block_flush(h) == PLATFORM_EUNSPEC &&
		              fake_now - t0 < 1000000);
		CHECK("blkfront: no memory touched outside the bounce pages",
		      fake_grant_violations() == 0);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_absent();
	test_order();
	test_io();
	test_flush();
	test_geometry();
	test_hostile();
	reset();
	fake_xen_reset();
	fake_log_clear();
	return failures ? 1 : 0;
}
