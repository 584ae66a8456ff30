/*
 * virtio_net_hdr.c - the virtio-net header: see virtio_net_hdr.h.
 *
 * Everything in a received header is the host's word and checked before
 * use: only the flags and GSO types of the features negotiated, a
 * checksum position inside the frame (after an Ethernet and a minimal
 * IPv4 header, at a TCP or UDP checksum field), a coalesced frame only as
 * partial-checksum TCP with a segment size and no larger than 65535 IP
 * bytes, and an unsegmented one no larger than the MTU. Fields a header
 * leaves unused must be zero.
 */
#include "virtio_net_hdr.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void vnet_hdr_read(const uint8_t *p, struct vnet_hdr *h)
{
	h->flags = p[0];
	h->gso_type = p[1];
	h->hdr_len = le16(p + 2);
	h->gso_size = le16(p + 4);
	h->csum_start = le16(p + 6);
	h->csum_offset = le16(p + 8);
	h->num_buffers = le16(p + 10);
}

/* Ethernet and the smallest IPv4 header: where a TCP/UDP sum can start. */
#define MIN_CSUM_START (14 + 20)
#define TCP_CSUM_OFFSET 16
#define UDP_CSUM_OFFSET 6

const char *vnet_hdr_check(const struct vnet_hdr *h, size_t len,
                           uint32_t rx_offloads, uint16_t mtu,
                           struct platform_net_meta *m)
{
	*m = (struct platform_net_meta){0};
	if (len < 14)
		return "a frame shorter than its Ethernet header";
	if (h->flags & ~(VNET_HDR_F_NEEDS_CSUM | VNET_HDR_F_DATA_VALID))
		return "unknown flags";
	if (h->flags && !(rx_offloads & PLATFORM_NET_OFF_RX_CSUM))
		return "checksum flags without VIRTIO_NET_F_GUEST_CSUM";
	bool gso = h->gso_type != VNET_HDR_GSO_NONE;
	if (gso && (h->gso_type != VNET_HDR_GSO_TCPV4 ||
	            !(rx_offloads & PLATFORM_NET_OFF_RX_TSO4)))
		return "a GSO type not negotiated";
	if (h->flags & VNET_HDR_F_NEEDS_CSUM) {
		if (h->csum_start < MIN_CSUM_START ||
		    (h->csum_offset != TCP_CSUM_OFFSET &&
		     h->csum_offset != UDP_CSUM_OFFSET) ||
		    (size_t)h->csum_start + h->csum_offset + 2 > len)
			return "a checksum position outside the frame";
	} else if (h->csum_start || h->csum_offset) {
		return "a checksum position without NEEDS_CSUM";
	}
	if (gso) {
		if (!(h->flags & VNET_HDR_F_NEEDS_CSUM) ||
		    h->csum_offset != TCP_CSUM_OFFSET)
			return "a coalesced frame without a partial TCP "
			       "checksum";
		if (h->gso_size == 0 || h->hdr_len > len || h->gso_size > len)
			return "a coalesced frame with a bad segment or "
			       "header size";
		if (len > PLATFORM_NET_FRAME_MAX)
			return "a coalesced frame over 65535 IP bytes";
	} else {
		if (h->gso_size)
			return "a segment size without a GSO type";
		if (h->hdr_len > len)
			return "a header length beyond the frame";
		if (len > (size_t)mtu + 14)
			return "an unsegmented frame larger than the MTU";
	}
	if (h->flags & VNET_HDR_F_NEEDS_CSUM)
		m->flags |= PLATFORM_NET_META_NEEDS_CSUM;
	if (h->flags & VNET_HDR_F_DATA_VALID)
		m->flags |= PLATFORM_NET_META_DATA_VALID;
	m->gso_type = gso ? PLATFORM_NET_GSO_TCPV4 : PLATFORM_NET_GSO_NONE;
	m->hdr_len = gso ? h->hdr_len : 0;
	m->gso_size = h->gso_size;
	m->csum_start = h->csum_start;
	m->csum_offset = h->csum_offset;
	return NULL;
}

unsigned vnet_hdr_buffers(const struct vnet_hdr *h, bool mergeable,
                          unsigned pending)
{
	if (!mergeable)
		return 1;
	if (h->num_buffers == 0 || h->num_buffers > pending)
		return 0;
	return h->num_buffers;
}

void vnet_hdr_write(uint8_t *p, const struct platform_net_meta *m)
{
	p[0] = (m->flags & PLATFORM_NET_META_NEEDS_CSUM) ? VNET_HDR_F_NEEDS_CSUM
	                                                 : 0;
	p[1] = m->gso_type == PLATFORM_NET_GSO_TCPV4 ? VNET_HDR_GSO_TCPV4
	                                             : VNET_HDR_GSO_NONE;
	put16(p + 2, m->gso_type ? m->hdr_len : 0);
	put16(p + 4, m->gso_type ? m->gso_size : 0);
	put16(p + 6, p[0] ? m->csum_start : 0);
	put16(p + 8, p[0] ? m->csum_offset : 0);
	put16(p + 10, 0);
}
