/*
 * virtio_net_hdr.h - the virtio-net header (virtio 1.x, 5.1.6): reading
 * and checking the one the device wrote before a received frame, writing
 * one for a frame sent. No device access: the fuzz harness
 * (fuzz/virtio_net_hdr.c) runs it on the host.
 */
#ifndef VIRTIO_NET_HDR_H
#define VIRTIO_NET_HDR_H

#include <kiln/platform.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* struct virtio_net_hdr with num_buffers: 12 bytes in virtio 1.x. */
#define VNET_HDR_LEN 12

#define VNET_HDR_F_NEEDS_CSUM 1
#define VNET_HDR_F_DATA_VALID 2
#define VNET_HDR_GSO_NONE 0
#define VNET_HDR_GSO_TCPV4 1

struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

/* The header at p (VNET_HDR_LEN bytes, little-endian fields). */
void vnet_hdr_read(const uint8_t *p, struct vnet_hdr *h);

/*
 * Check the header the device wrote before a received frame of len bytes
 * against the receive offloads turned on (PLATFORM_NET_OFF_RX_*, the
 * features negotiated) and the device's MTU, and fill in *m from it. NULL
 * when every field fits; else why not (the frame is not to be used).
 * num_buffers is not looked at here: see vnet_hdr_buffers().
 */
const char *vnet_hdr_check(const struct vnet_hdr *h, size_t len,
                           uint32_t rx_offloads, uint16_t mtu,
                           struct platform_net_meta *m);

/*
 * How many receive buffers the frame whose first buffer holds h spans:
 * 1 without VIRTIO_NET_F_MRG_RXBUF (mergeable false; the field is then
 * not the device's to set); with it, num_buffers, which must lie in
 * 1..pending (the buffers the device has returned so far, this one
 * included). 0 when it does not.
 */
unsigned vnet_hdr_buffers(const struct vnet_hdr *h, bool mergeable,
                          unsigned pending);

/* The header for a frame sent with metadata m (already checked against
 * the offloads turned on) at p. */
void vnet_hdr_write(uint8_t *p, const struct platform_net_meta *m);

#endif /* VIRTIO_NET_HDR_H */
