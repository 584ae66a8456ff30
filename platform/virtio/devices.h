/*
 * devices.h - finding the virtio target's devices at boot (devices.c); the
 * device table and drivers are platform/virtio_drivers/.
 */
#ifndef VIRTIO_DEVICES_H_TARGET
#define VIRTIO_DEVICES_H_TARGET

#include "cmdline.h"
#include "virtio_devices.h"
#include <stdint.h>

/* Find virtio-mmio devices (from the command line) and virtio-pci devices
 * (bus 0), set each up, and carve the memory they need for rings and
 * buffers off the top of the heap [*heap, *heap + *size). Devices the
 * driver cannot use are reported on the console and left alone. */
void devices_discover(const struct cmdline *cl, uint64_t *heap, uint64_t *size);

#endif /* VIRTIO_DEVICES_H_TARGET */
