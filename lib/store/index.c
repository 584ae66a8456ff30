/*
 * lib/store/index.c - the in-memory index: key -> value location, an
 * open-addressed hash table with tombstones, bounded by the store's
 * configured key count and bytes.
 */
#include "index.h"
#include <stdlib.h>
#include <string.h>

static uint8_t tomb_byte;
#define TOMB (&tomb_byte)

static uint32_t hash(const void *k, size_t n)
{
	const uint8_t *p = k;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

bool index_init(struct index *ix, unsigned max_keys, size_t max_bytes)
{
	size_t cap = 16;
	while (cap < (size_t)max_keys * 2)
		cap *= 2;
	ix->slots = calloc(cap, sizeof(*ix->slots));
	ix->cap = cap;
	ix->count = ix->used = 0;
	ix->bytes = cap * sizeof(*ix->slots);
	ix->max_keys = max_keys;
	ix->max_bytes = max_bytes;
	return ix->slots != NULL && ix->bytes <= max_bytes;
}

void index_free(struct index *ix)
{
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slots[i].key && ix->slots[i].key != TOMB)
			free(ix->slots[i].key);
	free(ix->slots);
	ix->slots = NULL;
}

struct entry *index_find(struct index *ix, const void *key, size_t klen)
{
	size_t m = ix->cap - 1;
	for (size_t i = hash(key, klen) & m, n = 0; n < ix->cap;
	     i = (i + 1) & m, n++) {
		struct entry *e = &ix->slots[i];
		if (!e->key)
			return NULL;
		if (e->key != TOMB && e->klen == klen &&
		    memcmp(e->key, key, klen) == 0)
			return e;
	}
	return NULL;
}

/* Would n more keys of kbytes fit the budget? */
bool index_room(const struct index *ix, size_t n, size_t kbytes)
{
	return ix->count + n <= ix->max_keys &&
	       ix->bytes + kbytes <= ix->max_bytes;
}

/* Rebuild the table without its tombstones. */
static bool rehash(struct index *ix)
{
	struct entry *n = calloc(ix->cap, sizeof(*n));
	if (!n)
		return false;
	size_t m = ix->cap - 1;
	for (size_t i = 0; i < ix->cap; i++) {
		struct entry *e = &ix->slots[i];
		if (!e->key || e->key == TOMB)
			continue;
		size_t j = hash(e->key, e->klen) & m;
		while (n[j].key)
			j = (j + 1) & m;
		n[j] = *e;
	}
	free(ix->slots);
	ix->slots = n;
	ix->used = ix->count;
	return true;
}

int index_put(struct index *ix, const void *key, size_t klen, uint32_t vlen,
              uint32_t vcrc, uint64_t voff)
{
	struct entry *e = index_find(ix, key, klen);
	if (e) {
		e->vlen = vlen;
		e->vcrc = vcrc;
		e->voff = voff;
		return 0;
	}
	if (!index_room(ix, 1, klen))
		return -1;
	if (ix->used + 1 > ix->cap / 4 * 3 && !rehash(ix))
		return -1;
	size_t m = ix->cap - 1;
	size_t i = hash(key, klen) & m;
	while (ix->slots[i].key && ix->slots[i].key != TOMB)
		i = (i + 1) & m;
	e = &ix->slots[i];
	uint8_t *k = malloc(klen ? klen : 1);
	if (!k)
		return -1;
	memcpy(k, key, klen);
	if (!e->key)
		ix->used++;
	e->key = k;
	e->klen = (uint8_t)klen;
	e->vlen = vlen;
	e->vcrc = vcrc;
	e->voff = voff;
	ix->count++;
	ix->bytes += klen;
	return 0;
}

void index_del(struct index *ix, const void *key, size_t klen)
{
	struct entry *e = index_find(ix, key, klen);
	if (!e)
		return;
	free(e->key);
	ix->bytes -= e->klen;
	e->key = TOMB;
	ix->count--;
}

struct entry *index_at(struct index *ix, size_t i)
{
	struct entry *e = &ix->slots[i];
	return (e->key && e->key != TOMB) ? e : NULL;
}
