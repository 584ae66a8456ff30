/*
 * virtio_devices.h - the virtio devices a target found at boot: their
 * table, names, handles and driver state; memory for rings and buffers.
 *
 * The target discovers devices (its own code: command-line words and PCI
 * on x86_64, the device tree on arm64), fills in an entry from
 * devices_slot() and hands it to devices_probe(); the drivers then serve
 * kiln/platform.h's net and block calls from this table, and the target's
 * platform_yield() asks devices_ready() which devices have input.
 */
#ifndef VIRTIO_DEVICES_H
#define VIRTIO_DEVICES_H

#include "virtio.h"
#include <kiln/platform.h>
#include <stdbool.h>
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

/* Devices take their ring and buffer memory off the top of [lo, hi) (the
 * heap, before the application gets it); devices_dma_top() is where the
 * heap ends once they are set up. */
void devices_dma_region(uint64_t lo, uint64_t hi);
uint64_t devices_dma_top(void);

/* The next free entry (zeroed), or NULL when the table is full. It is
 * only taken if devices_probe() finds a driver that takes it. */
struct device *devices_slot(void);

/* Hand the entry from devices_slot() (vd filled in, identified) to its
 * driver; a device it takes gets its name (net0, blk0, ... in probe
 * order) and a handle. */
void devices_probe(struct device *d);

/* How many working devices there are. */
unsigned devices_count(void);

/* The working device called name, or NULL; *h is its handle. */
struct device *device_find(const char *name, platform_handle *h);
/* The acquired device with handle h, or NULL. */
struct device *device_get(platform_handle h);

/*
 * The acquired network devices with a frame waiting. With ack set, each
 * device's interrupt is acknowledged first (a register access, which
 * costs an exit under a hypervisor), so that a frame arriving after the
 * look raises the line again: done only on the way to sleep.
 * *all_have_irq tells whether every acquired network device has an
 * interrupt (else the caller must poll).
 */
platform_device_set devices_ready(bool ack, bool *all_have_irq);

/* Driver state by probe index (virtio_net.c, virtio_blk.c). */
struct vnet *vnet_at(unsigned index);
struct vblk *vblk_at(unsigned index);
/* A frame is waiting on n's receive queue. */
bool vnet_rx_ready(struct vnet *n);

/* The entropy device (virtio_rng.c): len bytes (at most
 * PLATFORM_ENTROPY_MAX) from it, with platform_entropy()'s results;
 * PLATFORM_EUNSUPPORTED when there is none. */
enum platform_result virtio_rng_read(void *out, size_t len);
/* A working entropy device was found (and has not failed). */
bool virtio_rng_present(void);

#endif /* VIRTIO_DEVICES_H */
