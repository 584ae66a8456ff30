/*
 * fuzz/hvt_netring.c - kiln-hvt's side of the frame rings
 * (monitor/hvt/netring.c) against a guest whose every move comes from the
 * input.
 *
 * The input is a script of operations. The guest may set its index in
 * either ring to any value and write any bytes anywhere in the rings at
 * any time (as a hostile guest writes its memory), or append a valid
 * record; the monitor takes transmit records and appends receive records
 * of lengths the input chooses. The ring is allocated at exactly its
 * size, so any access outside it is caught (ASan), and the harness checks
 * what the monitor relies on: a record it takes lies inside the ring,
 * below the producer index the guest last wrote and within the frame
 * limit; room it reserves lies inside the ring and never covers bytes
 * the guest has not consumed; once an index is found broken, the monitor
 * stops (as kiln-hvt ends the guest). Transmit metadata goes through
 * hvt_netring_tx_meta, whose yes must mean a checksum position inside the
 * frame and offloads that are on.
 */
#include "../monitor/hvt/netring.h"

#include <kiln/platform.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile uint8_t sink;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "hvt_netring: %s\n", what);
		abort();
	}
}

struct input {
	const uint8_t *p;
	size_t n;
};

static uint32_t take(struct input *in, unsigned bytes)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint32_t)*in->p << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hvt_net_ring *tx, *rx;
	if (!tx) {
		tx = malloc(sizeof(*tx));
		rx = malloc(sizeof(*rx));
		check(tx && rx, "out of memory");
	}
	memset(tx, 0, sizeof(*tx));
	memset(rx, 0, sizeof(*rx));
	struct input in = {data, size};
	uint32_t offloads = take(&in, 1) & 0xf;
	/* Both rings start where the input says (anywhere, as after a long
	 * run), so that records near the ring's end are reached. */
	uint32_t start = take(&in, 4) & ~(HVT_NET_REC_ALIGN - 1);
	uint32_t tx_cons = start, rx_prod = start, guest_tx_prod = start;
	tx->prod = tx->cons = rx->prod = rx->cons = start;
	int tx_broken = 0, rx_broken = 0;
	char why[160];
	uint32_t mtu_frame = 1514;
	uint32_t tx_max = offloads & PLATFORM_NET_OFF_TX_TSO4
	                          ? HVT_NET_FRAME_MAX
	                          : mtu_frame;
	for (unsigned steps = 0; in.n && steps < 4096; steps++) {
		switch (take(&in, 1) % 8) {
		case 0: /* the guest sets its transmit index */
			tx->prod = guest_tx_prod = take(&in, 4);
			break;
		case 1: /* the guest scribbles a record header anywhere */
		case 2: {
			/* Near the consumer most of the time. */
			uint32_t pos =
			        take(&in, 1) & 1
			                ? (tx_cons + take(&in, 2)) %
			                          HVT_NET_RING_SIZE
			                : take(&in, 3) % HVT_NET_RING_SIZE;
			pos = pos > HVT_NET_RING_SIZE - 16
			              ? HVT_NET_RING_SIZE - 16
			              : pos;
			struct hvt_net_ring *r = take(&in, 1) & 1 ? rx : tx;
			for (unsigned k = 0; k < 16 && in.n; k++)
				r->data[pos + k] = (uint8_t)take(&in, 1);
			break;
		}
		case 3: { /* the guest appends a good record */
			uint32_t len = 1 + take(&in, 2) % tx_max, skip;
			if (guest_tx_prod % HVT_NET_REC_ALIGN ||
			    !hvt_net_ring_room(guest_tx_prod, tx->cons, len,
			                       &skip))
				break;
			struct hvt_net_rec rec = {.len = HVT_NET_REC_WRAP};
			if (skip)
				memcpy(tx->data + guest_tx_prod %
				                          HVT_NET_RING_SIZE,
				       &rec, sizeof(rec));
			guest_tx_prod += skip;
			rec = (struct hvt_net_rec){.len = len};
			rec.flags = (uint8_t)take(&in, 1);
			rec.gso_type = (uint8_t)take(&in, 1);
			rec.csum_start = (uint16_t)take(&in, 2);
			rec.csum_offset = (uint16_t)take(&in, 2);
			rec.hdr_len = (uint16_t)take(&in, 2);
			rec.gso_size = (uint16_t)take(&in, 2);
			memcpy(tx->data + guest_tx_prod % HVT_NET_RING_SIZE,
			       &rec, sizeof(rec));
			guest_tx_prod += HVT_NET_REC_SPACE(len);
			tx->prod = guest_tx_prod;
			break;
		}
		case 4: { /* the monitor sends what the ring holds */
			for (unsigned k = 0; !tx_broken && k < 64; k++) {
				struct hvt_net_rec rec;
				const uint8_t *frame;
				uint32_t prod = tx->prod;
				int r = hvt_netring_next(tx, &tx_cons, tx_max,
				                         &rec, &frame, why,
				                         sizeof(why));
				if (r < 0)
					tx_broken = 1;
				if (r <= 0)
					break;
				check(rec.len >= 1 && rec.len <= tx_max,
				      "a frame beyond the limit");
				check(frame >= tx->data &&
				              frame + rec.len <=
				                      tx->data +
				                              HVT_NET_RING_SIZE,
				      "a frame outside the ring");
				check(prod - tx_cons >=
				              HVT_NET_REC_SPACE(rec.len),
				      "a frame past the producer index");
				/* Touch every byte, as the tap write does. */
				uint8_t sum = 0;
				for (uint32_t i = 0; i < rec.len; i++)
					sum ^= frame[i];
				sink = sum;
				const char *bad = hvt_netring_tx_meta(
				        &rec, offloads, mtu_frame);
				if (!bad) {
					check(!rec.flags ||
					              (offloads &
					               PLATFORM_NET_OFF_TX_CSUM),
					      "checksum offload not on");
					check(!rec.flags ||
					              (uint32_t)rec.csum_start +
					                              rec.csum_offset +
					                              2 <=
					                      rec.len,
					      "checksum outside the frame");
					check(rec.gso_type == 0 ||
					              (offloads &
					               PLATFORM_NET_OFF_TX_TSO4),
					      "segmentation offload not on");
					check(rec.gso_type != 0 ||
					              rec.len <= mtu_frame,
					      "a plain frame beyond the MTU");
				}
				hvt_netring_consumed(tx, &tx_cons, rec.len);
				check(tx->cons == tx_cons,
				      "cons not published");
			}
			break;
		}
		case 5: /* the guest sets its receive index */
			rx->cons = take(&in, 4);
			break;
		case 6: { /* the monitor receives frames */
			uint32_t max = 1 + take(&in, 2) % HVT_NET_FRAME_MAX;
			uint32_t n = take(&in, 1) % 8;
			for (uint32_t k = 0; !rx_broken && k < n; k++) {
				uint8_t *frame;
				uint32_t cons = rx->cons;
				int r = hvt_netring_reserve(rx, &rx_prod, max,
				                            &frame, why,
				                            sizeof(why));
				if (r < 0)
					rx_broken = 1;
				if (r <= 0)
					break;
				check(frame >= rx->data &&
				              frame + max <=
				                      rx->data +
				                              HVT_NET_RING_SIZE,
				      "room outside the ring");
				memset(frame, 0xa5, max);
				struct hvt_net_rec rec = {
				        .len = 1 + take(&in, 2) % max};
				hvt_netring_commit(rx, &rx_prod, &rec);
				check(rx_prod - cons <= HVT_NET_RING_SIZE,
				      "wrote over unconsumed bytes");
				check(rx->prod == rx_prod,
				      "prod not published");
			}
			break;
		}
		case 7: { /* the guest consumes like the platform */
			uint32_t cons = rx->cons;
			for (unsigned k = 0; k < 64 && cons != rx_prod; k++) {
				uint32_t avail = rx_prod - cons;
				if (avail > HVT_NET_RING_SIZE ||
				    cons % HVT_NET_REC_ALIGN)
					break;
				struct hvt_net_rec rec;
				uint32_t pos = cons % HVT_NET_RING_SIZE;
				memcpy(&rec, rx->data + pos, sizeof(rec));
				if (rec.len == HVT_NET_REC_WRAP) {
					cons += HVT_NET_RING_SIZE - pos;
					continue;
				}
				cons += HVT_NET_REC_SPACE(rec.len);
			}
			rx->cons = cons;
			break;
		}
		}
	}
	return 0;
}
