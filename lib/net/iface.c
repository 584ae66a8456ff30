/*
 * lib/net/iface.c - the Ethernet interface: receiving frames in batches
 * when the device is ready, and sending the frames queued during a loop
 * turn in one batch just before the loop sleeps, so a target that pays
 * for every trip to its host (hvt) makes few of them per burst.
 */
#include "iface.h"
#include <string.h>

#define RX_BATCH 32
#define RX_BATCHES_PER_TURN 8 /* then let the loop run other work */
#define TX_BATCH 32
#define TX_RETRY_DELAY KILN_USEC(100)

struct net_iface net_if;

static struct pktbuf *txq_head, *txq_tail;
static unsigned txq_len;
static struct kiln_timer tx_retry;

static bool tx_send_queued(void);

void net_tx_frame(struct pktbuf *b)
{
	net_counters.tx_frames++;
	net_counters.tx_bytes += b->len;
	b->next = NULL;
	if (txq_tail)
		txq_tail->next = b;
	else
		txq_head = b;
	txq_tail = b;
	/* Frames leave in one batch per loop turn, from the before-yield
	 * hook. The platform is only ever called on the loop's own stack:
	 * a fiber's stack may be too small for what the host side needs
	 * (libslirp puts a 64 KiB frame buffer on the caller's stack). In
	 * a callback, a queue holding half the pool (or a pool nearly
	 * empty) goes out at once, before a sender reaches the reserve of
	 * net_tx_room and has to wait. Fibers that send a lot make room by
	 * yielding: TCP waits for buffers (net_buf_wait), udp_sendto
	 * yields when the pool runs low. */
	txq_len++;
	if (!kiln_fiber_self() &&
	    (txq_len >= pktbuf_total() / 2 || net_tx_pool_low()))
		tx_send_queued();
}

bool net_tx_pool_low(void)
{
	return pktbuf_free_count() < pktbuf_total() / 4;
}

/* Send the queue in batches; false when the host took only part of it. */
static bool tx_send_queued(void)
{
	while (txq_head) {
		struct platform_frame frames[TX_BATCH];
		struct pktbuf *b = txq_head;
		unsigned n = 0;
		for (; b && n < TX_BATCH; b = b->next, n++) {
			frames[n].data = b->data;
			frames[n].size = pktbuf_size;
			frames[n].len = b->len;
			frames[n].meta = b->meta;
			frames[n].iov = b->n_iov ? b->iov : NULL;
			frames[n].n_iov = b->n_iov;
		}
		int sent = platform_net_write_batch(net_if.dev, frames, n);
		net_counters.tx_batches++;
		if (sent < 0) {
			/* The host failed; these frames are lost, as on a
			 * wire. */
			KILN_WARN(NET_SUBSYS, "transmit failed (%d)", sent);
			sent = (int)n;
			net_counters.tx_errors += n;
		}
		for (int i = 0; i < sent; i++) {
			b = txq_head;
			txq_head = b->next;
			pktbuf_put(b);
			txq_len--;
		}
		if (!txq_head)
			txq_tail = NULL;
		if ((unsigned)sent < n) {
			/* Congested: try again shortly, even if nothing else
			 * wakes the loop. */
			if (!kiln_timer_armed(&tx_retry))
				kiln_timer_arm(&tx_retry,
				               kiln_now() + TX_RETRY_DELAY);
			return false;
		}
	}
	return true;
}

void net_tx_flush(void *arg)
{
	(void)arg;
	/* Frames gone means buffers back: senders waiting for them go on,
	 * and what they queue goes out in the same flush. This ends: each
	 * waiter sends at most what its window allows, and windows open
	 * only with ACKs, which this loop does not read. */
	while (tx_send_queued() && pktbuf_waiters()) {
		if (!pktbuf_wake_waiters() || !txq_head)
			break;
	}
}

static void tx_retry_fired(struct kiln_timer *t, void *arg)
{
	(void)t;
	net_tx_flush(arg);
}

void net_tx_init(void)
{
	kiln_timer_init(&tx_retry, tx_retry_fired, NULL);
}

void net_rx_frame(const uint8_t *frame, size_t len)
{
	struct eth_hdr eth;

	net_counters.rx_frames++;
	net_counters.rx_bytes += len;
	int err = eth_parse(kiln_view_make(frame, len), &eth);
	if (err == WIRE_UNSUPPORTED) {
		NET_DROP(drop_eth_unsupported);
		return;
	}
	if (err) {
		NET_DROP(drop_eth_malformed);
		return;
	}
	if (!eth_addr_eq(eth.dst, net_if.mac) &&
	    !eth_addr_eq(eth.dst, eth_broadcast)) {
		NET_DROP(drop_eth_not_for_us);
		return;
	}
	switch (eth.type) {
	case ETH_TYPE_IPV4:
		ipv4_input(eth.payload);
		break;
	case ETH_TYPE_ARP:
		arp_input(eth.payload);
		break;
	default:
		NET_DROP(drop_eth_unsupported);
		break;
	}
}

bool net_rx_csum_trusted;

/*
 * A received frame with the host's offload metadata (all zero unless
 * receive offloads are on). A partial checksum (the packet came from the
 * host itself) is trusted for TCP, which then sums nothing; for anything
 * else it is finished here, as the device would have. Metadata that does
 * not fit the frame is the host's mistake: the frame is dropped, as is one
 * its target marked PLATFORM_NET_META_BAD (any flag not known here).
 */
static void rx_offloaded_frame(struct platform_frame *f)
{
	const struct platform_net_meta *m = &f->meta;
	uint8_t *p = f->data;
	bool gso_ok = (net_if.offloads & PLATFORM_NET_OFF_RX_TSO4) &&
	              m->gso_type == PLATFORM_NET_GSO_TCPV4;
	bool bad = (m->flags & ~(PLATFORM_NET_META_NEEDS_CSUM |
	                         PLATFORM_NET_META_DATA_VALID)) ||
	           (m->gso_type != PLATFORM_NET_GSO_NONE && !gso_ok);
	if ((m->flags & PLATFORM_NET_META_NEEDS_CSUM) &&
	    ((size_t)m->csum_start + m->csum_offset + 2 > f->len ||
	     m->csum_start < ETH_HDR_LEN + IPV4_HDR_LEN))
		bad = true;
	/* A coalesced frame is TCP/IPv4 with its checksum partial. */
	if (m->gso_type != PLATFORM_NET_GSO_NONE &&
	    (!(m->flags & PLATFORM_NET_META_NEEDS_CSUM) || f->len < 34 ||
	     p[23] != NET_PROTO_TCP))
		bad = true;
	if (bad) {
		net_counters.rx_frames++;
		net_counters.rx_bytes += f->len;
		NET_DROP(drop_bad_offload);
		return;
	}
	bool tcp = f->len >= 34 && p[12] == 0x08 && p[13] == 0x00 &&
	           p[23] == NET_PROTO_TCP;
	if ((m->flags & PLATFORM_NET_META_NEEDS_CSUM) && !tcp) {
		uint32_t sum = net_csum_add(0, p + m->csum_start,
		                            f->len - m->csum_start);
		uint16_t v = net_csum_finish(sum);
		p[m->csum_start + m->csum_offset] = (uint8_t)(v >> 8);
		p[m->csum_start + m->csum_offset + 1] = (uint8_t)v;
	}
	net_rx_csum_trusted = tcp && m->flags != 0;
	net_rx_frame(f->data, f->len);
	net_rx_csum_trusted = false;
}

void net_rx_ready(void *arg)
{
	(void)arg;
	for (int round = 0; round < RX_BATCHES_PER_TURN; round++) {
		struct pktbuf *bufs[RX_BATCH];
		struct platform_frame frames[RX_BATCH];
		unsigned n = 0;

		/* Keep a few buffers back for what the frames provoke
		 * (replies); without them reading would only waste. */
		while (n < RX_BATCH && pktbuf_free_count() > RX_BATCH / 2) {
			bufs[n] = pktbuf_get();
			frames[n].data = bufs[n]->data;
			frames[n].size = pktbuf_size;
			frames[n].len = 0;
			memset(&frames[n].meta, 0, sizeof(frames[n].meta));
			n++;
		}
		if (n == 0) {
			/* Pool exhausted: drain one frame into a scratch
			 * buffer and drop it, so the device does not stay
			 * ready forever with nobody reading. */
			static uint8_t scratch[65536 + ETH_HDR_LEN];
			size_t len;
			if (platform_net_read(net_if.dev, scratch,
			                      sizeof(scratch),
			                      &len) != PLATFORM_OK)
				return;
			net_counters.rx_frames++;
			net_counters.rx_bytes += len;
			NET_DROP(drop_no_buffer);
			continue;
		}
		int got = platform_net_read_batch(net_if.dev, frames, n);
		net_counters.rx_batches++;
		if (got < 0) {
			KILN_WARN(NET_SUBSYS, "receive failed (%d)", got);
			got = 0;
		}
		for (int i = 0; i < got; i++)
			rx_offloaded_frame(&frames[i]);
		for (unsigned i = 0; i < n; i++)
			pktbuf_put(bufs[i]);
		if ((unsigned)got < n)
			return; /* drained */
	}
}
