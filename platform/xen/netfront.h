/*
 * netfront.h - the xen target's network driver (Xen's netif protocol,
 * io/netif.h) behind the net half of kiln/platform.h.
 *
 * "net<N>" is the frontend in xenstore's device/vif/<N>. Set-up happens in
 * platform_net_acquire(); from then on the device is registered with
 * platform_yield (xen_device_register) and reports input when the receive
 * ring holds responses. docs/xen.md has the details.
 */
#ifndef XEN_NETFRONT_H
#define XEN_NETFRONT_H

#include "xen.h"

#include <stdint.h>

/* Every frame the backend sent or took, and what went wrong. */
struct netfront_counters {
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_bad;        /* responses breaking the protocol: dropped */
	uint64_t rx_bad_prod;   /* rsp_prod claiming more than was posted */
	uint64_t rx_errors;     /* the backend's own error statuses */
	uint64_t rx_multislot;  /* frames in several slots: dropped */
	uint64_t rx_too_big;    /* longer than the caller's buffer: dropped */
	uint64_t rx_csum_blank; /* marked checksum-blank (passed on) */
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_bad;      /* responses breaking the protocol: ignored */
	uint64_t tx_bad_prod; /* rsp_prod claiming more than was sent */
	uint64_t tx_errors;   /* the backend's error/dropped statuses */
	uint64_t tx_down;     /* frames written while disconnected: dropped */
	uint64_t reconnects;
	uint64_t
	        pages_kept; /* still granted after a disconnect: never reused */
};

/* The counters of the acquired device h; false when h is not one. */
bool netfront_get_counters(platform_handle h, struct netfront_counters *c);

#ifdef KILN_FUZZ
/* Forget every device and free its memory (host tests and fuzzing). */
void netfront_reset(void);
#endif

#endif /* XEN_NETFRONT_H */
