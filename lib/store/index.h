/*
 * lib/store/index.h - the store's in-memory index (index.c).
 */
#ifndef KILN_STORE_INDEX_H
#define KILN_STORE_INDEX_H

#include "store_int.h"

struct index {
	struct entry *slots;
	size_t cap, count, used; /* used: live and tombstones */
	size_t bytes, max_bytes;
	unsigned max_keys;
};

bool index_init(struct index *ix, unsigned max_keys, size_t max_bytes);
void index_free(struct index *ix);
struct entry *index_find(struct index *ix, const void *key, size_t klen);
bool index_room(const struct index *ix, size_t n, size_t kbytes);
/* 0, or -1 when the budget is spent or memory is short. */
int index_put(struct index *ix, const void *key, size_t klen, uint32_t vlen,
              uint32_t vcrc, uint64_t voff);
void index_del(struct index *ix, const void *key, size_t klen);
/* The live entry in slot i (0 <= i < cap), or NULL. */
struct entry *index_at(struct index *ix, size_t i);

#endif /* KILN_STORE_INDEX_H */
