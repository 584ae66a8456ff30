/*
 * virtio_host.h - what a target that uses the shared virtio drivers
 * provides to them (platform/virtio on x86_64, platform/arm64 on aarch64).
 *
 * Besides these three functions the target supplies, on its include path:
 * - its architecture's hw.h, with mmio_read8/16/32 and mmio_write8/16/32
 *   (device registers, in program order), mem_barrier() (orders memory
 *   shared with a device against other memory and register accesses, both
 *   ways) and cpu_pause() (a spin-wait hint);
 * - an identity map: guest-physical addresses equal the addresses the
 *   drivers use, for the heap and the drivers' static data, so pointers go
 *   into descriptors unchanged.
 * The drivers run in user mode (CPL 3, EL0) with the device windows mapped
 * there; they never call the supervisor themselves.
 */
#ifndef VIRTIO_HOST_H
#define VIRTIO_HOST_H

#include "virtio.h"
#include <stdbool.h>

/* Write a NUL-terminated string to the console (device messages). */
void virtio_host_puts(const char *s);

/* Wire the interrupt line of virtio-mmio device d (d->irq) to its slot
 * (d->slot), so that a used buffer on a queue enabled with interrupts
 * wakes platform_yield. False when it cannot: the device is polled. */
bool virtio_host_route_irq(struct virtio_dev *d);

/* Called before a device is looked up by name, so that a target which
 * found no devices at all may say once why (where devices come from). */
void virtio_host_lookup(void);

#endif /* VIRTIO_HOST_H */
