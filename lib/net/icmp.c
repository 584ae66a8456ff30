/*
 * lib/net/icmp.c - ICMP: answering echo requests, sending destination
 * unreachable (rate-limited), and passing errors about TCP segments to
 * TCP.
 */
#include "iface.h"
#include <string.h>

void icmp_input(const struct ipv4_hdr *h, struct kiln_view packet)
{
	struct icmp_msg m;
	(void)packet;
	int err = icmp_parse(h->payload, &m);
	if (err == WIRE_CHECKSUM) {
		NET_DROP(drop_icmp_checksum);
		return;
	}
	if (err) {
		NET_DROP(drop_icmp_malformed);
		return;
	}
	switch (m.type) {
	case ICMP_ECHO_REQUEST: {
		/* Answer only what was sent to us, not broadcast pings. */
		if (h->dst != net_if.addr || !net_if.addr)
			break;
		uint8_t hdr[ICMP_HDR_LEN];
		/* Header and data go out as two chunks, so the data is
		 * copied once (into the frame); the checksum covers both. */
		icmp_emit_echo(hdr, sizeof(hdr), ICMP_ECHO_REPLY, m.id, m.seq,
		               NULL, 0);
		hdr[2] = hdr[3] = 0;
		uint32_t sum = net_csum_add(0, hdr, ICMP_HDR_LEN);
		sum = net_csum_add(sum, m.body.p, m.body.len);
		wire_put16(hdr + 2, net_csum_finish(sum));
		struct net_chunk c[2] = {{hdr, sizeof(hdr), false},
		                         {m.body.p, m.body.len, false}};
		if (ipv4_send(h->dst, h->src, NET_PROTO_ICMP, c, 2, true) == 0)
			net_counters.icmp_echo_replies++;
		break;
	}
	case ICMP_DEST_UNREACH:
	case ICMP_SOURCE_QUENCH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAM_PROBLEM:
		/* Only errors about what we sent concern us. */
		if (m.quoted.proto == NET_PROTO_TCP &&
		    m.quoted.src == net_if.addr)
			tcp_icmp_error(m.quoted.src, m.quoted.dst,
			               m.quoted.payload.p, m.quoted.payload.len,
			               m.type, m.code);
		break;
	default:
		break; /* replies, timestamps, ...: nothing to do */
	}
}

/* A token bucket: ICMP_ERROR_BURST at once, ICMP_ERROR_PER_SEC after. */
static bool rate_ok(void)
{
	static kiln_time last;
	static unsigned tokens = ICMP_ERROR_BURST;
	kiln_time now = kiln_now();
	kiln_time per_token = KILN_SEC(1) / ICMP_ERROR_PER_SEC;
	if (now - last >= per_token) {
		kiln_time add = (now - last) / per_token;
		tokens = add >= ICMP_ERROR_BURST - tokens
		                 ? ICMP_ERROR_BURST
		                 : tokens + (unsigned)add;
		last = now;
	}
	if (!tokens)
		return false;
	tokens--;
	return true;
}

void icmp_send_unreach(const struct ipv4_hdr *h, struct kiln_view packet,
                       uint8_t code)
{
	/* Never about broadcasts, about packets without a real source,
	 * about fragments we could not quote, or about ICMP errors
	 * (RFC 1122 3.2.2). */
	if (!net_if.addr || net_is_broadcast(h->dst) || h->src == 0 ||
	    packet.len < h->hdr_len + 8u)
		return;
	if (h->proto == NET_PROTO_ICMP) {
		uint8_t type = (uint8_t)kiln_view_peek(&packet, h->hdr_len);
		if (type != ICMP_ECHO_REQUEST && type != ICMP_ECHO_REPLY)
			return;
	}
	if (!rate_ok()) {
		net_counters.icmp_rate_limited++;
		return;
	}
	uint8_t msg[ICMP_HDR_LEN + ICMP_QUOTE_MAX];
	size_t len = icmp_emit_error(msg, sizeof(msg), ICMP_DEST_UNREACH, code,
	                             0, packet.p, packet.len);
	struct net_chunk c = {msg, len, false};
	if (len && ipv4_send(h->dst, h->src, NET_PROTO_ICMP, &c, 1, false) == 0)
		net_counters.icmp_unreach_sent++;
}
