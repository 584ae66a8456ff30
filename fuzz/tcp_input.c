/*
 * fuzz/tcp_input.c - random segments and application calls against a
 * stack with a listening socket and an established connection, over the
 * scripted IP layer of tests/tcp/harness.c (which checks every segment
 * TCP sends: size within the MTU, checksum right, parsable).
 *
 * Input: records of [ctl][len][len bytes]. ctl picks the target (the
 * established connection, the listener from a fuzzed port, a closed
 * port, or the raw ports), whether seq/ack are pulled near the
 * connection's own numbers, whether the checksum is fixed, and an
 * application call or a clock step to do afterwards. Inputs of odd
 * length run with SYN cookies for every SYN (the established connection
 * is then made from a cookie, and segments to the listener are checked as
 * cookies), even ones with cookies once the backlog is full.
 *
 * (The sources: the harness, TCP, and wire/tcp.c plus wire/checksum.c.)
 */
#include "../tests/tcp/harness.h"

#include "../lib/net/wire/checksum.h"

#include <stdlib.h>
#include <string.h>

static struct tcp_listener *l;
static uint16_t next_port = 1024;

static struct tcp_conn *establish(void)
{
	int err;
	struct h_in in;
	memset(&in, 0, sizeof(in));
	in.src = H_PEER;
	in.dst = H_LOCAL;
	in.sport = next_port;
	next_port = next_port == 65535 ? 1024 : next_port + 1;
	in.dport = 80;
	in.seq = 1000;
	in.flags = TCP_SYN;
	in.window = 65535;
	in.opt.has_mss = true;
	in.opt.mss = 1000;
	in.opt.sack_permitted = true;
	in.opt.has_ts = true;
	in.opt.ts_val = 1;
	in.opt.has_wscale = true;
	in.opt.wscale = 2;
	h_clear();
	h_input(&in);
	struct h_seg *s = h_last();
	if (!s)
		return NULL;
	memset(&in.opt, 0, sizeof(in.opt));
	in.opt.has_ts = true;
	in.opt.ts_val = 2;
	in.opt.ts_ecr = s->h.opt.ts_val; /* a cookie's options ride on it */
	in.seq = 1001;
	in.ack = s->h.seq + 1;
	in.flags = TCP_ACK;
	h_input(&in);
	return tcp_accept_nowait(l, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int err;
	h_fail_aborts = true;
	if (!l)
		l = tcp_listen(0, 80, 16, &err);
	/* Connections the fuzzed SYNs opened are reset, so that the
	 * backlog and the connection limit do not stay full. */
	struct tcp_conn *old;
	while ((old = tcp_accept_nowait(l, &err)))
		tcp_abort(old);
	tcp_cfg.syncookies =
	        size % 2 ? TCP_SYNCOOKIES_ALWAYS : TCP_SYNCOOKIES_AUTO;
	struct tcp_conn *c = establish();
	if (!c)
		return 0; /* limits reached: a legal outcome */
	uint16_t cport = c->rport;
	bool closed = false;

	struct kiln_view v = kiln_view_make(data, size);
	uint8_t ctl, len;
	while (kiln_view_u8(&v, &ctl) && kiln_view_u8(&v, &len)) {
		uint8_t seg[300];
		size_t n = len < v.len ? len : v.len;
		if (n < TCP_HDR_MIN) {
			memset(seg, 0, TCP_HDR_MIN);
			seg[12] = 5 << 4;
		}
		kiln_view_copy(&v, seg, n);
		size_t seglen = n < TCP_HDR_MIN ? TCP_HDR_MIN : n;
		struct tcp_conn *live =
		        closed ? NULL : tcp_lookup(H_LOCAL, 80, H_PEER, cport);
		switch (ctl & 3) {
		case 0: /* the established connection */
			seg[0] = (uint8_t)(cport >> 8);
			seg[1] = (uint8_t)cport;
			seg[2] = 0;
			seg[3] = 80;
			break;
		case 1: /* the listener, from some port */
			seg[2] = 0;
			seg[3] = 80;
			break;
		case 2: /* a closed port */
			seg[2] = 0;
			seg[3] = 81;
			break;
		default:
			break;
		}
		if ((ctl & 4) && live && (ctl & 3) == 0) {
			uint32_t s = live->rcv_nxt + (uint32_t)(int8_t)seg[4];
			seg[4] = (uint8_t)(s >> 24);
			seg[5] = (uint8_t)(s >> 16);
			seg[6] = (uint8_t)(s >> 8);
			seg[7] = (uint8_t)s;
		}
		if ((ctl & 8) && live && (ctl & 3) == 0) {
			uint32_t a = live->snd_una + (uint32_t)(int8_t)seg[8];
			seg[8] = (uint8_t)(a >> 24);
			seg[9] = (uint8_t)(a >> 16);
			seg[10] = (uint8_t)(a >> 8);
			seg[11] = (uint8_t)a;
		}
		if (!(ctl & 16)) {
			seg[16] = seg[17] = 0;
			uint32_t sum = net_csum_pseudo(0, H_PEER, H_LOCAL,
			                               NET_PROTO_TCP,
			                               (uint16_t)seglen);
			sum = net_csum_add(sum, seg, seglen);
			uint16_t cs = net_csum_finish(sum);
			seg[16] = (uint8_t)(cs >> 8);
			seg[17] = (uint8_t)cs;
		}
		tcp_input(H_PEER, H_LOCAL, seg, seglen);

		/* Then an application call or a clock step. */
		uint8_t buf[2048];
		switch (ctl >> 5) {
		case 0:
			break;
		case 1:
			if (!closed)
				(void)tcp_send(c, seg, seglen);
			break;
		case 2:
			if (!closed)
				(void)tcp_recv(c, buf, sizeof(buf));
			break;
		case 3:
			if (!closed)
				tcp_shutdown(c);
			break;
		case 4:
			h_advance(KILN_MSEC(50) * (1 + seg[13 % seglen] % 8));
			break;
		case 5:
			h_advance(KILN_SEC(1) << (seg[14 % seglen] % 8));
			break;
		case 6:
			if (!closed) {
				const void *p;
				size_t k = tcp_peek(c, &p);
				if (k)
					tcp_consume(c, k / 2 + 1);
			}
			break;
		default:
			if (!closed) {
				tcp_close(c);
				closed = true;
			}
			break;
		}
		h_clear();
	}
	if (!closed)
		tcp_abort(c);
	/* Let what is left run its course. */
	h_advance(KILN_SEC(300));
	h_clear();
	return 0;
}
