/*
 * lib/net/arp.c - the ARP cache (RFC 826).
 *
 * A small fixed table. An entry is either resolved (valid for
 * ARP_ENTRY_LIFETIME, refreshed by any ARP packet from that address) or
 * pending: it holds up to ARP_PENDING_MAX packets waiting for the reply,
 * and re-sends the request ARP_RETRIES times before giving up and
 * dropping them. A resolved entry in use past its lifetime keeps being
 * used while we confirm it with unicast requests (RFC 1122 2.3.2.1), so
 * a busy connection does not stall every minute; if the neighbour stays
 * silent, the entry is forgotten and the next packet asks anew.
 */
#include "iface.h"
#include <string.h>

enum arp_state { ARP_FREE, ARP_PENDING, ARP_RESOLVED };

struct arp_entry {
	enum arp_state state;
	net_ipv4 ip;
	uint8_t mac[ETH_ADDR_LEN];
	kiln_time expires; /* resolved: when to ask again */
	unsigned tries;    /* pending or probing: requests sent */
	bool probing;      /* resolved, stale, confirming by unicast */
	unsigned npending;
	struct pktbuf *pending, *pending_tail;
	struct kiln_timer retry;
};

static struct arp_entry cache[ARP_CACHE_SIZE];

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
}

static void retry_fired(struct kiln_timer *t, void *arg)
{
	struct arp_entry *e = arg;
	(void)t;
	if (e->state == ARP_RESOLVED && e->probing) {
		if (e->tries > ARP_RETRIES) {
			entry_free(e); /* silent: forget it */
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
}

void arp_flush(void)
{
	for (int i = 0; i < ARP_CACHE_SIZE; i++)
		if (cache[i].state != ARP_FREE)
			entry_free(&cache[i]);
}

static struct arp_entry *lookup(net_ipv4 ip)
{
	for (int i = 0; i < ARP_CACHE_SIZE; i++)
		if (cache[i].state != ARP_FREE && cache[i].ip == ip)
			return &cache[i];
	return NULL;
}

/* A free entry, else the resolved one expiring first (pending entries
 * are never evicted: their packets would be lost). NULL if none. */
static struct arp_entry *allocate(net_ipv4 ip)
{
	struct arp_entry *victim = NULL;
	for (int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &cache[i];
		if (e->state == ARP_FREE) {
			victim = e;
			break;
		}
		if (e->state == ARP_RESOLVED &&
		    (!victim || e->expires < victim->expires))
			victim = e;
	}
	if (!victim)
		return NULL;
	entry_free(victim);
	victim->ip = ip;
	victim->tries = 0;
	victim->probing = false;
	return victim;
}

/* Fill in the Ethernet header and queue the frame. */
static void send_to(const uint8_t *mac, struct pktbuf *b)
{
	eth_emit(b->data, pktbuf_size, mac, net_if.mac, ETH_TYPE_IPV4);
	net_tx_frame(b);
}

static void resolved(struct arp_entry *e, const uint8_t *mac)
{
	memcpy(e->mac, mac, ETH_ADDR_LEN);
	e->state = ARP_RESOLVED;
	e->probing = false;
	e->expires = kiln_now() + ARP_ENTRY_LIFETIME;
	kiln_timer_cancel(&e->retry);
	struct pktbuf *b = e->pending;
	e->pending = e->pending_tail = NULL;
	e->npending = 0;
	while (b) {
		struct pktbuf *next = b->next;
		send_to(mac, b);
		b = next;
	}
}

int arp_output(net_ipv4 next_hop, struct pktbuf *b)
{
	if (net_is_broadcast(next_hop)) {
		send_to(eth_broadcast, b);
		return 0;
	}
	struct arp_entry *e = lookup(next_hop);
	if (e && e->state == ARP_RESOLVED) {
		if (kiln_now() >= e->expires && !e->probing) {
			/* Stale: confirm it, meanwhile go on using it. */
			e->probing = true;
			e->tries = 0;
			retry_fired(&e->retry, e);
		}
		send_to(e->mac, b);
		return 0;
	}
	if (!e) {
		e = allocate(next_hop);
		if (!e) {
			net_counters.tx_arp_failed++;
			pktbuf_put(b);
			return -KILN_ENOMEM;
		}
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
	 * which we only answer) or a broadcast one. */
	bool probe = a.spa == 0;
	if ((!probe && net_if.addr && a.spa == net_if.addr) ||
	    net_is_broadcast(a.spa)) {
		NET_DROP(drop_arp_malformed);
		return;
	}
	bool for_us = net_if.addr && a.tpa == net_if.addr;

	/* RFC 826's merge: refresh an entry we have; create one only when
	 * the packet was for us (we are likely to talk back). */
	struct arp_entry *e = probe ? NULL : lookup(a.spa);
	if (e)
		resolved(e, a.sha);
	else if (for_us && !probe && (e = allocate(a.spa)) != NULL)
		resolved(e, a.sha);

	if (for_us && a.op == ARP_OP_REQUEST)
		send_arp(ARP_OP_REPLY, a.sha, a.sha, a.spa);
}
