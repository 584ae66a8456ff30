/*
 * inject.h - the journal that tests/store/inject.c (an LD_PRELOAD shim
 * in front of a block file) keeps and tests/store/cut.c reads.
 *
 * The shim writes every pwrite to the block file through to it, after
 * journaling the range's old and new bytes; a flush (fdatasync) that
 * returns ends an epoch. Epoch e's records go to region e % 2, so after
 * a SIGKILL the journal holds the writes not yet flushed (the current
 * epoch) and those of the last flush (the previous one).
 *
 *   offset 0                  struct inj_header (one sector)
 *   INJ_REGION0 + r * region  records: struct inj_record, old, new
 *
 * A record's header is written after its old and new bytes and covers
 * them with its hash: a record cut short by the kill is not one.
 */
#ifndef KILN_TESTS_INJECT_H
#define KILN_TESTS_INJECT_H

#include <stddef.h>
#include <stdint.h>

#define INJ_MAGIC 0x4a4e494bu     /* "KINJ" */
#define INJ_REC_MAGIC 0x5243494bu /* "KICR" */
#define INJ_REGION0 4096u

enum {
	INJ_OPENED = 1,   /* the block file was opened through the shim */
	INJ_OVERFLOW = 2, /* an epoch outgrew its region: journal incomplete */
	INJ_UNMODELLED = 4, /* the file written or synced through a call
	                     * the shim does not journal (write, pwritev,
	                     * sync_file_range...): journal incomplete */
};

struct inj_header {
	uint32_t magic;
	uint32_t flags;
	uint64_t epoch;    /* flushes completed */
	uint64_t region;   /* bytes of each record region */
	uint64_t capacity; /* the block file's size when opened */
	uint64_t writes;   /* writes journaled in all */
	uint64_t flushes;
};

struct inj_record {
	uint32_t magic;
	uint32_t index; /* 0, 1, ... within the epoch */
	uint64_t epoch;
	uint64_t offset; /* in the block file */
	uint64_t len;
	uint64_t hash; /* FNV-1a 64 of the fields above, old and new */
};

static inline uint64_t inj_hash(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}
#define INJ_HASH_SEED 0xcbf29ce484222325ull

/* The hash of a record: its fields (hash zero), then old, then new. */
static inline uint64_t inj_record_hash_start(const struct inj_record *r)
{
	struct inj_record c = *r;
	c.hash = 0;
	return inj_hash(INJ_HASH_SEED, &c, sizeof(c));
}

#endif
