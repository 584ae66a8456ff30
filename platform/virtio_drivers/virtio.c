/*
 * virtio.c - the transport-independent part of device set-up: feature
 * negotiation, messages, and the calls into the transport (dev->ops).
 */
#include "virtio.h"
#include "hw.h"
#include "virtio_host.h"

uint8_t virtio_get_status(struct virtio_dev *d)
{
	return d->ops->get_status(d);
}

void virtio_set_status(struct virtio_dev *d, uint8_t status)
{
	d->ops->set_status(d, status);
}

uint64_t virtio_get_features(struct virtio_dev *d)
{
	return d->ops->get_features(d);
}

void virtio_set_features(struct virtio_dev *d, uint64_t features)
{
	d->ops->set_features(d, features);
}

uint8_t virtio_cfg8(struct virtio_dev *d, unsigned off)
{
	return mmio_read8(d->devcfg + off);
}

uint16_t virtio_cfg16(struct virtio_dev *d, unsigned off)
{
	return mmio_read16(d->devcfg + off);
}

uint32_t virtio_cfg32(struct virtio_dev *d, unsigned off)
{
	return mmio_read32(d->devcfg + off);
}

uint64_t virtio_cfg64(struct virtio_dev *d, unsigned off)
{
	/* Two halves may tear across a config change: the device's 64-bit
	 * fields here (block capacity) do not change while we run. */
	return mmio_read32(d->devcfg + off) |
	       (uint64_t)mmio_read32(d->devcfg + off + 4) << 32;
}

uint16_t virtio_queue_max(struct virtio_dev *d, uint16_t index)
{
	return d->ops->queue_max(d, index);
}

bool virtio_queue_enable(struct virtio_dev *d, struct virtq *q, bool with_irq)
{
	return d->ops->queue_enable(d, q, with_irq);
}

void virtio_notify(struct virtio_dev *d, struct virtq *q)
{
	d->ops->notify(d, q);
}

void virtio_ack_interrupt(struct virtio_dev *d)
{
	d->ops->ack_interrupt(d);
}

void virtio_log(const char *a, const char *b, const char *c)
{
	virtio_host_puts(a);
	if (b)
		virtio_host_puts(b);
	if (c)
		virtio_host_puts(c);
}

void virtio_log_num(const char *a, uint64_t n, const char *b)
{
	char digits[21];
	unsigned i = sizeof(digits) - 1;
	digits[i] = 0;
	do {
		digits[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	virtio_host_puts(a);
	virtio_host_puts(digits + i);
	if (b)
		virtio_host_puts(b);
}

void virtio_refuse(struct virtio_dev *d, const char *driver, const char *why)
{
	virtio_log("kiln: virtio: ", driver, " at ");
	virtio_log(d->where, ": not used: ", why);
	virtio_host_puts("\n");
	virtio_set_status(d, VIRTIO_STATUS_FAILED);
}

bool virtio_negotiate(struct virtio_dev *d, const char *driver,
                      uint64_t required, uint64_t optional, uint64_t *accepted)
{
	virtio_set_status(d, 0); /* reset */
	for (unsigned i = 0; i < 1000000 && virtio_get_status(d) != 0; i++)
		cpu_pause();
	virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	uint64_t offered = virtio_get_features(d);
	required |= VIRTIO_F_VERSION_1;
	if (!(offered & VIRTIO_F_VERSION_1)) {
		virtio_refuse(d, driver,
		              "the device does not offer VIRTIO_F_VERSION_1 "
		              "(a legacy-only device; Kiln drives virtio 1.x)");
		return false;
	}
	if ((offered & required) != required) {
		virtio_refuse(d, driver, "the device lacks a required feature");
		return false;
	}
	uint64_t want = required | (offered & optional);
	virtio_set_features(d, want);
	virtio_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	                             VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_get_status(d) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_refuse(
		        d, driver,
		        offered & VIRTIO_F_ACCESS_PLATFORM
		                ? "the device did not accept the feature "
		                  "set: it wants VIRTIO_F_ACCESS_PLATFORM "
		                  "(an IOMMU), which Kiln does not drive"
		                : "the device did not accept the feature "
		                  "set");
		return false;
	}
	*accepted = want;
	return true;
}

void virtio_zero(void *p, uint64_t n)
{
	volatile uint8_t *b = p;
	for (uint64_t i = 0; i < n; i++)
		b[i] = 0;
}

void virtio_copy(void *dst, const void *src, uint64_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	/* Whole words first: frames are copied on every send and receive. */
	while (n >= 8) {
		uint64_t w;
		__builtin_memcpy(&w, s, 8);
		__builtin_memcpy(d, &w, 8);
		d += 8;
		s += 8;
		n -= 8;
	}
	while (n--)
		*d++ = *s++;
}
