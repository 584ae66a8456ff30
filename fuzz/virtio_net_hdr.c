/*
 * fuzz/virtio_net_hdr.c - libFuzzer harness for the virtio-net driver's
 * check of the header the device writes before a received frame
 * (platform/virtio_drivers/virtio_net_hdr.c).
 *
 * Input: the 12 header bytes, then a byte choosing the receive offloads
 * negotiated, MRG_RXBUF and the MTU, then the frame. A header accepted
 * must give metadata that fits the frame (the checksum field is written
 * into a buffer of exactly the frame's size, as lib/net would for UDP),
 * only what was negotiated, and survive a write and read back; the
 * number of buffers must lie within what the ring holds.
 */
#include "../platform/virtio_drivers/virtio_net_hdr.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < VNET_HDR_LEN + 1)
		return 0;
	struct vnet_hdr h;
	vnet_hdr_read(data, &h);
	uint8_t cfg = data[VNET_HDR_LEN];
	static const uint32_t rx_sets[4] = {
	        0, PLATFORM_NET_OFF_RX_CSUM,
	        PLATFORM_NET_OFF_RX_CSUM | PLATFORM_NET_OFF_RX_TSO4,
	        PLATFORM_NET_OFF_RX_TSO4 /* not a set the driver asks */};
	uint32_t rx = rx_sets[cfg & 3];
	bool mergeable = cfg & 4;
	uint16_t mtu = (cfg & 8) ? 1500 : (uint16_t)(68 + (cfg >> 4) * 500);
	const uint8_t *frame = data + VNET_HDR_LEN + 1;
	size_t len = size - VNET_HDR_LEN - 1;

	unsigned pending = (cfg >> 4) * 17u;
	unsigned nbuf = vnet_hdr_buffers(&h, mergeable, pending);
	if (!mergeable && nbuf != 1)
		abort();
	if (nbuf > pending && mergeable)
		abort();
	if (mergeable && nbuf && nbuf != h.num_buffers)
		abort();

	struct platform_net_meta m;
	if (vnet_hdr_check(&h, len, rx, mtu, &m) != NULL) {
		if (m.flags || m.gso_type || m.csum_start || m.hdr_len)
			abort(); /* a refused header leaves nothing behind */
		return 0;
	}
	if (len < 14)
		abort();
	if (m.flags &
	    ~(PLATFORM_NET_META_NEEDS_CSUM | PLATFORM_NET_META_DATA_VALID))
		abort();
	if (m.flags && !(rx & PLATFORM_NET_OFF_RX_CSUM))
		abort();
	if (m.gso_type != PLATFORM_NET_GSO_NONE) {
		if (m.gso_type != PLATFORM_NET_GSO_TCPV4 ||
		    !(rx & PLATFORM_NET_OFF_RX_TSO4) ||
		    !(m.flags & PLATFORM_NET_META_NEEDS_CSUM) ||
		    m.gso_size == 0 || len > PLATFORM_NET_FRAME_MAX ||
		    m.hdr_len > len)
			abort();
	} else if (len > (size_t)mtu + 14 || m.gso_size) {
		abort();
	}
	uint8_t *copy = malloc(len);
	memcpy(copy, frame, len);
	if (m.flags & PLATFORM_NET_META_NEEDS_CSUM) {
		/* Finish the sum in place, as the caller does: within the
		 * frame's bytes or ASan says so. */
		uint32_t sum = 0;
		for (size_t i = m.csum_start; i < len; i++)
			sum += (uint32_t)copy[i]
			       << ((i - m.csum_start) & 1 ? 0 : 8);
		copy[m.csum_start + m.csum_offset] = (uint8_t)(sum >> 8);
		copy[m.csum_start + m.csum_offset + 1] = (uint8_t)sum;
	} else if (m.csum_start || m.csum_offset) {
		abort();
	}
	free(copy);

	/* What the driver would send with this metadata reads back the same. */
	uint8_t out[VNET_HDR_LEN];
	struct vnet_hdr back;
	struct platform_net_meta m2 = m;
	m2.flags &= PLATFORM_NET_META_NEEDS_CSUM;
	vnet_hdr_write(out, &m2);
	vnet_hdr_read(out, &back);
	if (back.gso_type != h.gso_type || back.gso_size != m2.gso_size ||
	    back.num_buffers != 0 ||
	    (m2.flags && (back.csum_start != h.csum_start ||
	                  back.csum_offset != h.csum_offset)))
		abort();
	return 0;
}
