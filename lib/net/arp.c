/*
 * lib/net/arp.c - the ARP cache (RFC 826), hardened against floods and
 * forged packets.
 *
 * Two fixed tables. Resolved neighbours live in the cache: valid for
 * ARP_ENTRY_LIFETIME, used past it while unicast requests confirm them
 * (RFC 1122 2.3.2.1), forgotten when they stay silent; when the cache is
 * full the least recently used one makes room. Addresses being resolved
 * live in a pool of their own (a flood of lookups for addresses that never
 * answer cannot push out a neighbour we talk to): each holds up to
 * ARP_PENDING_MAX packets and re-sends the request ARP_RETRIES times; when
 * the pool is full the oldest lookup gives way.
 *
 * What may create or change an entry:
 * - a reply or request from an address we are resolving (we asked);
 * - a request for our address is only remembered as a hint, taken when we
 *   send to that address soon after (it talks to us at the IP layer);
 * - anything else from an unknown address makes no entry (counted in
 *   arp_ignored), gratuitous ARP included;
 * - a packet claiming a known neighbour's address from another MAC does
 *   not change the entry: we confirm the old MAC with unicast requests,
 *   and take the new one only if the old stays silent (arp_conflicts).
 * Someone claiming our own address is answered with an announcement, at
 * most once per ARP_DEFEND_INTERVAL (RFC 5227 2.4 (b)).
 */
#include "iface.h"
#include <string.h>

enum arp_state { ARP_FREE, ARP_PENDING, ARP_RESOLVED };

struct arp_entry {
	enum arp_state state;
	net_ipv4 ip;
	uint8_t mac[ETH_ADDR_LEN];
	kiln_time expires;   /* resolved: when to ask again */
	kiln_time last_used; /* resolved: last packet sent; pending: start */
	unsigned tries;      /* pending or probing: requests sent */
	bool probing;        /* resolved, stale or contested: confirming */
	bool contested;      /* another MAC claimed the address */
	uint8_t claimed[ETH_ADDR_LEN]; /* contested: the other MAC */
	unsigned npending;
	struct pktbuf *pending, *pending_tail;
	struct kiln_timer retry;
};

static struct arp_entry cache[ARP_CACHE_SIZE];
static struct arp_entry lookups[ARP_LOOKUPS];

/* Who asked for our address lately (an address and MAC each). */
static struct {
	net_ipv4 ip;
	uint8_t mac[ETH_ADDR_LEN];
	kiln_time when;
} hints[ARP_HINTS];
static unsigned next_hint;

static kiln_time last_defend;
static bool defended;

/* Conflict detection for an address we are about to take (RFC 5227). */
static net_ipv4 watch_ip;
static bool watch_seen;

static void send_arp_from(net_ipv4 spa, uint16_t op, const uint8_t *eth_dst,
                          const uint8_t *tha, net_ipv4 tpa);

static void send_arp(uint16_t op, const uint8_t *eth_dst, const uint8_t *tha,
                     net_ipv4 tpa)
{
	send_arp_from(net_if.addr, op, eth_dst, tha, tpa);
}

void arp_probe(net_ipv4 ip)
{
	static const uint8_t zero[ETH_ADDR_LEN];
	watch_ip = ip;
	watch_seen = false;
	send_arp_from(0, ARP_OP_REQUEST, eth_broadcast, zero, ip);
}

bool arp_probe_conflict(void)
{
	return watch_seen;
}

void arp_probe_done(void)
{
	watch_ip = 0;
	watch_seen = false;
}

static void send_arp_from(net_ipv4 spa, uint16_t op, const uint8_t *eth_dst,
                          const uint8_t *tha, net_ipv4 tpa)
{
	struct pktbuf *b = pktbuf_get();
	if (!b) {
		net_counters.drop_no_buffer++;
		net_counters.tx_no_buffer++;
		return;
	}
	struct arp_pkt a = {.op = op, .spa = spa, .tpa = tpa};
	memcpy(a.sha, net_if.mac, ETH_ADDR_LEN);
	memcpy(a.tha, tha, ETH_ADDR_LEN);
	size_t n = eth_emit(b->data, pktbuf_size, eth_dst, net_if.mac,
	                    ETH_TYPE_ARP);
	n += arp_emit(b->data + n, pktbuf_size - n, &a);
	/* Pad to Ethernet's 60-byte minimum; taps do not pad for us. */
	memset(b->data + n, 0, 60 - n);
	b->len = 60;
	if (op == ARP_OP_REQUEST)
		net_counters.arp_requests_sent++;
	else
		net_counters.arp_replies_sent++;
	net_tx_frame(b);
}

static void send_request(net_ipv4 ip)
{
	static const uint8_t zero[ETH_ADDR_LEN];
	send_arp(ARP_OP_REQUEST, eth_broadcast, zero, ip);
}

static void send_unicast_request(net_ipv4 ip, const uint8_t *mac)
{
	static const uint8_t zero[ETH_ADDR_LEN];
	send_arp(ARP_OP_REQUEST, mac, zero, ip);
}

void arp_announce(void)
{
	/* A gratuitous request: sender and target are both our address. */
	send_request(net_if.addr);
}

static void drop_pending(struct arp_entry *e)
{
	net_counters.tx_arp_failed += e->npending;
	pktbuf_put_list(e->pending);
	e->pending = e->pending_tail = NULL;
	e->npending = 0;
}

static void entry_free(struct arp_entry *e)
{
	kiln_timer_cancel(&e->retry);
	drop_pending(e);
	e->state = ARP_FREE;
	e->probing = e->contested = false;
}

static void take_mac(struct arp_entry *e, const uint8_t *mac);

static void retry_fired(struct kiln_timer *t, void *arg)
{
	struct arp_entry *e = arg;
	(void)t;
	if (e->state == ARP_RESOLVED && e->probing) {
		if (e->tries > ARP_RETRIES) {
			/* The old MAC is silent: a contested address goes to
			 * its claimant, a stale one is forgotten. */
			if (e->contested)
				take_mac(e, e->claimed);
			else
				entry_free(e);
			return;
		}
		e->tries++;
		send_unicast_request(e->ip, e->mac);
		kiln_timer_arm(&e->retry, kiln_now() + ARP_RETRY_INTERVAL);
		return;
	}
	if (e->state != ARP_PENDING)
		return;
	if (e->tries > ARP_RETRIES) {
		char a[16];
		KILN_DEBUG(NET_SUBSYS, "arp: no answer from %s",
		           net_ipv4_format(e->ip, a));
		entry_free(e);
		return;
	}
	e->tries++;
	send_request(e->ip);
	kiln_timer_arm(&e->retry, kiln_now() + ARP_RETRY_INTERVAL);
}

void arp_init(void)
{
	for (int i = 0; i < ARP_CACHE_SIZE; i++) {
		cache[i].state = ARP_FREE;
		kiln_timer_init(&cache[i].retry, retry_fired, &cache[i]);
	}
	for (int i = 0; i < ARP_LOOKUPS; i++) {
		lookups[i].state = ARP_FREE;
		kiln_timer_init(&lookups[i].retry, retry_fired, &lookups[i]);
	}
}

void arp_flush(void)
{
	for (int i = 0; i < ARP_CACHE_SIZE; i++)
		if (cache[i].state != ARP_FREE)
			entry_free(&cache[i]);
	for (int i = 0; i < ARP_LOOKUPS; i++)
		if (lookups[i].state != ARP_FREE)
			entry_free(&lookups[i]);
	memset(hints, 0, sizeof(hints));
}

static struct arp_entry *find(struct arp_entry *t, int n, net_ipv4 ip)
{
	for (int i = 0; i < n; i++)
		if (t[i].state != ARP_FREE && t[i].ip == ip)
			return &t[i];
	return NULL;
}

/* A slot in t: a free one, else the one used (or started) longest ago,
 * emptied. */
static struct arp_entry *allocate(struct arp_entry *t, int n, net_ipv4 ip)
{
	struct arp_entry *victim = NULL;
	for (int i = 0; i < n; i++) {
		struct arp_entry *e = &t[i];
		if (e->state == ARP_FREE) {
			victim = e;
			break;
		}
		if (!victim || e->last_used < victim->last_used)
			victim = e;
	}
	if (victim->state == ARP_PENDING)
		net_counters.arp_lookups_evicted++;
	entry_free(victim);
	victim->ip = ip;
	victim->tries = 0;
	victim->last_used = kiln_now();
	return victim;
}

/* Fill in the Ethernet header and queue the frame. */
static void send_to(const uint8_t *mac, struct pktbuf *b)
{
	eth_emit(b->data, pktbuf_size, mac, net_if.mac, ETH_TYPE_IPV4);
	net_tx_frame(b);
}

/* The neighbour at e->ip is (still, or now) at mac. */
static void take_mac(struct arp_entry *e, const uint8_t *mac)
{
	memcpy(e->mac, mac, ETH_ADDR_LEN);
	e->probing = e->contested = false;
	e->expires = kiln_now() + ARP_ENTRY_LIFETIME;
	kiln_timer_cancel(&e->retry);
}

/* A lookup got its answer: move it into the cache, send what waited. */
static void lookup_done(struct arp_entry *l, const uint8_t *mac)
{
	struct arp_entry *e = allocate(cache, ARP_CACHE_SIZE, l->ip);
	e->state = ARP_RESOLVED;
	take_mac(e, mac);
	struct pktbuf *b = l->pending;
	l->pending = l->pending_tail = NULL;
	l->npending = 0;
	entry_free(l);
	while (b) {
		struct pktbuf *next = b->next;
		send_to(mac, b);
		b = next;
	}
}

/* A fresh hint for ip (it asked for our address lately), or NULL. */
static const uint8_t *hint_for(net_ipv4 ip)
{
	for (int i = 0; i < ARP_HINTS; i++)
		if (hints[i].ip == ip &&
		    kiln_now() - hints[i].when < ARP_HINT_LIFETIME)
			return hints[i].mac;
	return NULL;
}

static void remember_hint(net_ipv4 ip, const uint8_t *mac)
{
	int slot = -1;
	for (int i = 0; i < ARP_HINTS; i++)
		if (hints[i].ip == ip)
			slot = i;
	if (slot < 0) {
		slot = (int)next_hint;
		next_hint = (next_hint + 1) % ARP_HINTS;
	}
	hints[slot].ip = ip;
	memcpy(hints[slot].mac, mac, ETH_ADDR_LEN);
	hints[slot].when = kiln_now();
}

int arp_output(net_ipv4 next_hop, struct pktbuf *b)
{
	if (net_is_broadcast(next_hop)) {
		send_to(eth_broadcast, b);
		return 0;
	}
	struct arp_entry *e = find(cache, ARP_CACHE_SIZE, next_hop);
	if (!e) {
		const uint8_t *mac = hint_for(next_hop);
		if (mac && !find(lookups, ARP_LOOKUPS, next_hop)) {
			e = allocate(cache, ARP_CACHE_SIZE, next_hop);
			e->state = ARP_RESOLVED;
			take_mac(e, mac);
		}
	}
	if (e) {
		e->last_used = kiln_now();
		if (kiln_now() >= e->expires && !e->probing) {
			/* Stale: confirm it, meanwhile go on using it. */
			e->probing = true;
			e->tries = 0;
			retry_fired(&e->retry, e);
		}
		send_to(e->mac, b);
		return 0;
	}
	e = find(lookups, ARP_LOOKUPS, next_hop);
	if (!e) {
		e = allocate(lookups, ARP_LOOKUPS, next_hop);
		e->state = ARP_PENDING;
	}
	if (e->npending >= ARP_PENDING_MAX) {
		net_counters.tx_arp_failed++;
		pktbuf_put(b);
		return -KILN_ENOMEM;
	}
	b->next = NULL;
	if (e->pending_tail)
		e->pending_tail->next = b;
	else
		e->pending = b;
	e->pending_tail = b;
	e->npending++;
	if (!kiln_timer_armed(&e->retry))
		retry_fired(&e->retry, e);
	return 0;
}

/* A packet from a neighbour in the cache. */
static void known_neighbour(struct arp_entry *e, const uint8_t *mac)
{
	if (eth_addr_eq(mac, e->mac)) {
		take_mac(e, mac); /* confirmed (a contest is settled) */
		return;
	}
	/* Someone else claims a live neighbour's address: ask the MAC we
	 * know; only its silence lets the claimant have the address. */
	net_counters.arp_conflicts++;
	memcpy(e->claimed, mac, ETH_ADDR_LEN);
	if (!e->contested) {
		e->contested = true;
		e->probing = true;
		e->tries = 0;
		kiln_timer_cancel(&e->retry);
		retry_fired(&e->retry, e);
	}
}

void arp_input(struct kiln_view payload)
{
	struct arp_pkt a;
	if (arp_parse(payload, &a) != WIRE_OK) {
		NET_DROP(drop_arp_malformed);
		return;
	}
	/* Someone else uses, or probes for, the address we probe for. */
	if (watch_ip && !eth_addr_eq(a.sha, net_if.mac) &&
	    (a.spa == watch_ip || (a.spa == 0 && a.tpa == watch_ip)))
		watch_seen = true;

	/* Nobody may claim our address, the zero address (except probes,
	 * which we only answer) or a broadcast one. Someone using ours is
	 * told, at a bounded rate, who has it (RFC 5227 2.4 (b)). */
	bool probe = a.spa == 0;
	if ((!probe && net_if.addr && a.spa == net_if.addr) ||
	    net_is_broadcast(a.spa)) {
		if (a.spa == net_if.addr && !eth_addr_eq(a.sha, net_if.mac) &&
		    (!defended ||
		     kiln_now() - last_defend >= ARP_DEFEND_INTERVAL)) {
			defended = true;
			last_defend = kiln_now();
			arp_announce();
		}
		NET_DROP(drop_arp_malformed);
		return;
	}
	bool for_us = net_if.addr && a.tpa == net_if.addr;

	if (!probe) {
		struct arp_entry *e;
		if ((e = find(lookups, ARP_LOOKUPS, a.spa)) != NULL)
			lookup_done(e, a.sha); /* we asked */
		else if ((e = find(cache, ARP_CACHE_SIZE, a.spa)) != NULL)
			known_neighbour(e, a.sha);
		else if (for_us && a.op == ARP_OP_REQUEST)
			remember_hint(a.spa, a.sha);
		else
			net_counters.arp_ignored++;
	}

	if (for_us && a.op == ARP_OP_REQUEST)
		send_arp(ARP_OP_REPLY, a.sha, a.sha, a.spa);
}
