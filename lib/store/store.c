/*
 * lib/store/store.c - the store: opening and recovery, commits, reads,
 * compaction. Layout and formats: store_int.h.
 */
#include "index.h"
#include <kiln/platform.h>
#include <kiln/rt.h>
#include <kiln/view.h>
#include <stdlib.h>
#include <string.h>

struct store {
	platform_handle dev;
	uint32_t sector;
	uint64_t half_bytes;
	struct store_config cfg;
	/* the superblock in use */
	uint64_t gen, base_seq;
	uint32_t half, seed;
	/* the log: next record's offset (within the half), seq, chain */
	uint64_t tail, next_seq;
	uint32_t last_crc, nonce;
	uint64_t live_bytes; /* bytes live values and keys would take */
	struct index ix;
	uint8_t *buf; /* max_commit bytes, for records */
	struct store_stats st;
	bool dirty; /* commits written since the last flush */
};

struct op {
	uint8_t kind, klen;
	uint32_t vlen;
	const uint8_t *key, *val;
};

struct store_batch {
	struct store *s;
	struct op *ops;
	unsigned n, cap;
	size_t bytes;
	bool failed;
};

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t half_base(const struct store *s, uint32_t half)
{
	return 2ull * s->sector + half * s->half_bytes;
}

static uint64_t round_up(const struct store *s, uint64_t n)
{
	return (n + s->sector - 1) / s->sector * s->sector;
}

static int dev_read(struct store *s, uint64_t off, void *buf, size_t n)
{
	return platform_block_read(s->dev, off, buf, n) == PLATFORM_OK
	               ? 0
	               : -KILN_EIO;
}

static int dev_write(struct store *s, uint64_t off, const void *buf, size_t n)
{
	return platform_block_write(s->dev, off, buf, n) == PLATFORM_OK
	               ? 0
	               : -KILN_EIO;
}

int store_flush(struct store *s)
{
	if (!s->dirty)
		return 0;
	if (platform_block_flush(s->dev) != PLATFORM_OK)
		return -KILN_EIO;
	s->dirty = false;
	s->st.flushes++;
	return 0;
}

/* ---------------------------------------------------------- superblock */

struct sb {
	uint64_t gen, half_bytes, base_seq;
	uint32_t half, sector, seed;
};

/* Parse slot bytes: 1 valid, 0 blank (all zero), -1 bad. */
static int sb_parse(const uint8_t *p, size_t n, struct sb *sb)
{
	struct kiln_view v = kiln_view_make(p, n);
	uint32_t magic = 0, crc = 0;
	kiln_view_u32_le(&v, &magic);
	kiln_view_u32_le(&v, &crc);
	if (magic == 0) {
		for (size_t i = 0; i < n; i++)
			if (p[i])
				return -1;
		return 0;
	}
	if (magic != SB_MAGIC || crc != store_crc32c(0, p + 8, SB_LEN - 8))
		return -1;
	kiln_view_u64_le(&v, &sb->gen);
	kiln_view_u32_le(&v, &sb->half);
	kiln_view_u32_le(&v, &sb->sector);
	kiln_view_u64_le(&v, &sb->half_bytes);
	kiln_view_u64_le(&v, &sb->base_seq);
	kiln_view_u32_le(&v, &sb->seed);
	return (v.bad || sb->half > 1) ? -1 : 1;
}

/* Write generation gen's superblock to its slot and flush. */
static int sb_write(struct store *s, uint64_t gen, uint32_t half,
                    uint64_t base_seq, uint32_t seed)
{
	uint8_t *p = s->buf;
	memset(p, 0, s->sector);
	put_le32(p, SB_MAGIC);
	put_le64(p + 8, gen);
	put_le32(p + 16, half);
	put_le32(p + 20, s->sector);
	put_le64(p + 24, s->half_bytes);
	put_le64(p + 32, base_seq);
	put_le32(p + 40, seed);
	put_le32(p + 4, store_crc32c(0, p + 8, SB_LEN - 8));
	int err = dev_write(s, (gen % 2) * s->sector, p, s->sector);
	s->dirty = true;
	if (!err)
		err = store_flush(s);
	return err;
}

/* -------------------------------------------------------------- records */

/* Lay out a record of ops at s->buf; returns its padded size. */
static size_t rec_build(struct store *s, uint64_t seq, const struct op *ops,
                        unsigned n)
{
	uint8_t *p = s->buf;
	size_t o = REC_HDR;
	for (unsigned i = 0; i < n; i++) {
		p[o] = ops[i].kind;
		p[o + 1] = ops[i].klen;
		put_le32(p + o + 2, ops[i].vlen);
		put_le32(p + o + 6, store_crc32c(0, ops[i].val, ops[i].vlen));
		memcpy(p + o + OP_HDR, ops[i].key, ops[i].klen);
		if (ops[i].vlen)
			memcpy(p + o + OP_HDR + ops[i].klen, ops[i].val,
			       ops[i].vlen);
		o += OP_HDR + ops[i].klen + ops[i].vlen;
	}
	size_t total = round_up(s, o);
	memset(p + o, 0, total - o);
	put_le32(p, REC_MAGIC);
	put_le64(p + 8, seq);
	put_le32(p + 16, s->last_crc);
	put_le32(p + 20, s->nonce);
	put_le32(p + 24, (uint32_t)(o - REC_HDR));
	put_le32(p + 28, n);
	put_le32(p + 4, store_crc32c(0, p + 8, o - 8));
	return total;
}

/* Apply a record's ops (already checked) to the index; at is the
 * record's device offset. -KILN_ENOMEM when the index is full. */
static int apply(struct store *s, const uint8_t *p, size_t plen, unsigned n,
                 uint64_t at)
{
	struct kiln_view v = kiln_view_make(p, plen);
	for (unsigned i = 0; i < n; i++) {
		uint8_t kind = 0, klen = 0;
		uint32_t vlen = 0, vcrc = 0;
		kiln_view_u8(&v, &kind);
		kiln_view_u8(&v, &klen);
		kiln_view_u32_le(&v, &vlen);
		kiln_view_u32_le(&v, &vcrc);
		const uint8_t *key = v.p;
		if (!kiln_view_skip(&v, klen))
			return -KILN_EINVAL;
		uint64_t voff = at + REC_HDR + (uint64_t)(v.p - p);
		if (!kiln_view_skip(&v, vlen))
			return -KILN_EINVAL;
		struct entry *old = index_find(&s->ix, key, klen);
		if (old)
			s->live_bytes -= OP_HDR + old->klen + old->vlen;
		if (kind == OP_PUT) {
			if (index_put(&s->ix, key, klen, vlen, vcrc, voff))
				return -KILN_ENOMEM;
			s->live_bytes += OP_HDR + klen + vlen;
		} else {
			index_del(&s->ix, key, klen);
		}
	}
	return 0;
}

/* Is the record in buf (len bytes read) the one expected next? Its ops
 * are checked for shape too. 1 yes, 0 end of log (no record, or another
 * generation's), -1 a record of this log that is torn or flipped. */
static int rec_check(struct store *s, const uint8_t *p, size_t have,
                     uint64_t room, size_t *total)
{
	struct kiln_view v = kiln_view_make(p, have);
	uint32_t magic = 0, crc = 0, prev = 0, nonce = 0, plen = 0, nops = 0;
	uint64_t seq = 0;
	kiln_view_u32_le(&v, &magic);
	kiln_view_u32_le(&v, &crc);
	kiln_view_u64_le(&v, &seq);
	kiln_view_u32_le(&v, &prev);
	kiln_view_u32_le(&v, &nonce);
	kiln_view_u32_le(&v, &plen);
	kiln_view_u32_le(&v, &nops);
	(void)nonce;
	if (v.bad)
		return 0;
	if (magic != REC_MAGIC)
		/* No record - unless the sequence number and the chain both
		 * still say it is our next one: its magic was flipped (the
		 * last record of the log has no successor to give it away). */
		return seq == s->next_seq && prev == s->last_crc ? -1 : 0;
	if (seq != s->next_seq || prev != s->last_crc) {
		/* A record of another generation or session (end of log) -
		 * unless one of the two fields still matches and the
		 * checksum fails: one bit flipped in this log's next record. */
		if (seq != s->next_seq && prev != s->last_crc)
			return 0;
		if (plen > s->cfg.max_commit - REC_HDR ||
		    round_up(s, REC_HDR + (uint64_t)plen) > room)
			return -1;
		*total = round_up(s, REC_HDR + (uint64_t)plen);
		if (*total > have)
			return 2; /* read the rest, then ask again */
		return crc != store_crc32c(0, p + 8, REC_HDR - 8 + plen) ? -1
		                                                         : 0;
	}
	/* It claims to be our next commit: from here a failure is damage
	 * (a torn write or a flipped bit), not the end of the log. */
	if (plen > s->cfg.max_commit - REC_HDR ||
	    round_up(s, REC_HDR + (uint64_t)plen) > room)
		return -1;
	*total = round_up(s, REC_HDR + (uint64_t)plen);
	if (*total > have)
		return 2; /* read the rest, then ask again */
	if (crc != store_crc32c(0, p + 8, REC_HDR - 8 + plen))
		return -1;
	/* the ops must tile the payload exactly */
	struct kiln_view o = kiln_view_make(p + REC_HDR, plen);
	for (uint32_t i = 0; i < nops; i++) {
		uint8_t kind = 0, klen = 0;
		uint32_t vlen = 0, vcrc = 0;
		kiln_view_u8(&o, &kind);
		kiln_view_u8(&o, &klen);
		kiln_view_u32_le(&o, &vlen);
		kiln_view_u32_le(&o, &vcrc);
		if ((kind != OP_PUT && kind != OP_DEL) ||
		    !kiln_view_skip(&o, klen) || !kiln_view_skip(&o, vlen))
			return -1;
	}
	return (o.bad || o.len) ? -1 : 1;
}

/* Is there, within one commit's length after the tail, a good record
 * with the sequence number after the expected one? Then the record at
 * the tail was ours and is damaged (its magic flipped, say). */
static bool later_record(struct store *s, uint64_t base, uint64_t room)
{
	uint8_t *p = s->buf + s->cfg.max_commit - s->sector;
	for (uint64_t o = s->sector; o < s->cfg.max_commit && o < room;
	     o += s->sector) {
		if (dev_read(s, base + s->tail + o, p, s->sector))
			return false;
		struct kiln_view v = kiln_view_make(p, s->sector);
		uint32_t magic = 0, crc = 0, prev = 0, nonce = 0, plen = 0;
		uint64_t seq = 0;
		kiln_view_u32_le(&v, &magic);
		kiln_view_u32_le(&v, &crc);
		kiln_view_u64_le(&v, &seq);
		kiln_view_u32_le(&v, &prev);
		kiln_view_u32_le(&v, &nonce);
		kiln_view_u32_le(&v, &plen);
		(void)prev;
		(void)nonce;
		if (magic != REC_MAGIC || seq != s->next_seq + 1 ||
		    REC_HDR + (uint64_t)plen > s->sector)
			continue;
		if (crc == store_crc32c(0, p + 8, REC_HDR - 8 + plen))
			return true;
	}
	return false;
}

/* Replay the active half. */
static int replay(struct store *s, struct store_recovery *rec)
{
	uint64_t base = half_base(s, s->half);
	s->tail = 0;
	s->next_seq = s->base_seq;
	s->last_crc = s->seed;
	for (;;) {
		uint64_t room = s->half_bytes - s->tail;
		if (room < s->sector)
			break;
		size_t have = s->sector;
		if (dev_read(s, base + s->tail, s->buf, have))
			return -KILN_EIO;
		size_t total = 0;
		int r = rec_check(s, s->buf, have, room, &total);
		if (r == 2) {
			if (dev_read(s, base + s->tail + have, s->buf + have,
			             total - have))
				return -KILN_EIO;
			r = rec_check(s, s->buf, total, room, &total);
		}
		if (r == 0 && later_record(s, base, room))
			r = -1; /* this one is damaged: the next is there */
		if (r <= 0) {
			if (r < 0) {
				rec->bad_record = true;
				rec->bad_record_offset = base + s->tail;
				s->st.checksum_failures++;
			}
			break;
		}
		uint32_t plen = get_le32(s->buf + 24);
		uint32_t nops = get_le32(s->buf + 28);
		int err =
		        apply(s, s->buf + REC_HDR, plen, nops, base + s->tail);
		if (err)
			return err;
		s->last_crc = get_le32(s->buf + 4);
		s->next_seq++;
		s->tail += total;
		rec->commits++;
	}
	return 0;
}

struct store *store_open(const struct store_config *cfg,
                         struct store_recovery *rec, int *err)
{
	struct store_recovery dummy;
	if (!rec)
		rec = &dummy;
	memset(rec, 0, sizeof(*rec));
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -KILN_ENOMEM;
		return NULL;
	}
	s->cfg = *cfg;
	if (!s->cfg.device)
		s->cfg.device = "blk0";
	if (!s->cfg.max_keys)
		s->cfg.max_keys = 65536;
	if (!s->cfg.max_index_bytes)
		s->cfg.max_index_bytes = 16u << 20;
	if (!s->cfg.max_commit)
		s->cfg.max_commit = 1u << 20;
	struct platform_block_info info;
	enum platform_result pr =
	        platform_block_acquire(s->cfg.device, &s->dev, &info);
	if (pr != PLATFORM_OK) {
		*err = pr == PLATFORM_ENOENT ? -KILN_ENOENT : -KILN_EIO;
		free(s);
		return NULL;
	}
	s->sector = info.sector_size;
	s->half_bytes = (info.capacity / s->sector - 2) / 2 * s->sector;
	s->cfg.max_commit = round_up(s, s->cfg.max_commit);
	if (info.capacity < 8ull * s->sector ||
	    s->cfg.max_commit < 4u * s->sector) {
		*err = -KILN_EINVAL;
		free(s);
		return NULL;
	}
	s->buf = malloc(s->cfg.max_commit);
	if (!s->buf ||
	    !index_init(&s->ix, s->cfg.max_keys, s->cfg.max_index_bytes)) {
		*err = -KILN_ENOMEM;
		goto fail;
	}
	/* The newest valid superblock. */
	struct sb sb[2];
	int r[2];
	for (int i = 0; i < 2; i++) {
		if (dev_read(s, (uint64_t)i * s->sector, s->buf, s->sector)) {
			*err = -KILN_EIO;
			goto fail;
		}
		r[i] = sb_parse(s->buf, s->sector, &sb[i]);
		if (r[i] == 1 && (sb[i].sector != s->sector ||
		                  sb[i].half_bytes != s->half_bytes ||
		                  sb[i].gen % 2 != (uint64_t)i))
			r[i] = -1;
	}
	int pick = -1;
	for (int i = 0; i < 2; i++)
		if (r[i] == 1 && (pick < 0 || sb[i].gen > sb[pick].gen))
			pick = i;
	rec->bad_superblock = r[0] < 0 || r[1] < 0;
	/* entropy for this session's nonce: it keeps a record written now
	 * from chaining onto a stale one left beyond the tail */
	uint32_t nonce = 0;
	if (platform_entropy(&nonce, sizeof(nonce)) != PLATFORM_OK)
		nonce = 0;
	nonce ^= (uint32_t)platform_clock_monotonic();
	if (pick < 0) {
		if (r[0] == 0 && r[1] == 0 && s->cfg.format_if_blank) {
			s->nonce = nonce;
			if ((*err = sb_write(s, 1, 0, 1, nonce)))
				goto fail;
			rec->formatted = true;
			sb[1].gen = 1;
			sb[1].half = 0;
			sb[1].base_seq = 1;
			sb[1].seed = nonce;
			pick = 1;
		} else {
			*err = (r[0] == 0 && r[1] == 0) ? -KILN_EINVAL
			                                : -KILN_EIO;
			goto fail;
		}
	}
	s->gen = sb[pick].gen;
	s->half = sb[pick].half;
	s->base_seq = sb[pick].base_seq;
	s->seed = sb[pick].seed;
	if ((*err = replay(s, rec)))
		goto fail;
	s->nonce = nonce ^ (uint32_t)s->next_seq ^ s->last_crc;
	rec->generation = s->gen;
	rec->keys = s->ix.count;
	rec->log_bytes = s->tail;
	*err = 0;
	return s;
fail:
	index_free(&s->ix);
	free(s->buf);
	free(s);
	return NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	store_flush(s);
	index_free(&s->ix);
	free(s->buf);
	free(s);
}

/* ------------------------------------------------------------ compaction */

int store_compact(struct store *s)
{
	uint32_t to = s->half ^ 1;
	uint64_t base = half_base(s, to), off = 0;
	uint64_t seq = s->next_seq, first_seq = s->next_seq;
	uint32_t seed = s->nonce ^ (uint32_t)s->gen;
	uint32_t saved_crc = s->last_crc;
	size_t cap = s->ix.cap;
	/* New value offsets, applied only once the switch is durable. */
	uint64_t *newoff = malloc(cap * sizeof(*newoff));
	size_t valcap = STORE_VALUE_MAX + 2 * (size_t)s->sector;
	uint8_t *val = malloc(valcap);
	struct op *ops = malloc(sizeof(*ops) * 256);
	size_t *slot = malloc(sizeof(*slot) * 256);
	int err = 0;
	if (!newoff || !val || !ops || !slot) {
		err = -KILN_ENOMEM;
		goto out;
	}
	s->last_crc = seed;
	/* Values are read one at a time into val and copied into the
	 * record being built, so a record holds whole ops only. */
	uint8_t *vals = malloc(s->cfg.max_commit);
	if (!vals) {
		err = -KILN_ENOMEM;
		goto out;
	}
	size_t i = 0;
	while (i < cap) {
		unsigned n = 0;
		size_t bytes = REC_HDR, vo = 0;
		for (; i < cap && n < 256; i++) {
			struct entry *e = index_at(&s->ix, i);
			if (!e)
				continue;
			size_t need = OP_HDR + e->klen + e->vlen;
			if (bytes + need > s->cfg.max_commit)
				break;
			uint64_t a = e->voff / s->sector * s->sector;
			size_t span = round_up(s, e->voff - a + e->vlen);
			if (span > valcap) {
				err = -KILN_EIO;
				break;
			}
			if (span && (err = dev_read(s, a, val, span)))
				break;
			const uint8_t *v = val + (e->voff - a);
			if (store_crc32c(0, v, e->vlen) != e->vcrc) {
				s->st.checksum_failures++;
				err = -KILN_EIO; /* never copy damaged data */
				break;
			}
			memcpy(vals + vo, v, e->vlen);
			ops[n].kind = OP_PUT;
			ops[n].klen = e->klen;
			ops[n].vlen = e->vlen;
			ops[n].key = e->key;
			ops[n].val = vals + vo;
			slot[n] = i;
			vo += e->vlen;
			bytes += need;
			n++;
		}
		if (err)
			goto out_vals;
		if (!n) {
			if (i < cap)
				err = -KILN_EMSGSIZE; /* cannot happen */
			if (err)
				goto out_vals;
			break;
		}
		size_t total = rec_build(s, seq, ops, n);
		if (off + total > s->half_bytes) {
			err = -STORE_ENOSPC;
			goto out_vals;
		}
		if ((err = dev_write(s, base + off, s->buf, total)))
			goto out_vals;
		size_t o = REC_HDR;
		for (unsigned k = 0; k < n; k++) {
			newoff[slot[k]] = base + off + o + OP_HDR + ops[k].klen;
			o += OP_HDR + ops[k].klen + ops[k].vlen;
		}
		s->last_crc = get_le32(s->buf + 4);
		seq++;
		off += total;
	}
	/* The new half is complete: make it durable, then switch. */
	s->dirty = true;
	if ((err = store_flush(s)) ||
	    (err = sb_write(s, s->gen + 1, to, first_seq, seed)))
		goto out_vals;
	s->gen++;
	s->half = to;
	s->base_seq = first_seq;
	s->seed = seed;
	s->next_seq = seq;
	s->tail = off;
	for (size_t k = 0; k < cap; k++) {
		struct entry *e = index_at(&s->ix, k);
		if (e)
			e->voff = newoff[k];
	}
	s->st.compactions++;
out_vals:
	free(vals);
out:
	if (err)
		s->last_crc = saved_crc;
	free(newoff);
	free(val);
	free(ops);
	free(slot);
	return err;
}

/* --------------------------------------------------------------- commits */

struct store_batch *store_batch_new(struct store *s)
{
	struct store_batch *b = calloc(1, sizeof(*b));
	if (b) {
		b->s = s;
		b->bytes = REC_HDR;
	}
	return b;
}

static int batch_add(struct store_batch *b, uint8_t kind, const void *key,
                     size_t klen, const void *val, size_t vlen)
{
	if (b->failed)
		return -KILN_EINVAL;
	if (klen > STORE_KEY_MAX || vlen > STORE_VALUE_MAX ||
	    b->bytes + OP_HDR + klen + vlen > b->s->cfg.max_commit) {
		b->failed = true;
		return -KILN_EMSGSIZE;
	}
	if (b->n == b->cap) {
		unsigned cap = b->cap ? b->cap * 2 : 8;
		struct op *o = realloc(b->ops, cap * sizeof(*o));
		if (!o) {
			b->failed = true;
			return -KILN_ENOMEM;
		}
		b->ops = o;
		b->cap = cap;
	}
	/* The batch points at the caller's bytes until commit. */
	struct op *o = &b->ops[b->n++];
	o->kind = kind;
	o->klen = (uint8_t)klen;
	o->vlen = (uint32_t)vlen;
	o->key = key;
	o->val = val;
	b->bytes += OP_HDR + klen + vlen;
	return 0;
}

int store_batch_put(struct store_batch *b, const void *key, size_t klen,
                    const void *val, size_t vlen)
{
	return batch_add(b, OP_PUT, key, klen, val, vlen);
}

int store_batch_delete(struct store_batch *b, const void *key, size_t klen)
{
	return batch_add(b, OP_DEL, key, klen, NULL, 0);
}

void store_batch_free(struct store_batch *b)
{
	if (b) {
		free(b->ops);
		free(b);
	}
}

int store_batch_commit(struct store_batch *b, bool flush)
{
	struct store *s = b->s;
	int err = b->failed ? -KILN_EINVAL : 0;
	if (err || !b->n)
		goto out;
	/* Room in the index for the new keys (counted generously). */
	size_t newkeys = 0, kbytes = 0;
	for (unsigned i = 0; i < b->n; i++)
		if (b->ops[i].kind == OP_PUT) {
			newkeys++;
			kbytes += b->ops[i].klen;
		}
	if (!index_room(&s->ix, newkeys, kbytes)) {
		err = -KILN_ENOMEM;
		goto out;
	}
	size_t total = round_up(s, b->bytes);
	if (s->tail + total > s->half_bytes) {
		/* Full: compact (which fails with -STORE_ENOSPC, leaving this
		 * half as it was, when the live data does not fit either). */
		if (s->live_bytes + b->bytes > s->half_bytes) {
			err = -STORE_ENOSPC;
			goto out;
		}
		if ((err = store_compact(s)))
			goto out;
		if (s->tail + total > s->half_bytes) {
			err = -STORE_ENOSPC;
			goto out;
		}
	}
	total = rec_build(s, s->next_seq, b->ops, b->n);
	uint64_t at = half_base(s, s->half) + s->tail;
	if ((err = dev_write(s, at, s->buf, total)))
		goto out;
	s->dirty = true;
	if ((err = apply(s, s->buf + REC_HDR, b->bytes - REC_HDR, b->n, at)))
		goto out; /* cannot happen: room was checked */
	s->last_crc = get_le32(s->buf + 4);
	s->next_seq++;
	s->tail += total;
	s->st.commits++;
	if (flush)
		err = store_flush(s);
out:
	store_batch_free(b);
	return err;
}

int store_put(struct store *s, const void *key, size_t klen, const void *val,
              size_t vlen)
{
	struct store_batch *b = store_batch_new(s);
	if (!b)
		return -KILN_ENOMEM;
	int err = store_batch_put(b, key, klen, val, vlen);
	if (err) {
		store_batch_free(b);
		return err;
	}
	return store_batch_commit(b, true);
}

int store_delete(struct store *s, const void *key, size_t klen)
{
	struct store_batch *b = store_batch_new(s);
	if (!b)
		return -KILN_ENOMEM;
	int err = store_batch_delete(b, key, klen);
	if (err) {
		store_batch_free(b);
		return err;
	}
	return store_batch_commit(b, true);
}

/* ----------------------------------------------------------------- reads */

long store_get(struct store *s, const void *key, size_t klen, void *buf,
               size_t cap)
{
	struct entry *e = index_find(&s->ix, key, klen);
	if (!e)
		return -KILN_ENOENT;
	uint64_t a = e->voff / s->sector * s->sector;
	size_t span = round_up(s, e->voff - a + e->vlen);
	uint8_t *tmp = malloc(span ? span : s->sector);
	if (!tmp)
		return -KILN_ENOMEM;
	long r = e->vlen;
	if (span && dev_read(s, a, tmp, span))
		r = -KILN_EIO;
	else if (store_crc32c(0, tmp + (e->voff - a), e->vlen) != e->vcrc) {
		s->st.checksum_failures++;
		r = -KILN_EIO;
	} else {
		memcpy(buf, tmp + (e->voff - a), e->vlen < cap ? e->vlen : cap);
	}
	free(tmp);
	return r;
}

void store_iterate(struct store *s,
                   bool (*fn)(const void *key, size_t klen, size_t vlen,
                              void *arg),
                   void *arg)
{
	for (size_t i = 0; i < s->ix.cap; i++) {
		struct entry *e = index_at(&s->ix, i);
		if (e && !fn(e->key, e->klen, e->vlen, arg))
			return;
	}
}

void store_get_stats(const struct store *s, struct store_stats *st)
{
	*st = s->st;
	st->keys = s->ix.count;
	st->index_bytes = s->ix.bytes;
	st->log_bytes = s->tail;
	st->half_bytes = s->half_bytes;
	st->live_bytes = s->live_bytes;
}
