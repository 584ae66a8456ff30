/*
 * devices.h - the virtio devices found at boot, by name and handle.
 */
#ifndef VIRTIO_DEVICES_H
#define VIRTIO_DEVICES_H

#include "cmdline.h"
#include "virtio.h"
#include <kiln/platform.h>
#include <stdint.h>

#define MAX_DEVICES 16

struct vnet;
struct vblk;

struct device {
	struct virtio_dev vd;
	char name[8]; /* "net0", "blk1", ... */
	bool acquired;
	struct vnet *net; /* set for a working network device */
	struct vblk *blk; /* set for a working block device */
};

/* Find virtio-mmio devices (from the command line) and virtio-pci devices
 * (bus 0), set each up, and carve the memory they need for rings and
 * buffers off the top of the heap [*heap, *heap + *size). Devices the
 * driver cannot use are reported on the console and left alone. */
void devices_discover(const struct cmdline *cl, uint64_t *heap, uint64_t *size);

/* The working device called name, or NULL; *h is its handle. */
struct device *device_find(const char *name, platform_handle *h);
/* The acquired device with handle h, or NULL. */
struct device *device_get(platform_handle h);

/* Driver state by probe index (virtio_net.c, virtio_blk.c). */
struct vnet *vnet_at(unsigned index);
struct vblk *vblk_at(unsigned index);
/* A frame is waiting on n's receive queue. */
bool vnet_rx_ready(struct vnet *n);

#endif /* VIRTIO_DEVICES_H */
