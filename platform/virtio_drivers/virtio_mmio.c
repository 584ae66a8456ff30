/*
 * virtio_mmio.c - virtio over memory-mapped registers (QEMU's microvm and
 * virt, Firecracker). The target finds the windows (virtio: the
 * virtio_mmio.device= words of the command line; arm64: the device tree)
 * and has its supervisor map them for user mode.
 */
#include "virtio_mmio.h"

static uint32_t rd(struct virtio_dev *d, unsigned reg)
{
	return mmio_read32(d->base + reg);
}

static void wr(struct virtio_dev *d, unsigned reg, uint32_t v)
{
	mmio_write32(d->base + reg, v);
}

int vmmio_identify(struct virtio_dev *d)
{
	if (rd(d, VMMIO_MAGIC) != VMMIO_MAGIC_VALUE) {
		virtio_log("kiln: virtio: ", d->where,
		           ": no virtio-mmio device there (bad magic)\n");
		return -1;
	}
	uint32_t version = rd(d, VMMIO_VERSION);
	d->device_id = rd(d, VMMIO_DEVICE_ID);
	if (d->device_id == 0)
		return 0; /* an empty transport slot */
	if (version != 2) {
		virtio_log("kiln: virtio: ", d->where, ": not used: ");
		virtio_log_num("legacy virtio-mmio interface (version ",
		               version,
		               "); Kiln drives virtio 1.x only (version 2) - "
		               "with QEMU, drop force-legacy or set "
		               "-global virtio-mmio.force-legacy=false\n");
		return -1;
	}
	d->ops = &vmmio_ops;
	d->devcfg = d->base + VMMIO_CONFIG;
	return 1;
}

static uint8_t vmmio_get_status(struct virtio_dev *d)
{
	return (uint8_t)rd(d, VMMIO_STATUS);
}

static void vmmio_set_status(struct virtio_dev *d, uint8_t s)
{
	wr(d, VMMIO_STATUS, s);
}

static uint64_t vmmio_get_features(struct virtio_dev *d)
{
	wr(d, VMMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t lo = rd(d, VMMIO_DEVICE_FEATURES);
	wr(d, VMMIO_DEVICE_FEATURES_SEL, 1);
	uint64_t hi = rd(d, VMMIO_DEVICE_FEATURES);
	return hi << 32 | lo;
}

static void vmmio_set_features(struct virtio_dev *d, uint64_t f)
{
	wr(d, VMMIO_DRIVER_FEATURES_SEL, 0);
	wr(d, VMMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(d, VMMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VMMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static uint16_t vmmio_queue_max(struct virtio_dev *d, uint16_t index)
{
	wr(d, VMMIO_QUEUE_SEL, index);
	if (rd(d, VMMIO_QUEUE_READY))
		return 0; /* already in use */
	uint32_t max = rd(d, VMMIO_QUEUE_NUM_MAX);
	return max > 0xffff ? 0xffff : (uint16_t)max;
}

static bool vmmio_queue_enable(struct virtio_dev *d, struct virtq *q,
                               bool with_irq)
{
	(void)with_irq; /* the device's one line: routed by the target */
	uint64_t desc = (uintptr_t)q->desc, avail = (uintptr_t)q->avail;
	uint64_t used = (uintptr_t)q->used;
	wr(d, VMMIO_QUEUE_SEL, q->index);
	wr(d, VMMIO_QUEUE_NUM, q->size);
	wr(d, VMMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(d, VMMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(d, VMMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	wr(d, VMMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	wr(d, VMMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	wr(d, VMMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	wr(d, VMMIO_QUEUE_READY, 1);
	return rd(d, VMMIO_QUEUE_READY) == 1;
}

static void vmmio_notify(struct virtio_dev *d, struct virtq *q)
{
	wr(d, VMMIO_QUEUE_NOTIFY, q->index);
}

static void vmmio_ack_interrupt(struct virtio_dev *d)
{
	/* Both causes (used buffer, configuration change) at once: one
	 * register write, where reading the status first would cost a
	 * second exit. Acknowledging a cause not pending does nothing. */
	wr(d, VMMIO_INTERRUPT_ACK, 3);
}

const struct virtio_ops vmmio_ops = {
        .get_status = vmmio_get_status,
        .set_status = vmmio_set_status,
        .get_features = vmmio_get_features,
        .set_features = vmmio_set_features,
        .queue_max = vmmio_queue_max,
        .queue_enable = vmmio_queue_enable,
        .notify = vmmio_notify,
        .ack_interrupt = vmmio_ack_interrupt,
};
