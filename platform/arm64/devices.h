/*
 * devices.h - finding the arm64 target's virtio devices at boot
 * (devices.c); the device table and drivers are platform/virtio_drivers/.
 */
#ifndef ARM64_DEVICES_H
#define ARM64_DEVICES_H

#include "virtio_devices.h"
#include <stdint.h>

/* Look at every virtio-mmio transport of the device tree, set up each
 * device found, and carve the memory the devices need off the top of the
 * heap [*heap, *heap + *size). */
void devices_discover(uint64_t *heap, uint64_t *size);

#endif /* ARM64_DEVICES_H */
