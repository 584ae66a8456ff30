/*
 * lib/dns/zone_data.h - a zone in memory, shared by the parser (zone.c)
 * and the answer engine (answer.c).
 *
 * One node per name that exists in the zone: every owner, and every
 * ancestor of one up to the apex (empty non-terminals, RFC 4592 2.2.2),
 * in a hash table keyed by the lower-cased name. A node keeps its records
 * in the order of the file; an RRset is the records of one type.
 */
#ifndef KILN_DNS_ZONE_DATA_H
#define KILN_DNS_ZONE_DATA_H

#include <kiln/dns.h>

/* Rdata in wire form with names uncompressed (as in the file's case). */
struct dns_rr {
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
	uint8_t *rdata;
};

struct dns_node {
	struct dns_node *next;  /* hash chain */
	struct dns_node *order; /* all nodes in creation order (AXFR) */
	struct dns_rr *rrs;
	unsigned nrr, cap;
	struct dns_name name; /* lower case */
};

struct dns_zone {
	struct dns_name apex; /* lower case */
	struct dns_node **buckets;
	size_t nbuckets, nnodes, nrecords;
	struct dns_node *first, *last;
	struct dns_node *apex_node;
};

/* The node for exactly this name (any case), or NULL. */
struct dns_node *dns_zone_find(const struct dns_zone *z,
                               const struct dns_name *n);
/* Does the node have records of this type? */
bool dns_node_has(const struct dns_node *nd, uint16_t type);
/* The first record of the type at the node, or NULL. */
const struct dns_rr *dns_node_first(const struct dns_node *nd, uint16_t type);

/* For the parser: the node for n, made with its ancestors; add a record
 * (duplicates dropped). NULL / false when memory is short. */
struct dns_node *dns_zone_node(struct dns_zone *z, const struct dns_name *n);
bool dns_zone_add_rr(struct dns_zone *z, struct dns_node *nd, uint16_t type,
                     uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

#endif /* KILN_DNS_ZONE_DATA_H */
