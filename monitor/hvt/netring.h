/*
 * monitor/hvt/netring.h - the monitor's side of a frame area's rings
 * (hvt_abi.h, struct hvt_net_area): taking records from the guest's
 * transmit ring and appending to its receive ring, with every index and
 * record the guest wrote checked before use.
 *
 * Kept apart from net.c (no KVM, no devices) for fuzz/hvt_netring.c.
 */
#ifndef KILN_HVT_NETRING_H
#define KILN_HVT_NETRING_H

#include "../../platform/hvt/hvt_abi.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The next record of the transmit ring r, whose consumer (the monitor) is
 * at *cons: 1 with a copy of its header in *rec and *frame pointing at its
 * rec->len bytes inside the ring (1 .. frame_max); 0 when the ring is
 * empty; -1 when the guest broke the ring (an index or record out of
 * bounds: why says how). Wrap records are passed over on the way.
 */
int hvt_netring_next(struct hvt_net_ring *r, uint32_t *cons, uint32_t frame_max,
                     struct hvt_net_rec *rec, const uint8_t **frame, char *why,
                     size_t whylen);

/* Pass the record of a len-byte frame hvt_netring_next returned, and
 * publish the consumer index. */
void hvt_netring_consumed(struct hvt_net_ring *r, uint32_t *cons, uint32_t len);

/*
 * Room in the receive ring r, whose producer (the monitor) is at *prod,
 * for a frame of up to max bytes: 1 with *frame where it goes (max bytes,
 * after a wrap record written on the way when needed); 0 when the ring is
 * too full; -1 when the guest's consumer index is out of bounds.
 */
int hvt_netring_reserve(struct hvt_net_ring *r, uint32_t *prod, uint32_t max,
                        uint8_t **frame, char *why, size_t whylen);

/* Append the frame put where hvt_netring_reserve said, with rec's length
 * and metadata, and publish the producer index. */
void hvt_netring_commit(struct hvt_net_ring *r, uint32_t *prod,
                        const struct hvt_net_rec *rec);

/*
 * Whether the offload metadata of a len-byte transmit frame is allowed on
 * a device with the offloads on (PLATFORM_NET_OFF_*) and frames of
 * mtu_frame bytes otherwise: NULL when it is, else why not.
 */
const char *hvt_netring_tx_meta(const struct hvt_net_rec *rec,
                                uint32_t offloads, uint32_t mtu_frame);

#endif /* KILN_HVT_NETRING_H */
