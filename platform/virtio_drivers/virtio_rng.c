/*
 * virtio_rng.c - the virtio entropy device (virtio 1.x, section 5.4):
 * random bytes from the host (QEMU's virtio-rng: the host's getrandom).
 *
 * One queue (requestq); each request is one buffer the device fills with
 * up to its length in random bytes. Requests are rare (lib/rt seeds its
 * generator at start and re-keys it every MiB of output), so the driver
 * polls: one buffer in flight, no interrupts. A device that gives nothing
 * within RNG_TIMEOUT is given up on for the rest of the run, since a
 * buffer it still holds may be written later.
 */
#include "hw.h"
#include "virtio_devices.h"
#include "virtio_host.h"

#define RNG_QUEUE_SIZE 4
#define RNG_TIMEOUT 1000000000ll /* ns */
#define RNG_EMPTY_MAX 64         /* answers of 0 bytes before giving up */

static struct {
	struct virtio_dev *dev;
	struct virtq q;
	uint8_t *buf; /* PLATFORM_ENTROPY_MAX bytes, device-writable */
	bool broken;
} rng;

bool virtio_rng_probe(struct virtio_dev *d, unsigned index)
{
	uint64_t f;
	if (index > 0 || rng.dev) {
		virtio_refuse(d, "virtio-rng", "one entropy device is enough");
		return false;
	}
	if (!virtio_negotiate(d, "virtio-rng", 0, 0, &f))
		return false;
	uint16_t max = virtio_queue_max(d, 0), size = RNG_QUEUE_SIZE;
	while (size > max)
		size /= 2;
	void *ring = size >= 1 ? dma_alloc(virtq_bytes(size)) : NULL;
	uint8_t *buf = dma_alloc(PLATFORM_ENTROPY_MAX);
	if (!ring || !buf) {
		virtio_refuse(d, "virtio-rng", "cannot set up its queue");
		return false;
	}
	virtq_init(&rng.q, 0, size, ring);
	rng.q.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	if (!virtio_queue_enable(d, &rng.q, false)) {
		virtio_refuse(d, "virtio-rng", "cannot enable its queue");
		return false;
	}
	virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	                             VIRTIO_STATUS_FEATURES_OK |
	                             VIRTIO_STATUS_DRIVER_OK);
	rng.dev = d;
	rng.buf = buf;
	virtio_log("kiln: virtio: rng0: virtio-rng at ", d->where, "\n");
	return true;
}

bool virtio_rng_present(void)
{
	return rng.dev && !rng.broken;
}

/* One request for up to want bytes; the bytes the device wrote (at most
 * want), or -1 when it stopped answering. */
static int request(uint32_t want)
{
	struct virtq_buf b = {(uintptr_t)rng.buf, want, true};
	if (virtq_add(&rng.q, &b, 1) < 0)
		return -1;
	if (virtq_publish(&rng.q))
		virtio_notify(rng.dev, &rng.q);
	platform_time give_up = platform_clock_monotonic() + RNG_TIMEOUT;
	uint32_t spins = 0;
	while (!virtq_has_used(&rng.q)) {
		cpu_pause();
		if (++spins % 1024 == 0 &&
		    platform_clock_monotonic() > give_up) {
			virtio_log("kiln: virtio: rng0 at ", rng.dev->where,
			           ": no answer within 1 s, not used again\n");
			return -1;
		}
	}
	uint32_t len;
	if (virtq_take_used(&rng.q, &len) < 0)
		return -1;
	/* A device claiming more than the buffer holds is not believed. */
	return (int)(len < want ? len : want);
}

enum platform_result virtio_rng_read(void *out, size_t len)
{
	if (len > PLATFORM_ENTROPY_MAX)
		return PLATFORM_EINVAL;
	if (!rng.dev)
		return PLATFORM_EUNSUPPORTED;
	uint8_t *p = out;
	unsigned empty = 0;
	while (len > 0) {
		if (rng.broken)
			return PLATFORM_EUNSPEC;
		int got = request((uint32_t)len);
		if (got < 0) {
			rng.broken = true;
			return PLATFORM_EUNSPEC;
		}
		if (got == 0 && ++empty > RNG_EMPTY_MAX) {
			virtio_log("kiln: virtio: rng0 at ", rng.dev->where,
			           ": keeps answering with no bytes, not used "
			           "again\n");
			rng.broken = true;
			return PLATFORM_EUNSPEC;
		}
		virtio_copy(p, rng.buf, (uint64_t)got);
		virtio_zero(rng.buf, (uint64_t)got);
		p += got;
		len -= (size_t)got;
	}
	return PLATFORM_OK;
}
