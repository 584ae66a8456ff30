/*
 * devices.c - the arm64 target's virtio devices: found on the device
 * tree's virtio-mmio transports, driven by the shared drivers
 * (platform/virtio_drivers), and platform_yield(), the one place the
 * unikernel sleeps (in WFI, in the supervisor).
 *
 * Naming: QEMU virt gives the first -device the transport with the
 * highest address, so the transports are probed from the highest down and
 * "net0" is the first --net, "blk0" the first --block.
 */
#include "devices.h"
#include "clock.h"
#include "kernel.h"
#include "virtio_host.h"
#include "virtio_mmio.h"

uint64_t yield_sleeps;

static void format_hex(char *out, const char *prefix, uint64_t v)
{
	unsigned i = 0;
	for (; prefix[i]; i++)
		out[i] = prefix[i];
	out[i++] = '0';
	out[i++] = 'x';
	for (int shift = 28; shift >= 0; shift -= 4)
		out[i++] = "0123456789abcdef"[(v >> shift) & 0xf];
	out[i] = 0;
}

void devices_discover(uint64_t *heap, uint64_t *size)
{
	bool done[MACHINE_VIRTIO_MAX] = {false};
	devices_dma_region(*heap, *heap + *size);
	for (unsigned k = 0; k < boot_info.virtio_count; k++) {
		/* The highest transport not yet looked at. */
		unsigned best = MACHINE_VIRTIO_MAX;
		for (unsigned i = 0; i < boot_info.virtio_count; i++)
			if (!done[i] && (best == MACHINE_VIRTIO_MAX ||
			                 boot_info.virtio[i].base >
			                         boot_info.virtio[best].base))
				best = i;
		done[best] = true;
		struct device *d = devices_slot();
		if (!d)
			break;
		d->vd.transport = VIRTIO_MMIO;
		d->vd.base = (uintptr_t)boot_info.virtio[best].base;
		d->vd.irq = boot_info.virtio[best].intid;
		format_hex(d->vd.where, "mmio ", boot_info.virtio[best].base);
		if (vmmio_identify(&d->vd) == 1)
			devices_probe(d);
	}
	*size = devices_dma_top() - *heap;
}

/* ------------------------------------------------- the drivers' hooks */

void virtio_host_puts(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	platform_console_write(s, n);
}

bool virtio_host_route_irq(struct virtio_dev *d)
{
	return d->irq != 0 &&
	       supervisor_call(SYS_IRQ_ROUTE, d->irq, d->slot) == 0;
}

void virtio_host_lookup(void)
{
}

/* ---------------------------------------------------------------- yield */

platform_device_set platform_yield(platform_time deadline)
{
	for (;;) {
		bool irqs;
		platform_device_set ready = devices_ready(false, &irqs);
		platform_time now = platform_clock_monotonic();
		if (ready || deadline <= now)
			return ready;
		ready = devices_ready(true, &irqs);
		if (ready)
			return ready;
		platform_time until = deadline;
		/* A device without an interrupt is polled every millisecond. */
		if (!irqs && until - now > 1000000)
			until = now + 1000000;
		uint64_t counter = until == PLATFORM_TIME_NEVER
		                           ? UINT64_MAX
		                           : clock_deadline_counter(until);
		yield_sleeps++;
		supervisor_call(SYS_SLEEP, counter, 0);
	}
}
