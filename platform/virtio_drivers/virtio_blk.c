/*
 * virtio_blk.c - the virtio-blk driver (virtio 1.x, section 5.2) and the
 * block half of kiln/platform.h.
 *
 * Requests are chains: a 16-byte header (type, sector), the data split
 * into segments of at most size_max bytes (at most seg_max of them), and
 * a status byte. Guest memory is identity-mapped, so the caller's buffer
 * is handed to the device directly, without copying. A large read or
 * write becomes several requests, all queued before one notification;
 * the call then waits (polling the used ring) until every one is back.
 */
#include "hw.h"
#include "virtio_devices.h"
#include "virtio_host.h"

#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0

#define BLK_QUEUE_SIZE 128
#define MAX_BLKS 4
#define MAX_SEGMENTS 32
#define SEGMENT_DEFAULT (1u << 20) /* without SIZE_MAX */
#define REQUEST_TIMEOUT 30000000000ll

struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct vblk {
	struct virtio_dev *dev;
	struct virtq q;
	uint64_t capacity; /* bytes */
	uint32_t sector_size;
	uint32_t seg_bytes; /* largest segment */
	uint32_t seg_max;   /* segments per request */
	bool flush, read_only;
	struct blk_header *headers; /* by head descriptor */
	uint8_t *status;            /* by head descriptor */
};

static struct vblk blks[MAX_BLKS];

struct vblk *vblk_at(unsigned index)
{
	return index < MAX_BLKS ? &blks[index] : NULL;
}

bool virtio_blk_probe(struct virtio_dev *d, unsigned index)
{
	uint64_t f;
	if (index >= MAX_BLKS) {
		virtio_refuse(d, "virtio-blk", "too many block devices");
		return false;
	}
	struct vblk *b = &blks[index];
	b->dev = d;
	if (!virtio_negotiate(d, "virtio-blk", 0,
	                      VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX |
	                              VIRTIO_BLK_F_RO | VIRTIO_BLK_F_BLK_SIZE |
	                              VIRTIO_BLK_F_FLUSH,
	                      &f))
		return false;
	/* struct virtio_blk_config: capacity (512-byte sectors) at 0,
	 * size_max at 8, seg_max at 12, blk_size at 20. */
	uint64_t sectors = virtio_cfg64(d, 0);
	b->sector_size = 512;
	if (f & VIRTIO_BLK_F_BLK_SIZE) {
		uint32_t bs = virtio_cfg32(d, 20);
		if (bs < 512 || bs > 65536 || (bs & (bs - 1))) {
			virtio_refuse(d, "virtio-blk",
			              "the device reports a block size that is "
			              "not a power of two in 512..65536");
			return false;
		}
		b->sector_size = bs;
	}
	if (sectors > (UINT64_MAX >> 9)) {
		virtio_refuse(d, "virtio-blk", "capacity out of range");
		return false;
	}
	b->capacity = (sectors << 9) & ~(uint64_t)(b->sector_size - 1);
	b->seg_bytes = SEGMENT_DEFAULT;
	if (f & VIRTIO_BLK_F_SIZE_MAX) {
		uint32_t sm = virtio_cfg32(d, 8) & ~511u;
		if (sm >= 512 && sm < b->seg_bytes)
			b->seg_bytes = sm;
	}
	b->seg_max = MAX_SEGMENTS;
	if (f & VIRTIO_BLK_F_SEG_MAX) {
		uint32_t sm = virtio_cfg32(d, 12);
		if (sm >= 1 && sm < b->seg_max)
			b->seg_max = sm;
	}
	b->flush = f & VIRTIO_BLK_F_FLUSH;
	b->read_only = f & VIRTIO_BLK_F_RO;

	uint16_t max = virtio_queue_max(d, 0), size = BLK_QUEUE_SIZE;
	while (size > max)
		size /= 2;
	void *ring = size >= 4 ? dma_alloc(virtq_bytes(size)) : NULL;
	b->headers = dma_alloc((uint64_t)size * sizeof(struct blk_header));
	b->status = dma_alloc(size);
	if (!ring || !b->headers || !b->status) {
		virtio_refuse(d, "virtio-blk", "cannot set up its queue");
		return false;
	}
	virtq_init(&b->q, 0, size, ring);
	if (b->seg_max > (uint32_t)size - 2)
		b->seg_max = (uint32_t)size - 2;
	/* Requests complete while the caller waits: no interrupts. */
	b->q.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	if (!virtio_queue_enable(d, &b->q, false)) {
		virtio_refuse(d, "virtio-blk", "cannot enable its queue");
		return false;
	}
	virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	                             VIRTIO_STATUS_FEATURES_OK |
	                             VIRTIO_STATUS_DRIVER_OK);
	virtio_log_num("kiln: virtio: blk", index, ": virtio-blk at ");
	virtio_log(d->where, NULL, NULL);
	virtio_log_num(", ", b->capacity, " bytes");
	virtio_log_num(", sector ", b->sector_size,
	               b->read_only ? ", read-only\n" : "\n");
	return true;
}

/* Wait for one request to come back; false on an error status, a device
 * gone silent, or a device bug. */
static bool complete_one(struct vblk *b, bool *failed)
{
	platform_time give_up = platform_clock_monotonic() + REQUEST_TIMEOUT;
	uint32_t spins = 0;
	while (!virtq_has_used(&b->q)) {
		cpu_pause();
		if (++spins % 4096 == 0 &&
		    platform_clock_monotonic() > give_up) {
			virtio_log("kiln: virtio: ", b->dev->where,
			           ": block request timed out\n");
			return false;
		}
	}
	uint32_t len;
	int head = virtq_take_used(&b->q, &len);
	if (head < 0)
		return false;
	if (b->status[head] != VIRTIO_BLK_S_OK)
		*failed = true;
	return true;
}

/* Queue one request of bytes at sector (data may be NULL for a flush).
 * Returns false when the ring is too full for it. */
static bool submit(struct vblk *b, uint32_t type, uint64_t sector,
                   uint8_t *data, uint64_t bytes)
{
	struct virtq_buf bufs[MAX_SEGMENTS + 2];
	unsigned n = 0;
	uint16_t head = b->q.free_head;
	unsigned segs = (unsigned)((bytes + b->seg_bytes - 1) / b->seg_bytes);
	if (b->q.num_free < segs + 2)
		return false;
	struct blk_header *hdr = &b->headers[head];
	hdr->type = type;
	hdr->reserved = 0;
	hdr->sector = sector;
	b->status[head] = 0xff;
	bufs[n++] = (struct virtq_buf){(uintptr_t)hdr, sizeof(*hdr), false};
	for (uint64_t off = 0; off < bytes; off += b->seg_bytes) {
		uint64_t len =
		        bytes - off < b->seg_bytes ? bytes - off : b->seg_bytes;
		bufs[n++] = (struct virtq_buf){(uintptr_t)(data + off),
		                               (uint32_t)len,
		                               type == VIRTIO_BLK_T_IN};
	}
	bufs[n++] = (struct virtq_buf){(uintptr_t)&b->status[head], 1, true};
	return virtq_add(&b->q, bufs, n) >= 0;
}

static enum platform_result block_io(platform_handle h, uint64_t offset,
                                     uint8_t *buf, size_t size, bool write)
{
	struct device *d = device_get(h);
	if (!d || !d->blk)
		return PLATFORM_EINVAL;
	struct vblk *b = d->blk;
	uint64_t ss = b->sector_size;
	if ((offset & (ss - 1)) || (size & (ss - 1)) || offset > b->capacity ||
	    size > b->capacity - offset || (size && !buf))
		return PLATFORM_EINVAL;
	if (write && b->read_only)
		return PLATFORM_EUNSUPPORTED;
	uint64_t per_request = (uint64_t)b->seg_bytes * b->seg_max;
	uint64_t done = 0;
	unsigned in_flight = 0;
	bool failed = false;
	while (done < size || in_flight) {
		unsigned queued = 0;
		while (done < size) {
			uint64_t bytes = size - done < per_request
			                         ? size - done
			                         : per_request;
			if (!submit(b,
			            write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
			            (offset + done) >> 9, buf + done, bytes))
				break;
			done += bytes;
			queued++;
		}
		in_flight += queued;
		if (queued && virtq_publish(&b->q))
			virtio_notify(b->dev, &b->q);
		if (in_flight) {
			if (!complete_one(b, &failed))
				return PLATFORM_EUNSPEC;
			in_flight--;
		}
	}
	if (failed) {
		virtio_log("kiln: virtio: ", b->dev->where,
		           write ? ": write failed\n" : ": read failed\n");
		return PLATFORM_EUNSPEC;
	}
	return PLATFORM_OK;
}

/* --------------------------------------------------- platform.h: block */

enum platform_result platform_block_acquire(const char *name,
                                            platform_handle *h,
                                            struct platform_block_info *info)
{
	platform_handle found;
	struct device *d = device_find(name, &found);
	if (!d || !d->blk)
		return PLATFORM_ENOENT;
	if (d->acquired)
		return PLATFORM_EINVAL;
	d->acquired = true;
	*h = found;
	info->capacity = d->blk->capacity;
	info->sector_size = d->blk->sector_size;
	return PLATFORM_OK;
}

enum platform_result platform_block_read(platform_handle h, uint64_t offset,
                                         void *buf, size_t size)
{
	return block_io(h, offset, buf, size, false);
}

enum platform_result platform_block_write(platform_handle h, uint64_t offset,
                                          const void *buf, size_t size)
{
	return block_io(h, offset, (uint8_t *)(uintptr_t)buf, size, true);
}

enum platform_result platform_block_flush(platform_handle h)
{
	struct device *d = device_get(h);
	if (!d || !d->blk)
		return PLATFORM_EINVAL;
	struct vblk *b = d->blk;
	if (!b->flush)
		return PLATFORM_OK; /* no FLUSH feature: the device writes
		                       through */
	bool failed = false;
	if (!submit(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0))
		return PLATFORM_EUNSPEC;
	if (virtq_publish(&b->q))
		virtio_notify(b->dev, &b->q);
	if (!complete_one(b, &failed) || failed)
		return PLATFORM_EUNSPEC;
	return PLATFORM_OK;
}
