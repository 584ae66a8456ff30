/*
 * lib/dns/cache.c - memoised answers. dns_answer is a function of the
 * query's bytes, the transport and the buffer's size alone (the zones
 * never change while serving), and its response starts with the query's
 * id; so a response is kept under the query's bytes after the id, which
 * carry the name in its letter case, type, class, flags and EDNS size and
 * options, and replayed with the new id. Each entry also keeps which
 * counters its answer moved, so that a hit moves the same ones.
 *
 * A table of fixed slots, each query with two places in it (two hashes):
 * a query and its response that do not fit one slot are answered each
 * time; when both places are taken, the answer in one of them moves to
 * its own other place if that is free, else one is overwritten. The two
 * places lie in the same 4 KiB (PLACES slots), so that a lookup costs one
 * page walk at most. The table starts small and doubles, up to the
 * budget, once it is a quarter full and a query finds both its places
 * taken: a zone with few names keeps its answers in a few pages, which
 * stay in the caches and the TLB, instead of spread over the budget.
 * Each place is the same fixed bits of the hash, masked: on doubling an
 * entry stays where it is or moves to the same slot in the new half.
 */
#include <kiln/dns.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define SLOT 256
#define PLACES 16 /* slots in 4 KiB */
#define FIRST 256 /* the table's first size, in slots */
#define MAX_DELTA 6
#define NCOUNTERS (offsetof(struct dns_stats, cache_hits) / sizeof(uint64_t))

struct slot {
	uint32_t hash;
	uint32_t cap;
	uint16_t klen, rlen; /* rlen 0: empty */
	uint8_t transport;
	uint8_t ndelta;
	uint8_t didx[MAX_DELTA], dval[MAX_DELTA];
	uint8_t data[]; /* key, then the response after its id */
};

#define DATA_MAX (SLOT - offsetof(struct slot, data))

struct dns_cache {
	uint8_t *slots;
	size_t mask, max_mask; /* in use, and the budget's */
	size_t used;           /* slots that hold an answer */
};

struct dns_cache *dns_cache_new(size_t bytes)
{
	size_t n = 1;
	while (n * 2 * SLOT <= bytes)
		n *= 2;
	if (n * SLOT > bytes)
		return NULL;
	struct dns_cache *k = malloc(sizeof(*k));
	if (!k)
		return NULL;
	k->slots = calloc(n, SLOT);
	if (!k->slots) {
		free(k);
		return NULL;
	}
	k->max_mask = n - 1;
	k->mask = (n < FIRST ? n : FIRST) - 1;
	k->used = 0;
	return k;
}

void dns_cache_free(struct dns_cache *k)
{
	if (k) {
		free(k->slots);
		free(k);
	}
}

#define AT(k, i) ((struct slot *)((k)->slots + (size_t)(i)*SLOT))

/* The two places of hash h under mask m: h's low bits, and the same
 * bits but the lowest four, which come from h's top (the same 4 KiB),
 * changed when they would make the same place (a query with one place
 * and another with the same one would evict each other for ever). */
static size_t place0(uint32_t h, size_t m)
{
	return h & m;
}

static size_t place1(uint32_t h, size_t m)
{
	uint32_t low = h >> 28;
	if (low == (h & (PLACES - 1)))
		low ^= 1;
	return ((h & ~(uint32_t)(PLACES - 1)) | low) & m;
}

/* Double the table: each entry keeps its place or moves to the same
 * place in the new half, which is empty. */
static void grow(struct dns_cache *k)
{
	size_t n = k->mask + 1, m = k->mask * 2 + 1;
	for (size_t i = 0; i < n; i++) {
		struct slot *s = AT(k, i);
		if (!s->rlen)
			continue;
		size_t j = i == place0(s->hash, k->mask) ? place0(s->hash, m)
		                                         : place1(s->hash, m);
		if (j != i) {
			memcpy(AT(k, j), s, SLOT);
			s->rlen = 0;
		}
	}
	k->mask = m;
}

/* Move the answer in s to its other place if that one is empty (one
 * step of cuckoo hashing: two queries that share both places are rare,
 * two that share one are not); true when s is then free. */
static bool move_aside(struct dns_cache *k, struct slot *s)
{
	size_t i = (size_t)((uint8_t *)s - k->slots) / SLOT;
	size_t a = place0(s->hash, k->mask), b = place1(s->hash, k->mask);
	size_t j = i == a ? b : a;
	if (j == i || AT(k, j)->rlen)
		return false;
	memcpy(AT(k, j), s, SLOT);
	s->rlen = 0;
	return true;
}

static uint32_t hash_of(const uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t h = 2166136261u ^ seed;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

size_t dns_cache_answer(struct dns_cache *k, const struct dns_catalog *c,
                        const uint8_t *query, size_t len, uint8_t *out,
                        size_t cap, enum dns_transport transport,
                        uint32_t client, struct dns_stats *st)
{
	if (!k || len < DNS_HEADER_LEN || len - 2 > DATA_MAX)
		return dns_answer(c, query, len, out, cap, transport, client,
		                  st);
	const uint8_t *key = query + 2;
	size_t klen = len - 2;
	uint32_t h = hash_of(key, klen, (uint32_t)transport);
	/* Two places a query may be in (fewer of them evict each other
	 * than in one). */
	struct slot *p[2] = {AT(k, place0(h, k->mask)),
	                     AT(k, place1(h, k->mask))};
	struct slot *s = NULL;
	for (int i = 0; i < 2 && !s; i++)
		if (p[i]->rlen && p[i]->hash == h && p[i]->klen == klen &&
		    p[i]->cap == cap && p[i]->transport == transport &&
		    memcmp(p[i]->data, key, klen) == 0)
			s = p[i];
	if (s) {
		uint64_t *ctr = (uint64_t *)st;
		for (unsigned i = 0; i < s->ndelta; i++)
			ctr[s->didx[i]] += s->dval[i];
		st->cache_hits++;
		out[0] = query[0];
		out[1] = query[1];
		memcpy(out + 2, s->data + klen, s->rlen);
		return (size_t)s->rlen + 2;
	}
	struct dns_stats before = *st;
	size_t r = dns_answer(c, query, len, out, cap, transport, client, st);
	st->cache_misses++;
	if (r < 2 || klen + (r - 2) > DATA_MAX)
		return r;
	/* The counters this answer moved (a few, by small amounts). */
	const uint64_t *a = (const uint64_t *)&before, *b = (uint64_t *)st;
	unsigned nd = 0;
	uint8_t didx[MAX_DELTA], dval[MAX_DELTA];
	for (unsigned i = 0; i < NCOUNTERS; i++) {
		if (a[i] == b[i])
			continue;
		if (nd == MAX_DELTA || b[i] - a[i] > 255)
			return r;
		didx[nd] = (uint8_t)i;
		dval[nd++] = (uint8_t)(b[i] - a[i]);
	}
	if (p[0]->rlen && p[1]->rlen && k->mask < k->max_mask &&
	    k->used >= (k->mask + 1) / 4) {
		grow(k);
		p[0] = AT(k, place0(h, k->mask));
		p[1] = AT(k, place1(h, k->mask));
	}
	/* An empty place; else one whose answer can move to its own other
	 * place; else either one. */
	for (int i = 0; i < 2 && p[0]->rlen && p[1]->rlen; i++)
		if (move_aside(k, p[i]))
			break;
	s = !p[0]->rlen ? p[0] : !p[1]->rlen ? p[1] : p[h >> 27 & 1];
	k->used += !s->rlen;
	s->rlen = 0; /* while it is being rewritten */
	s->hash = h;
	s->cap = (uint32_t)cap;
	s->klen = (uint16_t)klen;
	s->transport = (uint8_t)transport;
	s->ndelta = (uint8_t)nd;
	memcpy(s->didx, didx, nd);
	memcpy(s->dval, dval, nd);
	memcpy(s->data, key, klen);
	memcpy(s->data + klen, out + 2, r - 2);
	s->rlen = (uint16_t)(r - 2);
	return r;
}
