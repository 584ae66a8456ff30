/*
 * blkfront.h - the xen target's block driver (Xen's blkif protocol,
 * io/blkif.h) behind the block half of kiln/platform.h.
 *
 * "blk<N>" is the N-th entry of xenstore's device/vbd in numeric order
 * (blk0 the lowest virtual-device number). Set-up happens in
 * platform_block_acquire(); I/O is synchronous. docs/xen.md has the
 * details.
 */
#ifndef XEN_BLKFRONT_H
#define XEN_BLKFRONT_H

#include "xen.h"

#include <stdint.h>

struct blkfront_counters {
	uint64_t requests; /* ring requests sent */
	uint64_t notifies; /* notifications sent */
	uint64_t flushes;
	uint64_t errors;   /* requests the backend failed */
	uint64_t bad;      /* responses breaking the protocol: ignored */
	uint64_t bad_prod; /* rsp_prod claiming more than was sent */
	uint64_t timeouts; /* the backend did not answer in time */
};

/* The counters of the acquired device h; false when h is not one. */
bool blkfront_get_counters(platform_handle h, struct blkfront_counters *c);

#ifdef KILN_FUZZ
/* Forget every device and free its memory (host tests and fuzzing). */
void blkfront_reset(void);
#endif

#endif /* XEN_BLKFRONT_H */
