/*
 * lib/net/wire/dhcp.h - DHCP messages (RFC 2131) and the options of RFC
 * 2132 a client needs.
 */
#ifndef KILN_NET_WIRE_DHCP_H
#define KILN_NET_WIRE_DHCP_H

#include "wire.h"
#include <kiln/net.h>
#include <stdbool.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_LEN 236 /* the BOOTP part before the magic cookie */
#define DHCP_MAGIC 0x63825363
#define DHCP_MIN_LEN 300 /* BOOTP's minimum; some relays insist */
#define DHCP_MAX_DNS 3

#define DHCP_OP_REQUEST 1
#define DHCP_OP_REPLY 2
#define DHCP_FLAG_BROADCAST 0x8000

/* Message types (option 53). */
enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/* Option codes used here. */
#define DHCP_OPT_PAD 0
#define DHCP_OPT_SUBNET_MASK 1
#define DHCP_OPT_ROUTER 3
#define DHCP_OPT_DNS 6
#define DHCP_OPT_REQUESTED_IP 50
#define DHCP_OPT_LEASE_TIME 51
#define DHCP_OPT_OVERLOAD 52
#define DHCP_OPT_MSG_TYPE 53
#define DHCP_OPT_SERVER_ID 54
#define DHCP_OPT_PARAM_LIST 55
#define DHCP_OPT_MAX_SIZE 57
#define DHCP_OPT_T1 58
#define DHCP_OPT_T2 59
#define DHCP_OPT_CLIENT_ID 61
#define DHCP_OPT_END 255

struct dhcp_msg {
	uint8_t op;
	uint32_t xid;
	uint16_t secs, flags;
	net_ipv4 ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];

	/* Options; has_* says whether each was present. */
	uint8_t type; /* enum dhcp_type; 0 when absent */
	bool has_mask, has_router, has_server_id, has_requested;
	bool has_lease, has_t1, has_t2;
	net_ipv4 mask, router, server_id, requested;
	uint32_t lease, t1, t2; /* seconds */
	unsigned n_dns;
	net_ipv4 dns[DHCP_MAX_DNS];
};

/*
 * Parse a DHCP message (a UDP payload): the BOOTP header (Ethernet
 * hardware type, 6-byte address), the magic cookie, then the options,
 * including those moved into the file and sname fields by option 52.
 * Every option must fit in its area; fixed-size options with the wrong
 * length, a repeated message type or no message type at all are
 * WIRE_MALFORMED.
 */
int dhcp_parse(struct kiln_view v, struct dhcp_msg *m);

/*
 * Write a client message: the BOOTP header from m (op is set to
 * request), then options 53 (m->type), 61 (client id from chaddr), 50 and
 * 54 when has_requested / has_server_id, 57, 55 (mask, router, DNS,
 * lease, T1, T2) and the end, padded to 300 bytes. Returns the length, or
 * 0 when size is too small.
 */
size_t dhcp_emit(uint8_t *buf, size_t size, const struct dhcp_msg *m);

#endif /* KILN_NET_WIRE_DHCP_H */
