/*
 * virtio.h - virtio 1.x devices over two transports (MMIO and PCI), as the
 * drivers see them.
 *
 * The drivers in this folder are shared by every target that drives
 * virtio devices (virtio on x86_64, arm64 on aarch64): one copy, no
 * architecture in it. What they need from the CPU comes from the
 * architecture's hw.h (MMIO accessors, barriers, cpu_pause); what they
 * need from the target is in virtio_host.h.
 */
#ifndef VIRTIO_VIRTIO_H
#define VIRTIO_VIRTIO_H

#include "virtq.h"
#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_ENTROPY 4

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

#define VIRTIO_F_VERSION_1 (1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)

#define VIRTIO_MSI_NO_VECTOR 0xffff

enum virtio_transport { VIRTIO_MMIO, VIRTIO_PCI };

struct virtio_dev;

/* One transport's register operations (virtio_mmio.c, the virtio
 * target's virtio_pci.c). */
struct virtio_ops {
	uint8_t (*get_status)(struct virtio_dev *d);
	void (*set_status)(struct virtio_dev *d, uint8_t s);
	uint64_t (*get_features)(struct virtio_dev *d);
	void (*set_features)(struct virtio_dev *d, uint64_t f);
	uint16_t (*queue_max)(struct virtio_dev *d, uint16_t index);
	bool (*queue_enable)(struct virtio_dev *d, struct virtq *q,
	                     bool with_irq);
	void (*notify)(struct virtio_dev *d, struct virtq *q);
	void (*ack_interrupt)(struct virtio_dev *d);
};

struct virtio_dev {
	enum virtio_transport transport;
	const struct virtio_ops *ops;
	uint32_t device_id;
	char where[32]; /* "mmio 0xfeb00e00" or "pci 00:03.0", for messages */
	unsigned slot;  /* interrupt slot: vector DEVICE_VECTOR_BASE + slot */
	bool has_irq;   /* interrupts wired (else the driver polls) */
	/* MMIO */
	uintptr_t base;
	uint32_t irq;
	/* The device-specific configuration (both transports) */
	uintptr_t devcfg;
	/* PCI: the mapped structures, from the vendor capabilities */
	uintptr_t common, notify, isr;
	uint32_t notify_mult;
	uintptr_t msix_table; /* 0 when the device has no MSI-X */
	uint16_t msix_size;
	uint8_t bus, devfn, msix_cap;
};

/* Transport operations (virtio.c calls dev->ops). */
uint8_t virtio_get_status(struct virtio_dev *d);
void virtio_set_status(struct virtio_dev *d, uint8_t status);
uint64_t virtio_get_features(struct virtio_dev *d);
void virtio_set_features(struct virtio_dev *d, uint64_t features);
uint8_t virtio_cfg8(struct virtio_dev *d, unsigned off);
uint16_t virtio_cfg16(struct virtio_dev *d, unsigned off);
uint32_t virtio_cfg32(struct virtio_dev *d, unsigned off);
uint64_t virtio_cfg64(struct virtio_dev *d, unsigned off);
/* The largest size the device allows for queue index (0: no queue). */
uint16_t virtio_queue_max(struct virtio_dev *d, uint16_t index);
/* Tell the device where q lives and enable it; with_irq routes its
 * used-buffer notifications to the device's interrupt slot. */
bool virtio_queue_enable(struct virtio_dev *d, struct virtq *q, bool with_irq);
void virtio_notify(struct virtio_dev *d, struct virtq *q);
/* Acknowledge a pending interrupt (MMIO, or PCI without MSI-X) so the
 * line can fire again. */
void virtio_ack_interrupt(struct virtio_dev *d);

/*
 * Reset the device and negotiate features: the device must offer
 * VIRTIO_F_VERSION_1 and everything in required; the driver accepts
 * those plus whatever of optional the device offers. On success returns
 * true with the accepted set in *accepted and the device in FEATURES_OK;
 * else prints why (naming the device) and leaves it FAILED.
 */
bool virtio_negotiate(struct virtio_dev *d, const char *driver,
                      uint64_t required, uint64_t optional, uint64_t *accepted);

/* Report a device the driver cannot use, and mark it FAILED. */
void virtio_refuse(struct virtio_dev *d, const char *driver, const char *why);

/* Console helpers shared by the drivers (user mode). */
void virtio_log(const char *a, const char *b, const char *c);
void virtio_log_num(const char *a, uint64_t n, const char *b);

/* Memory for rings and buffers, carved from the top of the heap before
 * the application starts: page-aligned, zeroed. NULL when short. */
void *dma_alloc(uint64_t bytes);

/* Zero and copy without depending on the runtime's libc. */
void virtio_zero(void *p, uint64_t n);
void virtio_copy(void *dst, const void *src, uint64_t n);

/* The drivers. probe() sets a device up at boot; false if refused. */
bool virtio_net_probe(struct virtio_dev *d, unsigned index);
bool virtio_blk_probe(struct virtio_dev *d, unsigned index);
bool virtio_rng_probe(struct virtio_dev *d, unsigned index);

#endif /* VIRTIO_VIRTIO_H */
