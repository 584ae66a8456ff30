/*
 * lib/net/dhcp.c - the DHCP client (RFC 2131), on its own fiber.
 *
 * INIT: broadcast DISCOVER, retransmitted with exponential backoff
 * (1, 2, 4, ... up to 16 s, with a little jitter) until an OFFER comes.
 * REQUESTING: broadcast REQUEST for the offer; an ACK binds, after ARP
 * probes find nobody else on the address (else DECLINE, wait 10 s and
 * start over); NAK or silence after a few tries starts over. BOUND until T1
 * (default half the lease): RENEWING, unicast REQUEST to the server that gave
 * the lease, retransmitted at half the time left until T2 (at least 2 s). At T2
 * (default 7/8 of the lease): REBINDING, the same broadcast. At the lease's end
 * the address is removed and the client starts over.
 */
#include "wire/dhcp.h"
#include "iface.h"
#include <string.h>

#define DHCP_SUBSYS "dhcp"
#define BACKOFF_FIRST KILN_SEC(1)
#define BACKOFF_MAX KILN_SEC(16)
#define REQUEST_TRIES 4
#define RENEW_MIN_WAIT KILN_SEC(2)
#define PROBES 2
#define PROBE_INTERVAL KILN_MSEC(250)
#define DECLINE_WAIT KILN_SEC(10) /* RFC 2131 3.1.5 */

enum dhcp_state { INIT, REQUESTING, BOUND, RENEWING, REBINDING };

static struct {
	enum dhcp_state state;
	struct udp_sock *sock;
	uint32_t xid;
	kiln_time started; /* of this exchange, for the secs field */
	net_ipv4 offered, server;
	/* The lease, as absolute times. */
	kiln_time t1, t2, expiry;
} dhcp;

static void send_msg(uint8_t type, net_ipv4 ciaddr, net_ipv4 dst)
{
	struct dhcp_msg m;
	uint8_t buf[DHCP_MIN_LEN + 64];

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.xid = dhcp.xid;
	m.secs = (uint16_t)((kiln_now() - dhcp.started) / KILN_SEC(1));
	m.ciaddr = ciaddr;
	/* Ask for broadcast replies while we cannot receive unicast. */
	m.flags = ciaddr ? 0 : DHCP_FLAG_BROADCAST;
	memcpy(m.chaddr, net_if.mac, ETH_ADDR_LEN);
	if ((type == DHCP_REQUEST || type == DHCP_DECLINE) &&
	    dhcp.state == REQUESTING) {
		m.has_requested = true;
		m.requested = dhcp.offered;
		m.has_server_id = true;
		m.server_id = dhcp.server;
	}
	size_t len = dhcp_emit(buf, sizeof(buf), &m);
	long r = udp_sendto(dhcp.sock, dst, DHCP_SERVER_PORT, buf, len);
	if (r < 0)
		KILN_DEBUG(DHCP_SUBSYS, "send: %s", kiln_strerror((int)r));
}

/* Wait until deadline for a well-formed reply to our xid and MAC.
 * Returns its type, or 0 when the deadline passed. */
static uint8_t wait_reply(kiln_time deadline, struct dhcp_msg *m)
{
	static uint8_t buf[1500];
	for (;;) {
		net_ipv4 src;
		uint16_t sport;
		long n = udp_recvfrom(dhcp.sock, buf, sizeof(buf), &src, &sport,
		                      deadline);
		if (n < 0)
			return 0;
		if (sport != DHCP_SERVER_PORT || (size_t)n > sizeof(buf))
			continue;
		int err = dhcp_parse(kiln_view_make(buf, (size_t)n), m);
		if (err) {
			KILN_DEBUG(DHCP_SUBSYS, "ignored a message: %s",
			           wire_strerror(err));
			continue;
		}
		if (m->op != DHCP_OP_REPLY || m->xid != dhcp.xid ||
		    memcmp(m->chaddr, net_if.mac, ETH_ADDR_LEN) != 0)
			continue;
		return m->type;
	}
}

/* Whether m comes from the server we chose (REQUESTING) or hold the lease
 * from (RENEWING): an ACK or NAK from any other is ignored, so a stranger
 * on the link can neither refuse nor hand out our lease (RFC 2131 4.4.1:
 * the client selects one server). REBINDING takes any server's answer. */
static bool from_our_server(const struct dhcp_msg *m)
{
	if (m->has_server_id && m->server_id == dhcp.server)
		return true;
	net_counters.dhcp_ignored++;
	return false;
}

static unsigned mask_to_prefix(net_ipv4 mask)
{
	unsigned p = 0;
	while (p < 32 && (mask & (0x80000000u >> p)))
		p++;
	return p;
}

/* Take an ACK: configure, and compute the renewal times. */
static void bind_lease(const struct dhcp_msg *m, kiln_time sent)
{
	uint32_t lease = m->has_lease ? m->lease : 3600;
	if (lease < 10)
		lease = 10; /* a lease shorter than that is not usable */
	uint32_t t1 = m->has_t1 ? m->t1 : lease / 2;
	uint32_t t2 = m->has_t2 ? m->t2 : lease / 8 * 7;
	if (t2 > lease || t2 == 0)
		t2 = lease / 8 * 7;
	if (t1 > t2 || t1 == 0)
		t1 = t2 / 2 ? t2 / 2 : 1;
	/* Times count from when the request went out (RFC 2131 4.4.1). */
	dhcp.t1 = sent + KILN_SEC(t1);
	dhcp.t2 = sent + KILN_SEC(t2);
	dhcp.expiry = sent + KILN_SEC((int64_t)lease);
	if (m->has_server_id)
		dhcp.server = m->server_id;

	unsigned prefix = m->has_mask ? mask_to_prefix(m->mask) : 24;
	if (prefix == 0 || prefix > 32)
		prefix = 24;
	net_ipv4 gw = m->has_router ? m->router : 0;
	if (gw && ((gw ^ m->yiaddr) >> (32 - prefix)) != 0 && prefix < 32)
		gw = 0; /* not on the link: unusable */
	char a[16];
	KILN_INFO(DHCP_SUBSYS, "lease of %s for %us (renew in %us)",
	          net_ipv4_format(m->yiaddr, a), (unsigned)lease, (unsigned)t1);
	net_counters.dhcp_leases++;
	dhcp.state = BOUND;
	net_configure(m->yiaddr, prefix, gw);
}

/* An address a host may take: not 0/8, loopback, multicast, reserved
 * or the limited broadcast. */
static bool usable(net_ipv4 a)
{
	unsigned first = a >> 24;
	return first != 0 && first != 127 && first < 224;
}

static kiln_time jitter(kiln_time t)
{
	/* Up to an eighth more, so that clients booted together spread
	 * out (RFC 2131 asks for +-1 s on 4 s and more). */
	return t +
	       (kiln_time)(net_random() % (uint32_t)(t / 8 / 1000 + 1)) * 1000;
}

static void run_init(void)
{
	struct dhcp_msg m;
	kiln_time backoff = BACKOFF_FIRST;

	dhcp.xid = net_random();
	dhcp.started = kiln_now();
	for (;;) {
		send_msg(DHCP_DISCOVER, 0, 0xffffffff);
		kiln_time deadline = kiln_now() + jitter(backoff);
		uint8_t type;
		while ((type = wait_reply(deadline, &m)) != 0) {
			if (type == DHCP_OFFER && usable(m.yiaddr) &&
			    m.has_server_id)
				break;
		}
		if (type == DHCP_OFFER) {
			dhcp.offered = m.yiaddr;
			dhcp.server = m.server_id;
			dhcp.state = REQUESTING;
			return;
		}
		if (backoff < BACKOFF_MAX)
			backoff *= 2;
	}
}

/* Whether another host answers for ip (RFC 5227 probes, shortened: a
 * unikernel boots in milliseconds and should not wait seconds). */
static bool address_in_use(net_ipv4 ip)
{
	bool conflict = false;
	for (int i = 0; i < PROBES && !conflict; i++) {
		arp_probe(ip);
		kiln_sleep(PROBE_INTERVAL);
		conflict = arp_probe_conflict();
	}
	arp_probe_done();
	return conflict;
}

static void run_requesting(void)
{
	struct dhcp_msg m;
	kiln_time backoff = BACKOFF_FIRST;

	for (int i = 0; i < REQUEST_TRIES; i++) {
		kiln_time sent = kiln_now();
		send_msg(DHCP_REQUEST, 0, 0xffffffff);
		kiln_time deadline = sent + jitter(backoff);
		uint8_t type;
		while ((type = wait_reply(deadline, &m)) != 0) {
			if (!from_our_server(&m))
				continue;
			if (type == DHCP_ACK && m.yiaddr == dhcp.offered) {
				if (address_in_use(m.yiaddr)) {
					char a[16];
					KILN_WARN(DHCP_SUBSYS,
					          "%s is in use: declined",
					          net_ipv4_format(m.yiaddr, a));
					send_msg(DHCP_DECLINE, 0, 0xffffffff);
					net_counters.dhcp_declines++;
					kiln_sleep(DECLINE_WAIT);
					dhcp.state = INIT;
					return;
				}
				bind_lease(&m, sent);
				return;
			}
			if (type == DHCP_NAK) {
				dhcp.state = INIT;
				return;
			}
		}
		backoff *= 2;
	}
	dhcp.state = INIT;
}

/* RENEWING or REBINDING: ask until the next stage's time. */
static void run_extend(void)
{
	struct dhcp_msg m;
	bool renewing = dhcp.state == RENEWING;
	kiln_time until = renewing ? dhcp.t2 : dhcp.expiry;

	dhcp.xid = net_random();
	dhcp.started = kiln_now();
	while (kiln_now() < until) {
		kiln_time sent = kiln_now();
		send_msg(DHCP_REQUEST, net_if.addr,
		         renewing ? dhcp.server : 0xffffffff);
		kiln_time wait = (until - sent) / 2;
		if (wait < RENEW_MIN_WAIT)
			wait = RENEW_MIN_WAIT;
		kiln_time deadline = sent + wait < until ? sent + wait : until;
		uint8_t type;
		while ((type = wait_reply(deadline, &m)) != 0) {
			if (renewing && !from_our_server(&m))
				continue;
			if (type == DHCP_ACK && m.yiaddr == net_if.addr) {
				bind_lease(&m, sent);
				return;
			}
			if (type == DHCP_NAK) {
				KILN_WARN(DHCP_SUBSYS, "lease refused (NAK)");
				net_configure(0, 0, 0);
				dhcp.state = INIT;
				return;
			}
		}
	}
	if (renewing) {
		dhcp.state = REBINDING;
		return;
	}
	KILN_WARN(DHCP_SUBSYS, "lease expired");
	net_configure(0, 0, 0);
	dhcp.state = INIT;
}

static void dhcp_fiber(void *arg)
{
	struct dhcp_msg m;
	(void)arg;
	for (;;) {
		switch (dhcp.state) {
		case INIT:
			run_init();
			break;
		case REQUESTING:
			run_requesting();
			break;
		case BOUND:
			/* Nothing to do until T1; stray messages are read
			 * and ignored. */
			while (kiln_now() < dhcp.t1)
				wait_reply(dhcp.t1, &m);
			dhcp.state = RENEWING;
			break;
		case RENEWING:
		case REBINDING:
			run_extend();
			break;
		}
	}
}

int dhcp_start(void)
{
	int err;
	dhcp.sock = udp_bind(0, DHCP_CLIENT_PORT, &err);
	if (!dhcp.sock)
		return err;
	dhcp.state = INIT;
	if (!kiln_fiber_spawn("dhcp", dhcp_fiber, NULL, 0)) {
		udp_close(dhcp.sock);
		return -KILN_ENOMEM;
	}
	return 0;
}
