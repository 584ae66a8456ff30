/*
 * host/tap.h - opening a Linux tap device for raw Ethernet frames.
 */
#ifndef KILN_HOST_TAP_H
#define KILN_HOST_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Attach to the tap interface ifname (created if it does not exist and we
 * may), as IFF_TAP | IFF_NO_PI, non-blocking. Returns the file descriptor,
 * or -1 with a one-line reason in err.
 */
int host_tap_open(const char *ifname, char *err, size_t errlen);

/*
 * The same with IFF_VNET_HDR: every frame read or written is preceded by
 * a struct host_tap_vnet_hdr (Linux's struct virtio_net_hdr, in host byte
 * order), which carries checksum and segmentation offload metadata.
 * Sending large (GSO) frames needs nothing more; receiving them, or frames
 * with a partial checksum, needs host_tap_set_offload().
 */
#define HOST_TAP_VNET_HDR_LEN 10
struct host_tap_vnet_hdr {
	uint8_t flags;    /* 1: needs checksum, 2: data valid */
	uint8_t gso_type; /* 0: none, 1: TCPv4, 0x80: ECN */
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};
int host_tap_open_vnet(const char *ifname, char *err, size_t errlen);

/* Let the kernel hand us frames with a partial checksum (csum) and
 * coalesced TCPv4 frames (tso4, only with csum). 0, or -1 (errno). */
int host_tap_set_offload(int fd, bool csum, bool tso4);

#endif /* KILN_HOST_TAP_H */
