/*
 * tests/store/sim.c - lib/store against a simulated disk that loses power.
 *
 * The disk keeps what is durable apart from writes not yet flushed. A
 * power cut at write number K (for every K of the workload) leaves the
 * durable image plus a random subset of the unflushed sectors (so writes
 * are dropped, reordered and torn at sector granularity), and the write
 * in flight torn at a random sector. After each cut the store is opened
 * again and must hold the state after some commit at or after the last
 * acknowledged one (flush returned) and no later than the last attempted:
 * every acknowledged commit present, nothing half-present, every value's
 * checksum good. Then bit flips in a clean image: each is detected (the
 * replay stops with a report, or store_get says -KILN_EIO) or lands where
 * nothing live is, never serving a wrong value. And a full disk.
 *
 * usage: sim [SEEDS] (3: about 1,000 cuts)
 */
#include <kiln/platform.h>
#include <kiln/rt.h>
#include <kiln/store.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR 512
#ifndef SECTORS
#define SECTORS 160
#endif
#define KEYS 24

/* ------------------------------------------------------ simulated disk */

static uint8_t durable[SECTORS * SECTOR], cache[SECTORS * SECTOR];
static bool pending[SECTORS];
static long writes, cut_at = -1;
static bool powered;
static unsigned rng_state;

static unsigned rnd(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) & 0xFFFFFF;
}

enum platform_result platform_block_acquire(const char *name,
                                            platform_handle *h,
                                            struct platform_block_info *info)
{
	(void)name;
	*h = 1;
	info->capacity = sizeof(durable);
	info->sector_size = SECTOR;
	return PLATFORM_OK;
}

enum platform_result platform_block_read(platform_handle h, uint64_t off,
                                         void *buf, size_t n)
{
	(void)h;
	if (off % SECTOR || n % SECTOR || off + n > sizeof(cache))
		return PLATFORM_EINVAL;
	memcpy(buf, cache + off, n);
	return PLATFORM_OK;
}

/* Power goes at write cut_at: that write is torn (a random number of its
 * sectors reach the cache), nothing after it happens. */
enum platform_result platform_block_write(platform_handle h, uint64_t off,
                                          const void *buf, size_t n)
{
	(void)h;
	if (off % SECTOR || n % SECTOR || off + n > sizeof(cache))
		return PLATFORM_EINVAL;
	if (!powered)
		return PLATFORM_EUNSPEC;
	size_t sectors = n / SECTOR;
	if (writes++ == cut_at) {
		sectors = rnd() % (sectors + 1);
		powered = false;
	}
	for (size_t i = 0; i < sectors; i++) {
		memcpy(cache + off + i * SECTOR,
		       (const uint8_t *)buf + i * SECTOR, SECTOR);
		pending[off / SECTOR + i] = true;
	}
	return powered ? PLATFORM_OK : PLATFORM_EUNSPEC;
}

enum platform_result platform_block_flush(platform_handle h)
{
	(void)h;
	if (!powered)
		return PLATFORM_EUNSPEC;
	memcpy(durable, cache, sizeof(cache));
	memset(pending, 0, sizeof(pending));
	return PLATFORM_OK;
}

enum platform_result platform_entropy(void *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)rnd();
	return PLATFORM_OK;
}

platform_time platform_clock_monotonic(void)
{
	return (platform_time)rnd();
}

/* The cut: each unflushed sector survives or not, at random. */
static void power_loss(void)
{
	for (int i = 0; i < SECTORS; i++)
		if (pending[i] && rnd() % 2)
			memcpy(durable + i * SECTOR, cache + i * SECTOR,
			       SECTOR);
	memcpy(cache, durable, sizeof(cache));
	memset(pending, 0, sizeof(pending));
	powered = true;
}

/* ------------------------------------------------------------- the model */

struct state {
	int ver[KEYS]; /* -1 absent, else the version written */
};

static size_t value_of(int key, int ver, uint8_t *out)
{
	size_t len = (size_t)((key * 131 + ver * 17) % 700);
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(key ^ ver * 7 ^ i);
	return len;
}

static int failures;
#define FAIL(...)                                                              \
	do {                                                                   \
		printf("FAIL: " __VA_ARGS__);                                  \
		printf("\n");                                                  \
		failures++;                                                    \
	} while (0)

/* Does the store hold exactly state st? 1 yes, 0 no, -1 a checksum
 * failure (a bad value served as EIO). */
static int holds(struct store *s, const struct state *st)
{
	uint8_t buf[1024], want[1024];
	for (int k = 0; k < KEYS; k++) {
		char key[8];
		int kl = snprintf(key, sizeof(key), "k%d", k);
		long n = store_get(s, key, (size_t)kl, buf, sizeof(buf));
		if (n == -KILN_EIO)
			return -1;
		if (st->ver[k] < 0) {
			if (n != -KILN_ENOENT)
				return 0;
			continue;
		}
		size_t wl = value_of(k, st->ver[k], want);
		if (n != (long)wl || memcmp(buf, want, wl))
			return 0;
	}
	return 1;
}

/* Run the workload until power fails (or to the end). states[i] is the
 * model after commit i; *acked the last commit known durable, *tried
 * the last one attempted. Returns the number of device writes. */
#define COMMITS 150
static struct state states[COMMITS + 1];

static long workload(unsigned seed, int *acked, int *tried)
{
	struct store_config cfg = {.format_if_blank = true, .max_commit = 8192};
	int err;
	struct store *s = store_open(&cfg, NULL, &err);
	*acked = *tried = 0;
	if (!s)
		return writes;
	unsigned r = seed;
	static uint8_t vals[8][1024];
	int unflushed_from = -1;
	for (int c = 1; c <= COMMITS && powered; c++) {
		states[c] = states[c - 1];
		struct store_batch *b = store_batch_new(s);
		r = r * 1103515245u + 12345u;
		int nops = 1 + (int)((r >> 8) % 4);
		static char keys[8][8];
		for (int i = 0; i < nops; i++) {
			r = r * 1103515245u + 12345u;
			int k = (int)((r >> 8) % KEYS);
			int kl = snprintf(keys[i], sizeof(keys[i]), "k%d", k);
			if ((r >> 20) % 5 == 0) {
				store_batch_delete(b, keys[i], (size_t)kl);
				states[c].ver[k] = -1;
			} else {
				size_t vl = value_of(k, c, vals[i]);
				store_batch_put(b, keys[i], (size_t)kl, vals[i],
				                vl);
				states[c].ver[k] = c;
			}
		}
		bool flush = (r >> 12) % 3 != 0;
		*tried = c;
		err = store_batch_commit(b, flush);
		if (err == 0 && flush)
			*acked = c;
		else if (err == 0 && unflushed_from < 0)
			unflushed_from = c;
		if (err == 0 && !flush && (r >> 14) % 4 == 0 &&
		    store_flush(s) == 0)
			*acked = c;
		if (err == 0 && c % 50 == 0 && store_compact(s) == 0)
			*acked = c;
		if (err && powered) {
			FAIL("seed %u commit %d: error %d with power on", seed,
			     c, err);
			break;
		}
	}
	if (powered && store_flush(s) == 0)
		*acked = *tried;
	store_close(s);
	return writes;
}

static void reset_disk(void)
{
	memset(durable, 0, sizeof(durable));
	memset(cache, 0, sizeof(cache));
	memset(pending, 0, sizeof(pending));
	for (int k = 0; k < KEYS; k++)
		states[0].ver[k] = -1;
}

static long cuts, torn_reports;

static void cut_test(unsigned seed)
{
	/* How many writes the whole workload makes. */
	reset_disk();
	writes = 0;
	cut_at = -1;
	powered = true;
	rng_state = seed;
	int acked, tried;
	long total = workload(seed, &acked, &tried);
	for (long k = 0; k < total; k++) {
		reset_disk();
		writes = 0;
		cut_at = k;
		powered = true;
		rng_state = seed * 7919u + (unsigned)k;
		workload(seed, &acked, &tried);
		power_loss();
		cut_at = -1;
		struct store_config cfg = {.format_if_blank = true,
		                           .max_commit = 8192};
		struct store_recovery rec;
		int err;
		struct store *s = store_open(&cfg, &rec, &err);
		cuts++;
		if (!s) {
			FAIL("seed %u cut %ld: open failed %d", seed, k, err);
			continue;
		}
		torn_reports += rec.bad_record;
		int found = -1;
		for (int c = acked; c <= tried && found < 0; c++) {
			int h = holds(s, &states[c]);
			if (h < 0) {
				FAIL("seed %u cut %ld: checksum failure served",
				     seed, k);
				break;
			}
			if (h)
				found = c;
		}
		if (found < 0)
			FAIL("seed %u cut %ld: state is none of commits %d..%d",
			     seed, k, acked, tried);
		/* and it keeps working after the cut */
		if (store_put(s, "after", 5, "cut", 3) != 0)
			FAIL("seed %u cut %ld: put after recovery", seed, k);
		store_close(s);
	}
}

static void flip_test(unsigned seed)
{
	reset_disk();
	writes = 0;
	cut_at = -1;
	powered = true;
	rng_state = seed;
	int acked, tried;
	workload(seed, &acked, &tried);
	static uint8_t clean[sizeof(durable)];
	memcpy(clean, durable, sizeof(clean));
	int detected = 0, harmless = 0;
	for (int i = 0; i < 300; i++) {
		memcpy(durable, clean, sizeof(clean));
		size_t bit = rnd() % (sizeof(durable) * 8);
		durable[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memcpy(cache, durable, sizeof(cache));
		struct store_config cfg = {.max_commit = 8192};
		struct store_recovery rec;
		int err;
		struct store *s = store_open(&cfg, &rec, &err);
		if (!s) {
			detected++; /* both superblocks: refused, reported */
			continue;
		}
		int h = holds(s, &states[tried]);
		if (h < 0 || rec.bad_record || rec.bad_superblock)
			detected++;
		else if (h == 1)
			harmless++;
		else
			FAIL("seed %u flip of bit %zu: a wrong state served "
			     "without a report",
			     seed, bit);
		store_close(s);
	}
	printf("flips: 300 single-bit flips: %d detected, %d in dead "
	       "space\n",
	       detected, harmless);
}

/* Every bit of the last record of the log flipped in turn (an
 * acknowledged commit with nothing after it to give its damage away):
 * each flip must be reported, never taken for the end of the log. */
static void tail_test(void)
{
	reset_disk();
	writes = 0;
	cut_at = -1;
	powered = true;
	struct store_config cfg = {.format_if_blank = true, .max_commit = 8192};
	int err;
	struct store *s = store_open(&cfg, NULL, &err);
	static uint8_t v[100];
	struct store_stats st;
	uint64_t at = 0;
	for (int i = 0; s && i < 8; i++) {
		store_get_stats(s, &st);
		at = st.log_bytes;
		memset(v, i, sizeof(v));
		if (store_put(s, "k0", 2, v, sizeof(v)))
			FAIL("tail: put %d", i);
	}
	if (!s) {
		FAIL("tail: open: %d", err);
		return;
	}
	store_get_stats(s, &st);
	store_close(s);
	/* record of 32 bytes of header, one op of 10 + 2 + 100 */
	size_t len = 32 + 10 + 2 + sizeof(v);
	if (st.log_bytes - at != SECTOR) {
		FAIL("tail: last record of %llu bytes",
		     (unsigned long long)(st.log_bytes - at));
		return;
	}
	at += 2 * SECTOR; /* in half 0, after the superblocks */
	static uint8_t clean[sizeof(durable)];
	memcpy(clean, durable, sizeof(clean));
	int reported = 0, bad = 0;
	for (size_t bit = 0; bit < len * 8; bit++) {
		memcpy(durable, clean, sizeof(clean));
		durable[at + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memcpy(cache, durable, sizeof(cache));
		struct store_recovery rec;
		s = store_open(&cfg, &rec, &err);
		uint8_t got[sizeof(v)];
		long n = s ? store_get(s, "k0", 2, got, sizeof(got)) : -1;
		if (s && rec.bad_record)
			reported++;
		else if (bad++ < 3)
			FAIL("tail: flip of bit %zu of the last record: %s "
			     "(k0: %ld bytes, first %d)",
			     bit, s ? "not reported" : "open failed", n,
			     n > 0 ? got[0] : -1);
		store_close(s);
	}
	memcpy(durable, clean, sizeof(clean));
	if (!bad)
		printf("tail: %d single-bit flips in the last record's "
		       "checked bytes: all reported\n",
		       reported);
}

static void full_test(void)
{
	reset_disk();
	writes = 0;
	cut_at = -1;
	powered = true;
	struct store_config cfg = {.format_if_blank = true, .max_commit = 8192};
	int err;
	struct store *s = store_open(&cfg, NULL, &err);
	static uint8_t v[4000];
	int i, last = -1;
	for (i = 0; i < 1000; i++) {
		char key[16];
		int kl = snprintf(key, sizeof(key), "full%d", i);
		err = store_put(s, key, (size_t)kl, v, sizeof(v));
		if (err)
			break;
		last = i;
	}
	if (err != -STORE_ENOSPC)
		FAIL("full disk: error %d, not -STORE_ENOSPC", err);
	store_close(s);
	s = store_open(&cfg, NULL, &err);
	struct store_stats st;
	store_get_stats(s, &st);
	if (!s || (int)st.keys != last + 1)
		FAIL("full disk: %d keys after reopen, %d acknowledged",
		     s ? (int)st.keys : -1, last + 1);
	else
		printf("full: %d values of 4000 bytes acknowledged, then "
		       "-STORE_ENOSPC; all there after reopening\n",
		       last + 1);
	store_close(s);
}

int main(int argc, char **argv)
{
	unsigned seeds = argc > 1 ? (unsigned)atoi(argv[1]) : 3;
	for (unsigned sd = 1; sd <= seeds; sd++)
		cut_test(sd);
	printf("cuts: %ld power cuts, every acknowledged commit there, "
	       "%ld torn records reported\n",
	       cuts, torn_reports);
	flip_test(5);
	tail_test();
	full_test();
	if (failures) {
		printf("%d failures\n", failures);
		return 1;
	}
	printf("PASS: store simulation\n");
	return 0;
}
