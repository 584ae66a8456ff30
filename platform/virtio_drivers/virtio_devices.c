/*
 * virtio_devices.c - the table of virtio devices, their names and
 * handles, and the memory the drivers take for rings and buffers.
 */
#include "virtio_devices.h"
#include "virtio_host.h"

static struct device devices[MAX_DEVICES];
static unsigned device_count;
static unsigned net_count, blk_count, rng_count;
static uint64_t dma_lo, dma_hi; /* the heap while devices take memory */

void devices_dma_region(uint64_t lo, uint64_t hi)
{
	dma_lo = lo;
	dma_hi = hi;
}

uint64_t devices_dma_top(void)
{
	return dma_hi;
}

void *dma_alloc(uint64_t bytes)
{
	bytes = (bytes + 4095) & ~4095ull;
	/* Leave the application at least 1 MiB. */
	if (dma_hi < dma_lo || dma_hi - dma_lo < bytes + (1u << 20))
		return NULL;
	dma_hi -= bytes;
	virtio_zero((void *)(uintptr_t)dma_hi, bytes);
	return (void *)(uintptr_t)dma_hi;
}

struct device *devices_slot(void)
{
	if (device_count == MAX_DEVICES)
		return NULL;
	struct device *d = &devices[device_count];
	virtio_zero(d, sizeof(*d));
	return d;
}

unsigned devices_count(void)
{
	return device_count;
}

static void set_name(struct device *d, const char *prefix, unsigned n)
{
	unsigned i = 0;
	for (; prefix[i]; i++)
		d->name[i] = prefix[i];
	d->name[i++] = (char)('0' + n % 10);
	d->name[i] = 0;
}

void devices_probe(struct device *d)
{
	d->vd.slot = (unsigned)(d - devices);
	if (d->vd.device_id == VIRTIO_ID_NET) {
		if (net_count < 10 && virtio_net_probe(&d->vd, net_count)) {
			d->net = vnet_at(net_count);
			set_name(d, "net", net_count++);
			device_count++;
		}
	} else if (d->vd.device_id == VIRTIO_ID_BLOCK) {
		if (blk_count < 10 && virtio_blk_probe(&d->vd, blk_count)) {
			d->blk = vblk_at(blk_count);
			set_name(d, "blk", blk_count++);
			device_count++;
		}
	} else if (d->vd.device_id == VIRTIO_ID_ENTROPY) {
		if (virtio_rng_probe(&d->vd, rng_count)) {
			set_name(d, "rng", rng_count++);
			device_count++;
		}
	} else {
		virtio_log_num(
		        "kiln: virtio: ignoring a virtio device of type ",
		        d->vd.device_id, " at ");
		virtio_log(d->vd.where, "\n", NULL);
	}
}

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

struct device *device_find(const char *name, platform_handle *h)
{
	virtio_host_lookup();
	for (unsigned i = 0; i < device_count; i++) {
		if (name && same(devices[i].name, name)) {
			*h = i;
			return &devices[i];
		}
	}
	return NULL;
}

struct device *device_get(platform_handle h)
{
	if (h >= device_count || !devices[h].acquired)
		return NULL;
	return &devices[h];
}

platform_device_set devices_ready(bool ack, bool *all_have_irq)
{
	platform_device_set ready = 0;
	*all_have_irq = true;
	for (unsigned i = 0; i < device_count; i++) {
		struct device *d = &devices[i];
		if (!d->acquired || !d->net)
			continue;
		if (ack)
			virtio_ack_interrupt(&d->vd);
		if (vnet_rx_ready(d->net))
			ready |= 1ull << i;
		if (!d->vd.has_irq)
			*all_have_irq = false;
	}
	return ready;
}
