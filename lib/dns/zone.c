/*
 * lib/dns/zone.c - the zone's nodes and records in memory: a hash table
 * of names, empty non-terminals made as names are added.
 */
#include "zone_data.h"
#include <stdlib.h>
#include <string.h>

static uint32_t name_hash(const struct dns_name *n)
{
	uint32_t h = 2166136261u;
	for (unsigned i = 0; i < n->len; i++) {
		uint8_t c = n->wire[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		h = (h ^ c) * 16777619u;
	}
	return h;
}

struct dns_node *dns_zone_find(const struct dns_zone *z,
                               const struct dns_name *n)
{
	if (!z->nbuckets)
		return NULL;
	struct dns_node *nd = z->buckets[name_hash(n) & (z->nbuckets - 1)];
	for (; nd; nd = nd->next)
		if (dns_name_equal(&nd->name, n))
			return nd;
	return NULL;
}

bool dns_node_has(const struct dns_node *nd, uint16_t type)
{
	return dns_node_first(nd, type) != NULL;
}

const struct dns_rr *dns_node_first(const struct dns_node *nd, uint16_t type)
{
	for (unsigned i = 0; i < nd->nrr; i++)
		if (nd->rrs[i].type == type)
			return &nd->rrs[i];
	return NULL;
}

static bool grow(struct dns_zone *z)
{
	size_t nb = z->nbuckets ? z->nbuckets * 2 : 64;
	struct dns_node **b = calloc(nb, sizeof(*b));
	if (!b)
		return false;
	for (struct dns_node *nd = z->first; nd; nd = nd->order) {
		size_t i = name_hash(&nd->name) & (nb - 1);
		nd->next = b[i];
		b[i] = nd;
	}
	free(z->buckets);
	z->buckets = b;
	z->nbuckets = nb;
	return true;
}

/* The node for n (at or below the apex), made with its ancestors if
 * missing. NULL when memory is short. */
struct dns_node *dns_zone_node(struct dns_zone *z, const struct dns_name *n)
{
	struct dns_node *nd = dns_zone_find(z, n);
	if (nd)
		return nd;
	if (n->nlabels > z->apex.nlabels) {
		struct dns_name parent;
		dns_name_strip(n, 1, &parent);
		if (!dns_zone_node(z, &parent))
			return NULL;
	}
	if (z->nnodes + 1 > z->nbuckets && !grow(z))
		return NULL;
	nd = calloc(1, sizeof(*nd));
	if (!nd)
		return NULL;
	nd->name.len = n->len;
	nd->name.nlabels = n->nlabels;
	memcpy(nd->name.wire, n->wire, n->len);
	dns_name_lower(&nd->name);
	size_t i = name_hash(&nd->name) & (z->nbuckets - 1);
	nd->next = z->buckets[i];
	z->buckets[i] = nd;
	if (z->last)
		z->last->order = nd;
	else
		z->first = nd;
	z->last = nd;
	z->nnodes++;
	return nd;
}

/* Add a record; an exact duplicate is dropped (an RRset is a set).
 * Returns false when memory is short. */
bool dns_zone_add_rr(struct dns_zone *z, struct dns_node *nd, uint16_t type,
                     uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	for (unsigned i = 0; i < nd->nrr; i++)
		if (nd->rrs[i].type == type && nd->rrs[i].rdlen == rdlen &&
		    memcmp(nd->rrs[i].rdata, rdata, rdlen) == 0)
			return true;
	if (nd->nrr == nd->cap) {
		unsigned cap = nd->cap ? nd->cap * 2 : 2;
		struct dns_rr *r = realloc(nd->rrs, cap * sizeof(*r));
		if (!r)
			return false;
		nd->rrs = r;
		nd->cap = cap;
	}
	uint8_t *copy = malloc(rdlen ? rdlen : 1);
	if (!copy)
		return false;
	memcpy(copy, rdata, rdlen);
	struct dns_rr *rr = &nd->rrs[nd->nrr++];
	rr->type = type;
	rr->ttl = ttl;
	rr->rdlen = rdlen;
	rr->rdata = copy;
	z->nrecords++;
	return true;
}

void dns_zone_free(struct dns_zone *z)
{
	if (!z)
		return;
	struct dns_node *nd = z->first;
	while (nd) {
		struct dns_node *next = nd->order;
		for (unsigned i = 0; i < nd->nrr; i++)
			free(nd->rrs[i].rdata);
		free(nd->rrs);
		free(nd);
		nd = next;
	}
	free(z->buckets);
	free(z);
}

const struct dns_name *dns_zone_apex(const struct dns_zone *z)
{
	return &z->apex;
}

size_t dns_zone_records(const struct dns_zone *z)
{
	return z->nrecords;
}
