/*
 * crashapp - lib/store under SIGKILL and power cuts. Boot arguments:
 *
 *   write [--group=G]   commit forever, flushing every G-th commit (1):
 *                       "ack N" once commits up to N are durable
 *   check --acked=N [--window=W] [--damaged]
 *                       after a cut: the store must hold exactly the
 *                       state after some commit in N..N+W (W: 1), every
 *                       value's checksum good. --damaged: a bit was
 *                       flipped; the damage may instead be reported
 *                       (store_open refuses, recovery reports a bad
 *                       record or superblock, a read fails its
 *                       checksum), then the state may be older, but a
 *                       wrong value is never served.
 *
 * Commit i puts key "seq" = i and 1-3 keys "kJ" (J from i) with values
 * made from (J, i), so the state after commit i can be recomputed.
 */
#include <kiln/rt.h>
#include <kiln/store.h>
#include <stdio.h>
#include <string.h>

#define KEYS 40

static size_t value_of(unsigned key, uint64_t ver, uint8_t *out)
{
	size_t len = (size_t)((key * 131 + ver * 17) % 3000);
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(key ^ ver * 7 ^ i);
	return len;
}

/* The keys commit i writes. */
static unsigned keys_of(uint64_t i, unsigned *k)
{
	unsigned n = 1 + (unsigned)(i % 3);
	for (unsigned j = 0; j < n; j++)
		k[j] = (unsigned)((i * 7 + j * 13) % KEYS);
	return n;
}

static int do_write(struct store *s, uint64_t group)
{
	static uint8_t vals[3][3000];
	char keys[3][8];
	uint64_t i = 0;
	long seqlen = store_get(s, "seq", 3, &i, sizeof(i));
	if (seqlen != (long)sizeof(i))
		i = 0;
	for (;;) {
		i++;
		struct store_batch *b = store_batch_new(s);
		unsigned k[3], n = keys_of(i, k);
		for (unsigned j = 0; j < n; j++) {
			int kl =
			        snprintf(keys[j], sizeof(keys[j]), "k%u", k[j]);
			size_t vl = value_of(k[j], i, vals[j]);
			store_batch_put(b, keys[j], (size_t)kl, vals[j], vl);
		}
		store_batch_put(b, "seq", 3, &i, sizeof(i));
		bool flush = i % group == 0;
		int err = store_batch_commit(b, flush);
		if (err) {
			kiln_printf("commit %llu: %s\n", (unsigned long long)i,
			            kiln_strerror(err));
			return 1;
		}
		if (flush)
			kiln_printf("ack %llu\n", (unsigned long long)i);
	}
}

static int do_check(struct store *s, uint64_t acked, uint64_t window,
                    bool damaged, bool reported)
{
	uint64_t seq = 0;
	long sl = store_get(s, "seq", 3, &seq, sizeof(seq));
	if (damaged && sl == -KILN_EIO) {
		kiln_puts("damage reported: seq fails its checksum");
		return 0;
	}
	if (sl == -KILN_ENOENT)
		seq = 0;
	else if (sl != (long)sizeof(seq)) {
		kiln_printf("BAD: seq: %ld\n", sl);
		return 1;
	}
	/* Commits after the last flush may or may not be there: the state
	 * is that of a commit from acked to acked + window; older only
	 * where damage was reported. */
	if ((seq < acked && !reported) || seq > acked + window) {
		kiln_printf("BAD: state of commit %llu, %llu acknowledged\n",
		            (unsigned long long)seq, (unsigned long long)acked);
		return 1;
	}
	/* Recompute the last writer of every key up to seq. */
	static uint64_t last[KEYS];
	memset(last, 0, sizeof(last));
	for (uint64_t i = 1; i <= seq; i++) {
		unsigned k[3], n = keys_of(i, k);
		for (unsigned j = 0; j < n; j++)
			last[k[j]] = i;
	}
	static uint8_t want[3000], got[3000];
	for (unsigned k = 0; k < KEYS; k++) {
		char key[8];
		int kl = snprintf(key, sizeof(key), "k%u", k);
		long n = store_get(s, key, (size_t)kl, got, sizeof(got));
		if (damaged && n == -KILN_EIO) {
			reported = true;
			continue;
		}
		if (!last[k]) {
			if (n != -KILN_ENOENT) {
				kiln_printf("BAD: k%u present (%ld)\n", k, n);
				return 1;
			}
			continue;
		}
		size_t wl = value_of(k, last[k], want);
		if (n != (long)wl || memcmp(got, want, wl)) {
			kiln_printf("BAD: k%u: %ld bytes, want %zu of commit "
			            "%llu\n",
			            k, n, wl, (unsigned long long)last[k]);
			return 1;
		}
	}
	if (reported)
		kiln_printf("damage reported: state %llu\n",
		            (unsigned long long)seq);
	else
		kiln_printf("state %llu ok\n", (unsigned long long)seq);
	return 0;
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t acked = 0, group = 1, window = 1;
	if (!kiln_arg_uint("--acked", 0, UINT64_MAX, &acked) ||
	    !kiln_arg_uint("--group", 1, 1000, &group) ||
	    !kiln_arg_uint("--window", 1, 1000, &window))
		return 2;
	bool damaged = kiln_arg_flag("--damaged");
	const char *mode = kiln_arg_word(0);
	kiln_args_check();
	if (!mode || (strcmp(mode, "write") && strcmp(mode, "check"))) {
		kiln_puts("usage: crashapp write|check [--acked=N]");
		return 2;
	}
	struct store_config cfg = {.format_if_blank = true,
	                           .max_commit = 65536};
	struct store_recovery rec;
	int err;
	bool check = strcmp(mode, "check") == 0;
	/* check opens the store as it is: a blank (or zeroed) device is
	 * not formatted there, so that it is noticed. */
	cfg.format_if_blank = !check || acked == 0;
	struct store *s = store_open(&cfg, &rec, &err);
	if (!s) {
		if (damaged && (err == -KILN_EIO || err == -KILN_EINVAL)) {
			kiln_printf("damage reported: open: %s\n",
			            kiln_strerror(err));
			return 0;
		}
		kiln_printf("store: %s\n", kiln_strerror(err));
		return 1;
	}
	kiln_printf(
	        "store: generation %llu, %llu commits, %llu keys%s%s\n",
	        (unsigned long long)rec.generation,
	        (unsigned long long)rec.commits, (unsigned long long)rec.keys,
	        rec.bad_record ? ", stopped at a torn or damaged record" : "",
	        rec.bad_superblock ? ", one superblock bad" : "");
	/* After a power cut alone a torn record at the tail is expected:
	 * only flipped bits excuse an older state. */
	int rc = check ? do_check(s, acked, window, damaged,
	                          damaged && (rec.bad_record ||
	                                      rec.bad_superblock))
	               : do_write(s, group);
	store_close(s);
	return rc;
}
