/*
 * cut.c - a power cut, after the fact: the process that wrote a block
 * file through tests/store/inject.c was killed; turn the file into what
 * a disk with a volatile write cache could hold had the power gone then.
 *
 *   cut cut JOURNAL IMAGE SEED
 *     Undo every write not yet flushed (newest first), then replay them
 *     in order, each kept whole, torn (a random subset of its sectors,
 *     sometimes one sector cut inside) or dropped, at rates drawn from
 *     SEED. Prints what it did.
 *   cut flip JOURNAL IMAGE SEED
 *     Flip one bit: in the bytes of the last flush's writes (data the
 *     writer had acknowledged) or, every other seed, anywhere in IMAGE.
 *
 * Exit status 2 when the journal is unusable (an epoch outgrew its
 * region). A journal missing or left empty (the writer was killed before
 * the shim's constructor ran, or before it opened the block file) means
 * nothing was written: nothing to cut, and a flip goes anywhere. The
 * caller removes the journal before each run: a journal left by the run
 * before, cut again, would undo writes that the last cut settled.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "inject.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR 512u

static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct rec {
	uint64_t offset, len;
	uint8_t *old, *new_;
};

static void die(const char *msg)
{
	fprintf(stderr, "cut: %s\n", msg);
	exit(2);
}

static void get(int fd, void *buf, size_t n, uint64_t off)
{
	if (pread(fd, buf, n, (off_t)off) != (ssize_t)n)
		die("short read");
}

static void set(int fd, const void *buf, size_t n, uint64_t off)
{
	if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
		die("short write");
}

/* Epoch e's complete records, in order. */
static size_t load(int jfd, const struct inj_header *h, uint64_t e,
                   struct rec **out)
{
	struct stat st;
	if (fstat(jfd, &st) < 0)
		die("fstat");
	uint64_t at = INJ_REGION0 + (e % 2) * h->region, end = at + h->region;
	size_t n = 0, cap = 0;
	struct rec *v = NULL;
	for (;;) {
		struct inj_record r;
		if (at + sizeof(r) > end ||
		    at + sizeof(r) > (uint64_t)st.st_size)
			break;
		get(jfd, &r, sizeof(r), at);
		if (r.magic != INJ_REC_MAGIC || r.epoch != e || r.index != n ||
		    r.len > h->capacity || r.offset > h->capacity - r.len ||
		    at + sizeof(r) + 2 * r.len > (uint64_t)st.st_size)
			break;
		uint8_t *old = malloc(r.len ? r.len : 1);
		uint8_t *nw = malloc(r.len ? r.len : 1);
		if (!old || !nw)
			die("out of memory");
		get(jfd, old, r.len, at + sizeof(r));
		get(jfd, nw, r.len, at + sizeof(r) + r.len);
		uint64_t hs = inj_record_hash_start(&r);
		hs = inj_hash(hs, old, r.len);
		hs = inj_hash(hs, nw, r.len);
		if (hs != r.hash) {
			free(old);
			free(nw);
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("out of memory");
		}
		v[n++] = (struct rec){r.offset, r.len, old, nw};
		at += (sizeof(r) + 2 * r.len + 7) & ~(uint64_t)7;
	}
	*out = v;
	return n;
}

static int do_cut(int jfd, int ifd, const struct inj_header *h)
{
	struct rec *v;
	size_t n = load(jfd, h, h->epoch, &v);
	/* Rates for this cut: all kept, all dropped, or mixed. */
	static const unsigned keep_pct[] = {0, 100, 50, 25, 75, 90};
	unsigned keep = keep_pct[rnd() % 6], tear = rnd() % 2 ? 30 : 0;
	for (size_t i = n; i-- > 0;)
		set(ifd, v[i].old, v[i].len, v[i].offset);
	size_t kept = 0, torn = 0, dropped = 0, sectors = 0;
	for (size_t i = 0; i < n; i++) {
		struct rec *r = &v[i];
		uint64_t ns = (r->len + SECTOR - 1) / SECTOR;
		sectors += ns;
		unsigned x = (unsigned)(rnd() % 100);
		if (x < keep) {
			set(ifd, r->new_, r->len, r->offset);
			kept++;
		} else if (x < keep + (100 - keep) * tear / 100) {
			/* Torn: each sector reaches the platter or not; one
			 * of them may be cut inside. */
			uint64_t inside =
			        rnd() % 4 == 0 ? rnd() % ns : UINT64_MAX;
			for (uint64_t s = 0; s < ns; s++) {
				uint64_t o = s * SECTOR;
				size_t len = r->len - o < SECTOR ? r->len - o
				                                 : SECTOR;
				if (s == inside) {
					size_t part = 1 + rnd() % len;
					set(ifd, r->new_ + o, part,
					    r->offset + o);
				} else if (rnd() % 2) {
					set(ifd, r->new_ + o, len,
					    r->offset + o);
				}
			}
			torn++;
		} else {
			dropped++;
		}
	}
	printf("cut: %zu unflushed writes (%zu sectors): %zu kept, %zu torn, "
	       "%zu dropped\n",
	       n, sectors, kept, torn, dropped);
	for (size_t i = 0; i < n; i++) {
		free(v[i].old);
		free(v[i].new_);
	}
	free(v);
	return 0;
}

static int do_flip(int jfd, int ifd, const struct inj_header *h)
{
	struct rec *v = NULL;
	size_t n = h->epoch ? load(jfd, h, h->epoch - 1, &v) : 0;
	uint64_t byte;
	const char *where;
	if (n && rnd() % 2) {
		struct rec *r = &v[rnd() % n];
		byte = r->offset + rnd() % r->len;
		where = "in the last flush's writes";
	} else {
		byte = rnd() % h->capacity;
		where = "anywhere";
	}
	unsigned bit = (unsigned)(rnd() % 8);
	uint8_t b;
	get(ifd, &b, 1, byte);
	b ^= (uint8_t)(1u << bit);
	set(ifd, &b, 1, byte);
	printf("flip: byte %llu bit %u (%s)\n", (unsigned long long)byte, bit,
	       where);
	for (size_t i = 0; i < n; i++) {
		free(v[i].old);
		free(v[i].new_);
	}
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5 || (strcmp(argv[1], "cut") && strcmp(argv[1], "flip"))) {
		fprintf(stderr, "usage: cut cut|flip JOURNAL IMAGE SEED\n");
		return 2;
	}
	rng = strtoull(argv[4], NULL, 10) * 0x9e3779b97f4a7c15ull + 1;
	for (int i = 0; i < 8; i++)
		rnd();
	int jfd = open(argv[2], O_RDONLY);
	int ifd = open(argv[3], O_RDWR);
	if ((jfd < 0 && errno != ENOENT) || ifd < 0)
		die("cannot open the journal or the image");
	struct inj_header h;
	ssize_t got = jfd < 0 ? 0 : pread(jfd, &h, sizeof(h), 0);
	if (got == 0 || (got == (ssize_t)sizeof(h) && h.magic == INJ_MAGIC &&
	                 !(h.flags & INJ_OPENED))) {
		/* Killed before it opened the block file: it wrote nothing.
		 * (A shim that never sees the file shows as nothing ever
		 * dropped: tests/store/test-cut.sh fails on that.) */
		if (strcmp(argv[1], "cut") == 0) {
			printf("cut: 0 unflushed writes (0 sectors): 0 kept, 0 "
			       "torn, 0 dropped\n");
			return 0;
		}
		struct stat st;
		if (fstat(ifd, &st) < 0 || st.st_size <= 0)
			die("cannot size the image");
		memset(&h, 0, sizeof(h));
		h.capacity = (uint64_t)st.st_size;
		return do_flip(-1, ifd, &h);
	}
	if (got != (ssize_t)sizeof(h) || h.magic != INJ_MAGIC)
		die("not a journal");
	if (h.flags & INJ_OVERFLOW)
		die("an epoch outgrew the journal: writes were not journaled");
	if (h.flags & INJ_UNMODELLED)
		die("the block file was written or synced through a call the "
		    "shim does not journal");
	struct stat st;
	if (fstat(ifd, &st) < 0 || (uint64_t)st.st_size != h.capacity)
		die("the image's size is not the one the shim saw");
	int rc = strcmp(argv[1], "cut") == 0 ? do_cut(jfd, ifd, &h)
	                                     : do_flip(jfd, ifd, &h);
	close(ifd);
	if (jfd >= 0)
		close(jfd);
	return rc;
}
