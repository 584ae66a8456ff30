/*
 * monitor/hvt/netring.c - the monitor's side of the frame rings
 * (netring.h). The guest may change its ring at any moment, also while
 * the monitor reads it: every value is loaded once into a local, checked,
 * and only the local is used. The monitor's own index lives in the
 * monitor, never read back from the guest.
 */
#include "netring.h"

#include <kiln/platform.h>
#include <stdio.h>
#include <string.h>

#define MASK (HVT_NET_RING_SIZE - 1)

int hvt_netring_next(struct hvt_net_ring *r, uint32_t *cons, uint32_t frame_max,
                     struct hvt_net_rec *rec, const uint8_t **frame, char *why,
                     size_t whylen)
{
	uint32_t prod = __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE);
	for (;;) {
		uint32_t avail = prod - *cons;
		if (avail > HVT_NET_RING_SIZE || avail % HVT_NET_REC_ALIGN) {
			snprintf(why, whylen,
			         "producer index %u with %u consumed", prod,
			         *cons);
			return -1;
		}
		if (avail == 0)
			return 0;
		uint32_t pos = *cons & MASK;
		memcpy(rec, r->data + pos, sizeof(*rec));
		if (rec->len == HVT_NET_REC_WRAP) {
			uint32_t skip = HVT_NET_RING_SIZE - pos;
			if (skip > avail) {
				snprintf(
				        why, whylen,
				        "wrap record at %u passes the producer "
				        "index %u",
				        *cons, prod);
				return -1;
			}
			*cons += skip;
			continue;
		}
		if (rec->len == 0 || rec->len > frame_max ||
		    HVT_NET_REC_SPACE(rec->len) > avail ||
		    pos + HVT_NET_REC_SPACE(rec->len) > HVT_NET_RING_SIZE) {
			snprintf(why, whylen,
			         "record of %u bytes at %u (producer at %u, "
			         "frames of at most %u)",
			         rec->len, *cons, prod, frame_max);
			return -1;
		}
		*frame = r->data + pos + sizeof(*rec);
		return 1;
	}
}

void hvt_netring_consumed(struct hvt_net_ring *r, uint32_t *cons, uint32_t len)
{
	*cons += HVT_NET_REC_SPACE(len);
	__atomic_store_n(&r->cons, *cons, __ATOMIC_RELEASE);
}

int hvt_netring_reserve(struct hvt_net_ring *r, uint32_t *prod, uint32_t max,
                        uint8_t **frame, char *why, size_t whylen)
{
	uint32_t cons = __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE), skip;
	if (*prod - cons > HVT_NET_RING_SIZE || cons % HVT_NET_REC_ALIGN) {
		snprintf(why, whylen, "consumer index %u with %u produced",
		         cons, *prod);
		return -1;
	}
	if (!hvt_net_ring_room(*prod, cons, max, &skip))
		return 0;
	if (skip) {
		struct hvt_net_rec wrap = {.len = HVT_NET_REC_WRAP};
		memcpy(r->data + (*prod & MASK), &wrap, sizeof(wrap));
		*prod += skip;
	}
	*frame = r->data + (*prod & MASK) + sizeof(struct hvt_net_rec);
	return 1;
}

void hvt_netring_commit(struct hvt_net_ring *r, uint32_t *prod,
                        const struct hvt_net_rec *rec)
{
	memcpy(r->data + (*prod & MASK), rec, sizeof(*rec));
	*prod += HVT_NET_REC_SPACE(rec->len);
	__atomic_store_n(&r->prod, *prod, __ATOMIC_RELEASE);
}

const char *hvt_netring_tx_meta(const struct hvt_net_rec *rec,
                                uint32_t offloads, uint32_t mtu_frame)
{
	uint32_t len = rec->len;
	if (rec->flags & ~PLATFORM_NET_META_NEEDS_CSUM)
		return "unknown flags";
	if (rec->flags && !(offloads & PLATFORM_NET_OFF_TX_CSUM))
		return "checksum offload not on";
	if ((rec->flags & PLATFORM_NET_META_NEEDS_CSUM) &&
	    (uint32_t)rec->csum_start + rec->csum_offset + 2 > len)
		return "checksum position outside the frame";
	switch (rec->gso_type) {
	case PLATFORM_NET_GSO_NONE:
		if (len > mtu_frame)
			return "frame longer than the MTU";
		return NULL;
	case PLATFORM_NET_GSO_TCPV4:
		if (!(offloads & PLATFORM_NET_OFF_TX_TSO4))
			return "segmentation offload not on";
		if (!(rec->flags & PLATFORM_NET_META_NEEDS_CSUM) ||
		    rec->gso_size == 0 || rec->hdr_len == 0 ||
		    rec->hdr_len >= len || len > HVT_NET_FRAME_MAX)
			return "bad segmentation header";
		return NULL;
	default:
		return "unknown segmentation type";
	}
}
