/*
 * virtio_net.c - the virtio-net driver (virtio 1.x, section 5.1) and the
 * network half of kiln/platform.h.
 *
 * Queue 0 receives, queue 1 transmits. Every descriptor owns one buffer
 * of buf_size bytes (descriptor i <-> buffer i), holding the 12-byte
 * virtio-net header followed by the frame. No offloads are negotiated, so
 * the header is all zeros on transmit and receive buffers must hold a
 * whole frame. Batches: a read returns every frame waiting (up to n) and
 * refills the ring once; a write queues up to n frames and notifies once.
 */
#include "hw.h"
#include "virtio_devices.h"
#include "virtio_host.h"

#define VIRTIO_NET_F_MTU (1ull << 3)
#define VIRTIO_NET_F_MAC (1ull << 5)
#define NET_HDR 12 /* struct virtio_net_hdr with num_buffers */
#define NET_QUEUE_SIZE 256
#define MAX_NETS 4

struct vnet {
	struct virtio_dev *dev;
	struct virtq rx, tx;
	uint8_t *rx_bufs, *tx_bufs;
	uint32_t buf_size;
	uint16_t mtu;
	uint8_t mac[6];
};

static struct vnet nets[MAX_NETS];

static uint8_t *rx_buf(struct vnet *n, unsigned desc)
{
	return n->rx_bufs + (uint64_t)desc * n->buf_size;
}

static uint8_t *tx_buf(struct vnet *n, unsigned desc)
{
	return n->tx_bufs + (uint64_t)desc * n->buf_size;
}

/* Give a receive buffer (the next free descriptor's) to the device. */
static void post_rx(struct vnet *n)
{
	struct virtq_buf b = {(uintptr_t)rx_buf(n, n->rx.free_head),
	                      n->buf_size, true};
	virtq_add(&n->rx, &b, 1);
}

static bool setup_queue(struct vnet *n, struct virtq *q, uint16_t index,
                        bool irq)
{
	uint16_t max = virtio_queue_max(n->dev, index);
	uint16_t size = NET_QUEUE_SIZE;
	if (max == 0)
		return false;
	while (size > max)
		size /= 2;
	void *mem = dma_alloc(virtq_bytes(size));
	if (!mem)
		return false;
	virtq_init(q, index, size, mem);
	return virtio_queue_enable(n->dev, q, irq);
}

bool virtio_net_probe(struct virtio_dev *d, unsigned index)
{
	uint64_t features;
	if (index >= MAX_NETS) {
		virtio_refuse(d, "virtio-net", "too many network devices");
		return false;
	}
	struct vnet *n = &nets[index];
	n->dev = d;
	if (!virtio_negotiate(d, "virtio-net", 0,
	                      VIRTIO_NET_F_MAC | VIRTIO_NET_F_MTU, &features))
		return false;
	n->mtu = 1500;
	if (features & VIRTIO_NET_F_MTU) {
		uint16_t mtu = virtio_cfg16(d, 10);
		if (mtu < 68 || mtu > 9000) {
			virtio_refuse(
			        d, "virtio-net",
			        "the device reports an MTU outside 68..9000");
			return false;
		}
		n->mtu = mtu;
	}
	if (features & VIRTIO_NET_F_MAC) {
		for (unsigned i = 0; i < 6; i++)
			n->mac[i] = virtio_cfg8(d, i);
	} else {
		/* No address from the host: a locally administered one. */
		uint64_t t = (uint64_t)platform_clock_monotonic();
		n->mac[0] = 0x02;
		for (unsigned i = 1; i < 6; i++)
			n->mac[i] = (uint8_t)(t >> (8 * i));
	}
	n->buf_size = (NET_HDR + 14u + n->mtu + 63u) & ~63u;

	/* Route the interrupt line before enabling the queues (MMIO). */
	if (d->transport == VIRTIO_MMIO)
		d->has_irq = virtio_host_route_irq(d);
	if (!setup_queue(n, &n->rx, 0, true) ||
	    !setup_queue(n, &n->tx, 1, false)) {
		virtio_refuse(d, "virtio-net",
		              "cannot set up its queues (out of memory?)");
		return false;
	}
	n->rx_bufs = dma_alloc((uint64_t)n->rx.size * n->buf_size);
	n->tx_bufs = dma_alloc((uint64_t)n->tx.size * n->buf_size);
	if (!n->rx_bufs || !n->tx_bufs) {
		virtio_refuse(d, "virtio-net", "out of memory for buffers");
		return false;
	}
	/* Transmit completions are collected lazily: no interrupts. Nor
	 * for received frames until the application acquires the device. */
	n->tx.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	n->rx.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	while (n->rx.num_free > 0)
		post_rx(n);
	virtq_publish(&n->rx);
	virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	                             VIRTIO_STATUS_FEATURES_OK |
	                             VIRTIO_STATUS_DRIVER_OK);
	virtio_notify(d, &n->rx);

	virtio_log_num("kiln: virtio: net", index, ": virtio-net at ");
	virtio_log(d->where, ", mac ", NULL);
	for (unsigned i = 0; i < 6; i++) {
		char hex[3] = {"0123456789abcdef"[n->mac[i] >> 4],
		               "0123456789abcdef"[n->mac[i] & 15], 0};
		virtio_log(hex, i < 5 ? ":" : "", NULL);
	}
	virtio_log_num(", mtu ", n->mtu,
	               d->has_irq ? ", interrupts\n" : ", polled\n");
	return true;
}

struct vnet *vnet_at(unsigned index)
{
	return index < MAX_NETS ? &nets[index] : NULL;
}

bool vnet_rx_ready(struct vnet *n)
{
	return virtq_has_used(&n->rx);
}

/* ---------------------------------------------------- platform.h: net */

enum platform_result platform_net_acquire(const char *name, platform_handle *h,
                                          struct platform_net_info *info)
{
	platform_handle found;
	struct device *d = device_find(name, &found);
	if (!d || !d->net)
		return PLATFORM_ENOENT;
	if (d->acquired)
		return PLATFORM_EINVAL;
	d->acquired = true;
	*h = found;
	d->net->rx.avail->flags = 0;
	mem_barrier();
	for (unsigned i = 0; i < 6; i++)
		info->mac[i] = d->net->mac[i];
	info->mtu = d->net->mtu;
	info->offloads = 0;
	return PLATFORM_OK;
}

/* No offloads on this target (yet): only "all off" is accepted. */
enum platform_result platform_net_offload(platform_handle h, uint32_t want)
{
	(void)h;
	return want ? PLATFORM_EINVAL : PLATFORM_OK;
}

static struct vnet *net_of(platform_handle h)
{
	struct device *d = device_get(h);
	return d ? d->net : NULL;
}

int platform_net_read_batch(platform_handle h, struct platform_frame *frames,
                            unsigned count)
{
	struct vnet *n = net_of(h);
	if (!n)
		return -PLATFORM_EINVAL;
	unsigned got = 0, reposted = 0;
	int result = 0;
	while (got < count) {
		uint32_t len;
		int desc = virtq_take_used(&n->rx, &len);
		if (desc < 0)
			break;
		uint8_t *b = rx_buf(n, (unsigned)desc);
		size_t flen = len > NET_HDR ? len - NET_HDR : 0;
		if (flen > n->buf_size - NET_HDR)
			flen = 0; /* the device claims more than the buffer */
		if (flen > frames[got].size) {
			/* Too large for the caller: dropped. */
			post_rx(n);
			reposted++;
			if (got == 0)
				result = -PLATFORM_EINVAL;
			break;
		}
		if (flen > 0) {
			virtio_copy(frames[got].data, b + NET_HDR, flen);
			frames[got].len = flen;
			got++;
		}
		post_rx(n);
		reposted++;
	}
	if (reposted && virtq_publish(&n->rx))
		virtio_notify(n->dev, &n->rx);
	return got ? (int)got : result;
}

enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len)
{
	struct platform_frame f = {buf, size, 0, {0}};
	int r = platform_net_read_batch(h, &f, 1);
	if (r < 0)
		return (enum platform_result) - r;
	if (r == 0)
		return PLATFORM_AGAIN;
	*len = f.len;
	return PLATFORM_OK;
}

static void reclaim_tx(struct vnet *n)
{
	uint32_t len;
	while (virtq_take_used(&n->tx, &len) >= 0)
		;
}

int platform_net_write_batch(platform_handle h,
                             const struct platform_frame *frames,
                             unsigned count)
{
	struct vnet *n = net_of(h);
	if (!n)
		return -PLATFORM_EINVAL;
	reclaim_tx(n);
	unsigned sent = 0;
	for (; sent < count; sent++) {
		size_t len = frames[sent].len;
		if (len < 14 || len > (size_t)n->mtu + 14) {
			if (sent == 0)
				return -PLATFORM_EINVAL;
			break;
		}
		if (n->tx.num_free == 0)
			break; /* the host has not caught up */
		unsigned desc = n->tx.free_head;
		uint8_t *b = tx_buf(n, desc);
		virtio_zero(b, NET_HDR);
		virtio_copy(b + NET_HDR, frames[sent].data, len);
		struct virtq_buf vb = {(uintptr_t)b, (uint32_t)(NET_HDR + len),
		                       false};
		virtq_add(&n->tx, &vb, 1);
	}
	if (sent && virtq_publish(&n->tx))
		virtio_notify(n->dev, &n->tx);
	return (int)sent;
}

enum platform_result platform_net_write(platform_handle h, const void *buf,
                                        size_t len)
{
	struct platform_frame f = {(void *)(uintptr_t)buf, len, len, {0}};
	/* A full ring empties as the host sends: wait a little for it. */
	platform_time give_up = platform_clock_monotonic() + 10000000;
	for (;;) {
		int r = platform_net_write_batch(h, &f, 1);
		if (r < 0)
			return (enum platform_result) - r;
		if (r == 1)
			return PLATFORM_OK;
		if (platform_clock_monotonic() > give_up)
			return PLATFORM_AGAIN;
		cpu_pause();
	}
}
