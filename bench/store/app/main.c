/*
 * storebench - lib/store's figures. Boot arguments:
 *   commits --n=N   N commits of one 100-byte put, each flushed; then N
 *                   commits of 64 such puts each flushed; then N single
 *                   puts unflushed and one flush at the end
 *   fill --mb=M     M MiB of 16 KiB values in 1 MiB commits (flushed),
 *                   then keeps rewriting them until killed
 *   open            open (recover) and report how long it took
 */
#include <kiln/rt.h>
#include <kiln/store.h>
#include <stdio.h>
#include <string.h>

/* Milliseconds (the freestanding printf has no %f). */
static unsigned long long ms(kiln_time t)
{
	return (unsigned long long)(t / 1000000);
}

static void rate(const char *what, uint64_t n, kiln_time t)
{
	if (t <= 0)
		t = 1;
	kiln_printf("%s: %llu commits in %llu ms: %llu commits/s\n", what,
	            (unsigned long long)n, ms(t),
	            (unsigned long long)(n * 1000000000ull / (uint64_t)t));
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t n = 2000, mb = 1024, rounds = 0;
	if (!kiln_arg_uint("--n", 1, 10000000, &n) ||
	    !kiln_arg_uint("--mb", 1, 100000, &mb) ||
	    !kiln_arg_uint("--rounds", 0, 1000000, &rounds))
		return 2;
	const char *mode = kiln_arg_word(0);
	kiln_args_check();
	if (!mode)
		return 2;
	struct store_config cfg = {.format_if_blank = true,
	                           .max_keys = 1u << 20,
	                           .max_index_bytes = 128u << 20};
	struct store_recovery rec;
	int err;
	kiln_time t0 = kiln_now();
	struct store *s = store_open(&cfg, &rec, &err);
	kiln_time topen = kiln_now() - t0;
	if (!s) {
		kiln_printf("open: %s\n", kiln_strerror(err));
		return 1;
	}
	kiln_printf("open: %llu ms: %llu commits replayed, %llu keys, %llu MiB "
	            "of log%s\n",
	            ms(topen), (unsigned long long)rec.commits,
	            (unsigned long long)rec.keys,
	            (unsigned long long)(rec.log_bytes >> 20),
	            rec.bad_record ? ", stopped at a torn record" : "");
	static uint8_t v[16384];
	memset(v, 0xAB, sizeof(v));
	/* A batch points at its keys until commit: one buffer each. */
	static char keys[64][32];
	char *key = keys[0];
	if (strcmp(mode, "commits") == 0) {
		t0 = kiln_now();
		for (uint64_t i = 0; i < n; i++) {
			int kl = snprintf(key, sizeof(keys[0]), "c%llu",
			                  (unsigned long long)(i % 1000));
			if ((err = store_put(s, key, (size_t)kl, v, 100)))
				break;
		}
		rate("flush per commit (1 put)", n, kiln_now() - t0);
		t0 = kiln_now();
		for (uint64_t i = 0; i < n && !err; i++) {
			struct store_batch *b = store_batch_new(s);
			for (int j = 0; j < 64; j++) {
				int kl = snprintf(keys[j], sizeof(keys[j]),
				                  "b%d", j);
				store_batch_put(b, keys[j], (size_t)kl, v, 100);
			}
			err = store_batch_commit(b, true);
		}
		rate("flush per commit (64 puts)", n, kiln_now() - t0);
		t0 = kiln_now();
		for (uint64_t i = 0; i < n && !err; i++) {
			struct store_batch *b = store_batch_new(s);
			int kl = snprintf(key, sizeof(keys[0]), "u%llu",
			                  (unsigned long long)(i % 1000));
			store_batch_put(b, key, (size_t)kl, v, 100);
			err = store_batch_commit(b, false);
		}
		if (!err)
			err = store_flush(s);
		rate("unflushed, one flush at the end", n, kiln_now() - t0);
	} else if (strcmp(mode, "fill") == 0) {
		uint64_t nkeys = mb * 64; /* 16 KiB each */
		t0 = kiln_now();
		for (uint64_t round = 0; !err && (!rounds || round < rounds);
		     round++) {
			for (uint64_t i = 0; i < nkeys && !err;) {
				struct store_batch *b = store_batch_new(s);
				for (int j = 0; j < 60 && i < nkeys; j++, i++) {
					int kl = snprintf(
					        keys[j], sizeof(keys[j]),
					        "f%llu", (unsigned long long)i);
					store_batch_put(b, keys[j], (size_t)kl,
					                v, sizeof(v));
				}
				err = store_batch_commit(b, true);
			}
			if (round == 0 && !err)
				kiln_printf("filled: %llu MiB in %llu ms\n",
				            (unsigned long long)mb,
				            ms(kiln_now() - t0));
		}
		kiln_printf("fill: %s\n", kiln_strerror(err));
	}
	if (err)
		kiln_printf("error: %s\n", err == -STORE_ENOSPC
		                                   ? "disk full"
		                                   : kiln_strerror(err));
	store_close(s);
	return err ? 1 : 0;
}
