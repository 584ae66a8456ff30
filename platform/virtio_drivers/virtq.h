/*
 * virtq.h - split virtqueues (virtio 1.x, section 2.7).
 */
#ifndef VIRTIO_VIRTQ_H
#define VIRTIO_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1
#define VIRTQ_MAX_SIZE 256

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

struct virtq {
	uint16_t size;  /* a power of two */
	uint16_t index; /* the queue's number on its device */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint16_t free_head, num_free;
	uint16_t avail_idx;    /* next avail->idx to publish */
	uint16_t last_used;    /* next used entry to consume */
	uintptr_t notify_addr; /* PCI: where to write the queue index */
	uint16_t chain_len[VIRTQ_MAX_SIZE];
};

/* Bytes of ring memory a queue of size entries needs (page multiple). */
size_t virtq_bytes(uint16_t size);

/* Lay the queue out in mem (zeroed, page-aligned, virtq_bytes(size)). */
void virtq_init(struct virtq *q, uint16_t index, uint16_t size, void *mem);

/* One buffer of a chain. */
struct virtq_buf {
	uint64_t addr;
	uint32_t len;
	bool device_writes;
};

/* Put a chain of n buffers in the ring (not yet visible to the device).
 * Returns the head descriptor, or -1 if fewer than n are free. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n);

/* Make the chains added so far visible to the device. Returns true when
 * the device wants a notification. */
bool virtq_publish(struct virtq *q);

/* True when the device has returned a chain not yet taken. */
bool virtq_has_used(const struct virtq *q);

/* Take the next returned chain: its head descriptor (the chain's
 * descriptors become free) and the bytes the device wrote. -1 if none. */
int virtq_take_used(struct virtq *q, uint32_t *len);

#endif /* VIRTIO_VIRTQ_H */
