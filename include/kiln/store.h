/*
 * kiln/store.h - a crash-safe key-value store on a block device.
 *
 * The device holds two superblock slots and two halves. The active half
 * is a log of commits; each commit is one checksummed record (CRC-32C)
 * holding a batch of puts and deletes, chained to the previous commit's
 * checksum, so that a commit is applied whole or not at all. A commit is
 * durable once store_flush (or a commit with flush) returns 0, and is
 * never lost after that. Opening the store replays the log up to the
 * first record that is torn, flipped or stale, and reports where and why
 * it stopped: nothing after it is ever served. Compaction copies the live
 * records into the other half, flushes, and only then switches the
 * superblock (to the other slot, so a torn switch leaves the old one), so
 * a cut at any point leaves one complete state.
 *
 * Memory: an index entry per live key (its bytes and about 40 more), at
 * most max_keys keys and max_index_bytes in all; values stay on the disk
 * and are read, and their checksum checked, by store_get.
 */
#ifndef KILN_STORE_H
#define KILN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_KEY_MAX 255
#define STORE_VALUE_MAX (256 * 1024)

struct store;

/* "disk full": the live data and the commit do not fit in a half. */
#define STORE_ENOSPC 100

struct store_config {
	const char *device;     /* "blk0" when NULL */
	unsigned max_keys;      /* 65536 */
	size_t max_index_bytes; /* 16 MiB: keys and index entries */
	size_t max_commit;      /* bytes of one commit record: 1 MiB */
	bool format_if_blank;   /* format a device whose slots are zero */
};

/* What opening found. */
struct store_recovery {
	uint64_t generation; /* superblock generation in use */
	uint64_t commits;    /* commits replayed */
	uint64_t keys;       /* live keys after replay */
	uint64_t log_bytes;  /* bytes of the active half in use */
	bool formatted;      /* the device was blank and was formatted */
	bool bad_superblock; /* one slot failed its checksum (the other used) */
	/* Why the replay stopped: 0 end of log (a blank or stale record),
	 * or the first bad record's offset when it was torn or corrupt (a
	 * record header that claimed this commit but failed its checksum). */
	uint64_t bad_record_offset;
	bool bad_record;
};

/* Open (and recover) the store; NULL with *err a negated kiln_error:
 * -KILN_ENOENT no such device, -KILN_EIO a device error or both
 * superblocks bad, -KILN_EINVAL not a store (and not blank), -KILN_ENOMEM
 * the index does not fit its budget. */
struct store *store_open(const struct store_config *cfg,
                         struct store_recovery *rec, int *err);
void store_close(struct store *s);

/* A batch of operations committed atomically. The batch keeps pointers
 * to the keys and values given to it (no copies): they must stay
 * unchanged until store_batch_commit or store_batch_free. */
struct store_batch;
struct store_batch *store_batch_new(struct store *s);
int store_batch_put(struct store_batch *b, const void *key, size_t klen,
                    const void *val, size_t vlen);
int store_batch_delete(struct store_batch *b, const void *key, size_t klen);
/* Write the batch as one commit (and flush it when flush is true: then it
 * is durable on return 0). Frees the batch either way. Errors:
 * -KILN_ENOMEM (the index budget), -KILN_EMSGSIZE (over max_commit, or
 * a key or value too long), -STORE_ENOSPC (the disk is full even after
 * compaction), -KILN_EIO. Nothing of a failed commit is applied. */
int store_batch_commit(struct store_batch *b, bool flush);
void store_batch_free(struct store_batch *b);

/* One-operation commits, flushed. */
int store_put(struct store *s, const void *key, size_t klen, const void *val,
              size_t vlen);
int store_delete(struct store *s, const void *key, size_t klen);
/* Make every commit so far durable. */
int store_flush(struct store *s);

/* The value's length (copying at most cap bytes into buf), -KILN_ENOENT,
 * or -KILN_EIO when its checksum fails (never the bad bytes). */
long store_get(struct store *s, const void *key, size_t klen, void *buf,
               size_t cap);

/* Call fn for every live key (in no particular order); stops when fn
 * returns false. */
void store_iterate(struct store *s,
                   bool (*fn)(const void *key, size_t klen, size_t vlen,
                              void *arg),
                   void *arg);

/* Copy the live records to the other half and switch to it. */
int store_compact(struct store *s);

struct store_stats {
	uint64_t keys, index_bytes, log_bytes, half_bytes, live_bytes;
	uint64_t commits, flushes, compactions, checksum_failures;
};
void store_get_stats(const struct store *s, struct store_stats *st);

#endif /* KILN_STORE_H */
