/*
 * virtio_net.c - the virtio-net driver (virtio 1.x, section 5.1) and the
 * network half of kiln/platform.h.
 *
 * Queue 0 receives, queue 1 transmits. Every descriptor owns one buffer
 * of buf_size bytes (descriptor i <-> buffer i); a frame is the 12-byte
 * virtio-net header (virtio_net_hdr.c) followed by its bytes.
 *
 * Offloads: at boot the device is set up with none. What it offers maps
 * onto kiln/platform.h's offloads (VIRTIO_NET_F_CSUM: TX_CSUM, HOST_TSO4:
 * TX_TSO4, GUEST_CSUM: RX_CSUM, GUEST_TSO4 with MRG_RXBUF: RX_TSO4), and
 * platform_net_offload() resets the device and negotiates again with the
 * features asked for (the spec has no other way to change them without a
 * control queue). With offloads on the device offers (a tap behind QEMU
 * opened with vnet headers; QEMU offers none over other backends) the
 * buffers are 4 KiB: a large frame sent is a chain of them, and one
 * received spans several (MRG_RXBUF: num_buffers in its first header),
 * gathered into the caller's buffer. A received header is checked field by
 * field; a frame whose header does not fit is handed up marked
 * PLATFORM_NET_META_BAD, for the caller to drop and count.
 *
 * Batches: a read returns every frame waiting (up to n) and refills the
 * ring once; a write queues up to n frames and notifies once.
 */
#include "hw.h"
#include "virtio_devices.h"
#include "virtio_host.h"
#include "virtio_net_hdr.h"

#define VIRTIO_NET_F_CSUM (1ull << 0)
#define VIRTIO_NET_F_GUEST_CSUM (1ull << 1)
#define VIRTIO_NET_F_MTU (1ull << 3)
#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_GUEST_TSO4 (1ull << 7)
#define VIRTIO_NET_F_HOST_TSO4 (1ull << 11)
#define VIRTIO_NET_F_MRG_RXBUF (1ull << 15)
#define NET_HDR VNET_HDR_LEN
#define NET_QUEUE_SIZE 256
#define MAX_NETS 4
/* Buffers when the device offers offloads: a 65549-byte frame and its
 * header in 17 of them. */
#define OFFLOAD_BUF 4096u
#define MAX_CHAIN                                                              \
	((NET_HDR + PLATFORM_NET_FRAME_MAX + OFFLOAD_BUF - 1) / OFFLOAD_BUF)

#define ALL_OFFLOADS                                                           \
	(PLATFORM_NET_OFF_TX_CSUM | PLATFORM_NET_OFF_TX_TSO4 |                 \
	 PLATFORM_NET_OFF_RX_CSUM | PLATFORM_NET_OFF_RX_TSO4)

struct vnet {
	struct virtio_dev *dev;
	struct virtq rx, tx;
	void *rx_ring, *tx_ring; /* the queues' memory */
	uint16_t rx_qsize, tx_qsize;
	uint8_t *rx_bufs, *tx_bufs;
	uint32_t buf_size;
	uint16_t mtu;
	uint8_t mac[6];
	uint64_t base_features; /* MAC and MTU, as offered */
	uint32_t can;           /* offloads the device offers */
	uint32_t offloads;      /* turned on */
	bool mergeable;         /* MRG_RXBUF negotiated */
	bool acquired;
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

/* The queue's size for this device, its memory allocated once. */
static bool alloc_queue(struct vnet *n, uint16_t index, uint16_t *size,
                        void **mem)
{
	uint16_t max = virtio_queue_max(n->dev, index);
	*size = NET_QUEUE_SIZE;
	if (max == 0)
		return false;
	while (*size > max)
		*size /= 2;
	*mem = dma_alloc(virtq_bytes(*size));
	return *mem != NULL;
}

static bool setup_queue(struct vnet *n, struct virtq *q, uint16_t index,
                        uint16_t size, void *mem, bool irq)
{
	/* The device starts its indices at 0 after a reset: so must the
	 * rings in memory. */
	virtio_zero(mem, virtq_bytes(size));
	virtq_init(q, index, size, mem);
	return virtio_queue_enable(n->dev, q, irq);
}

static uint64_t features_for(const struct vnet *n, uint32_t want)
{
	uint64_t f = n->base_features;
	if (want & PLATFORM_NET_OFF_TX_CSUM)
		f |= VIRTIO_NET_F_CSUM;
	if (want & PLATFORM_NET_OFF_TX_TSO4)
		f |= VIRTIO_NET_F_HOST_TSO4;
	if (want & PLATFORM_NET_OFF_RX_CSUM)
		f |= VIRTIO_NET_F_GUEST_CSUM;
	if (want & PLATFORM_NET_OFF_RX_TSO4)
		f |= VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_MRG_RXBUF;
	return f;
}

/* Reset the device and set it going with the offloads in want (a subset
 * of n->can): features, queues, receive buffers, DRIVER_OK. */
static bool vnet_start(struct vnet *n, uint32_t want)
{
	struct virtio_dev *d = n->dev;
	uint64_t f;
	n->offloads = ~0u; /* none that works until this succeeds */
	if (!virtio_negotiate(d, "virtio-net", 0, features_for(n, want), &f))
		return false;
	if ((f & features_for(n, want)) != features_for(n, want)) {
		virtio_refuse(d, "virtio-net",
		              "the device no longer offers its features");
		return false;
	}
	if (!setup_queue(n, &n->rx, 0, n->rx_qsize, n->rx_ring, true) ||
	    !setup_queue(n, &n->tx, 1, n->tx_qsize, n->tx_ring, false)) {
		virtio_refuse(d, "virtio-net", "cannot set up its queues");
		return false;
	}
	n->offloads = want;
	n->mergeable = f & VIRTIO_NET_F_MRG_RXBUF;
	/* Transmit completions are collected lazily: no interrupts. Nor
	 * for received frames until the application acquires the device. */
	n->tx.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	n->rx.avail->flags = n->acquired ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT;
	while (n->rx.num_free > 0)
		post_rx(n);
	virtq_publish(&n->rx);
	virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	                             VIRTIO_STATUS_FEATURES_OK |
	                             VIRTIO_STATUS_DRIVER_OK);
	virtio_notify(d, &n->rx);
	return true;
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
	n->base_features = features & (VIRTIO_NET_F_MAC | VIRTIO_NET_F_MTU);
	uint64_t offered = virtio_get_features(d);
	n->can = 0;
	if (offered & VIRTIO_NET_F_CSUM) {
		n->can |= PLATFORM_NET_OFF_TX_CSUM;
		if (offered & VIRTIO_NET_F_HOST_TSO4)
			n->can |= PLATFORM_NET_OFF_TX_TSO4;
	}
	if (offered & VIRTIO_NET_F_GUEST_CSUM) {
		n->can |= PLATFORM_NET_OFF_RX_CSUM;
		if ((offered & VIRTIO_NET_F_GUEST_TSO4) &&
		    (offered & VIRTIO_NET_F_MRG_RXBUF))
			n->can |= PLATFORM_NET_OFF_RX_TSO4;
	}
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
	if (n->can && n->buf_size < OFFLOAD_BUF)
		n->buf_size = OFFLOAD_BUF;

	/* Route the interrupt line before enabling the queues (MMIO). */
	if (d->transport == VIRTIO_MMIO)
		d->has_irq = virtio_host_route_irq(d);
	if (!alloc_queue(n, 0, &n->rx_qsize, &n->rx_ring) ||
	    !alloc_queue(n, 1, &n->tx_qsize, &n->tx_ring)) {
		virtio_refuse(d, "virtio-net",
		              "cannot set up its queues (out of memory?)");
		return false;
	}
	n->rx_bufs = dma_alloc((uint64_t)n->rx_qsize * n->buf_size);
	n->tx_bufs = dma_alloc((uint64_t)n->tx_qsize * n->buf_size);
	if (!n->rx_bufs || !n->tx_bufs) {
		virtio_refuse(d, "virtio-net", "out of memory for buffers");
		return false;
	}
	/* The features were accepted above; start without offloads. */
	if (!vnet_start(n, 0))
		return false;

	virtio_log_num("kiln: virtio: net", index, ": virtio-net at ");
	virtio_log(d->where, ", mac ", NULL);
	for (unsigned i = 0; i < 6; i++) {
		char hex[3] = {"0123456789abcdef"[n->mac[i] >> 4],
		               "0123456789abcdef"[n->mac[i] & 15], 0};
		virtio_log(hex, i < 5 ? ":" : "", NULL);
	}
	char can[2] = {"0123456789abcdef"[n->can & 15], 0};
	virtio_log_num(", mtu ", n->mtu,
	               d->has_irq ? ", interrupts" : ", polled");
	if (n->can)
		virtio_log(", offloads offered 0x", can, NULL);
	virtio_host_puts("\n");
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
	d->net->acquired = true;
	*h = found;
	d->net->rx.avail->flags = 0;
	mem_barrier();
	for (unsigned i = 0; i < 6; i++)
		info->mac[i] = d->net->mac[i];
	info->mtu = d->net->mtu;
	info->offloads = d->net->can;
	return PLATFORM_OK;
}

static struct vnet *net_of(platform_handle h)
{
	struct device *d = device_get(h);
	return d ? d->net : NULL;
}

/* A new feature set means a reset: the device is set up again with it.
 * Frames in flight are lost (the caller asks before it uses the device). */
enum platform_result platform_net_offload(platform_handle h, uint32_t want)
{
	struct vnet *n = net_of(h);
	if (!n || (want & ~n->can) ||
	    ((want & PLATFORM_NET_OFF_TX_TSO4) &&
	     !(want & PLATFORM_NET_OFF_TX_CSUM)) ||
	    ((want & PLATFORM_NET_OFF_RX_TSO4) &&
	     !(want & PLATFORM_NET_OFF_RX_CSUM)))
		return PLATFORM_EINVAL;
	if (want == n->offloads)
		return PLATFORM_OK;
	if (!vnet_start(n, want))
		return PLATFORM_EUNSPEC;
	virtio_log("kiln: virtio: ", n->dev->where, NULL);
	char on[2] = {"0123456789abcdef"[want & 15], 0};
	virtio_log(": offloads 0x", on, " negotiated\n");
	return PLATFORM_OK;
}

/* Give a receive buffer back to the device (the ring is refilled in
 * free-list order: the buffers are interchangeable). */
static void repost(struct vnet *n, unsigned *reposted)
{
	post_rx(n);
	(*reposted)++;
}

/*
 * One received frame, from the used entry just taken (desc, len): its
 * header checked, its buffers (one, or num_buffers with MRG_RXBUF)
 * gathered into f. Returns 1 for a frame in f (maybe marked bad), 0 for
 * one dropped because it does not fit f (too large), -1 when the ring
 * ran out mid-frame.
 */
static int take_frame(struct vnet *n, int desc, uint32_t len,
                      struct platform_frame *f, unsigned *reposted)
{
	const uint8_t *b = rx_buf(n, (unsigned)desc);
	struct vnet_hdr h;
	bool bad = false, big = false;
	size_t flen = 0;
	if (len < NET_HDR || len > n->buf_size) {
		/* The device claims bytes it cannot have written. */
		repost(n, reposted);
		f->len = 0;
		f->meta = (struct platform_net_meta){0};
		f->meta.flags = PLATFORM_NET_META_BAD;
		return 1;
	}
	vnet_hdr_read(b, &h);
	/* The returned entries not yet taken: no more than the ring holds,
	 * whatever the device's index says. */
	uint16_t pending = (uint16_t)(n->rx.used->idx - n->rx.last_used);
	if (pending >= n->rx.size)
		pending = (uint16_t)(n->rx.size - 1);
	unsigned nbuf = vnet_hdr_buffers(&h, n->mergeable, pending + 1u);
	if (nbuf == 0) {
		bad = true;
		nbuf = 1;
	}
	for (unsigned i = 0; i < nbuf; i++) {
		if (i > 0) {
			desc = virtq_take_used(&n->rx, &len);
			if (desc < 0)
				return -1;
			b = rx_buf(n, (unsigned)desc);
			if (len > n->buf_size) {
				bad = true;
				len = 0;
			}
		}
		size_t off = i == 0 ? NET_HDR : 0;
		size_t part = len - off;
		if (flen + part > f->size) {
			big = true;
		} else if (part) {
			virtio_copy((uint8_t *)f->data + flen, b + off, part);
			flen += part;
		}
		repost(n, reposted);
	}
	if (big && !bad)
		return 0;
	f->len = flen;
	if (bad || vnet_hdr_check(&h, flen, n->offloads, n->mtu, &f->meta)) {
		f->meta = (struct platform_net_meta){0};
		f->meta.flags = PLATFORM_NET_META_BAD;
	}
	return 1;
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
		int r = take_frame(n, desc, len, &frames[got], &reposted);
		if (r < 0)
			break;
		if (r == 0) {
			/* Too large for the caller: dropped. */
			if (got == 0)
				result = -PLATFORM_EINVAL;
			break;
		}
		got++;
	}
	if (reposted && virtq_publish(&n->rx))
		virtio_notify(n->dev, &n->rx);
	return got ? (int)got : result;
}

enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len)
{
	struct platform_frame f = {.data = buf, .size = size, .len = 0};
	int r = platform_net_read_batch(h, &f, 1);
	if (r < 0)
		return (enum platform_result) - r;
	if (r == 0)
		return PLATFORM_AGAIN;
	/* The single-frame call has no metadata: a frame whose header did
	 * not check out, or that needs it (a partial checksum, a coalesced
	 * frame), is dropped here. */
	if ((f.meta.flags & ~PLATFORM_NET_META_DATA_VALID) || f.meta.gso_type)
		return PLATFORM_EINVAL;
	*len = f.len;
	return PLATFORM_OK;
}

static void reclaim_tx(struct vnet *n)
{
	uint32_t len;
	while (virtq_take_used(&n->tx, &len) >= 0)
		;
}

/* A frame with metadata m and length len fits what is turned on. */
static bool tx_fits(const struct vnet *n, const struct platform_net_meta *m,
                    size_t len)
{
	bool large = m->gso_type != PLATFORM_NET_GSO_NONE;
	if (len < 14)
		return false;
	if (m->flags & ~PLATFORM_NET_META_NEEDS_CSUM)
		return false;
	if (m->flags && !(n->offloads & PLATFORM_NET_OFF_TX_CSUM))
		return false;
	if (!large)
		return len <= (size_t)n->mtu + 14;
	return m->gso_type == PLATFORM_NET_GSO_TCPV4 &&
	       (n->offloads & PLATFORM_NET_OFF_TX_TSO4) &&
	       (m->flags & PLATFORM_NET_META_NEEDS_CSUM) && m->gso_size &&
	       len <= PLATFORM_NET_FRAME_MAX;
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
		const struct platform_frame *f = &frames[sent];
		size_t len = f->len;
		if (!tx_fits(n, &f->meta, len)) {
			if (sent == 0)
				return -PLATFORM_EINVAL;
			break;
		}
		/* The header and frame across as many buffers as needed
		 * (one, unless segmentation offload is on). */
		size_t total = NET_HDR + len;
		unsigned k =
		        (unsigned)((total + n->buf_size - 1) / n->buf_size);
		if (k > MAX_CHAIN || k > n->tx.num_free)
			break; /* the host has not caught up */
		struct virtq_buf vb[MAX_CHAIN];
		unsigned d = n->tx.free_head;
		const uint8_t *src = f->data;
		size_t done = 0;
		for (unsigned i = 0; i < k; i++) {
			/* virtq_add takes the free descriptors in this
			 * order: d, desc[d].next, ... */
			uint8_t *b = tx_buf(n, d);
			size_t room = n->buf_size, off = 0;
			if (i == 0) {
				vnet_hdr_write(b, &f->meta);
				off = NET_HDR;
			}
			size_t part = len - done < room - off ? len - done
			                                      : room - off;
			virtio_copy(b + off, src + done, part);
			done += part;
			vb[i] = (struct virtq_buf){
			        (uintptr_t)b, (uint32_t)(off + part), false};
			d = n->tx.desc[d].next;
		}
		virtq_add(&n->tx, vb, k);
	}
	if (sent && virtq_publish(&n->tx))
		virtio_notify(n->dev, &n->tx);
	return (int)sent;
}

enum platform_result platform_net_write(platform_handle h, const void *buf,
                                        size_t len)
{
	struct platform_frame f = {
	        .data = (void *)(uintptr_t)buf, .size = len, .len = len};
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
