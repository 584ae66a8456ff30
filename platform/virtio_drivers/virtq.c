/*
 * virtq.c - split virtqueues.
 *
 * Memory layout in one page-aligned block: descriptor table (16 bytes per
 * entry), then the available ring, then (on the next page) the used ring.
 * Guest addresses are physical addresses: the target identity-maps RAM.
 */
#include "virtq.h"
#include "hw.h"

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static size_t used_offset(uint16_t size)
{
	return align_up(16u * size + 6u + 2u * size, 4096);
}

size_t virtq_bytes(uint16_t size)
{
	return used_offset(size) + align_up(6u + 8u * size, 4096);
}

void virtq_init(struct virtq *q, uint16_t index, uint16_t size, void *mem)
{
	uint8_t *m = mem;
	q->size = size;
	q->index = index;
	q->desc = (struct virtq_desc *)m;
	q->avail = (struct virtq_avail *)(m + 16u * size);
	q->used = (volatile struct virtq_used *)(m + used_offset(size));
	for (uint16_t i = 0; i < size; i++) {
		q->desc[i].next = (uint16_t)(i + 1);
		q->chain_len[i] = 0;
	}
	q->free_head = 0;
	q->num_free = size;
	q->avail_idx = 0;
	q->last_used = 0;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n)
{
	if (n == 0 || n > q->num_free)
		return -1;
	uint16_t head = q->free_head, d = head;
	for (unsigned i = 0; i < n; i++) {
		struct virtq_desc *e = &q->desc[d];
		e->addr = bufs[i].addr;
		e->len = bufs[i].len;
		e->flags =
		        (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE
		                                          : 0) |
		                   (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		if (i + 1 < n)
			d = e->next;
	}
	q->free_head = q->desc[d].next;
	q->num_free = (uint16_t)(q->num_free - n);
	q->chain_len[head] = (uint16_t)n;
	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	q->avail_idx++;
	return head;
}

bool virtq_publish(struct virtq *q)
{
	/* Descriptors and ring entries before the index that exposes them;
	 * the index before reading whether the device wants a kick. */
	mem_barrier();
	q->avail->idx = q->avail_idx;
	mem_barrier();
	return !(q->used->flags & VIRTQ_USED_F_NO_NOTIFY);
}

bool virtq_has_used(const struct virtq *q)
{
	return q->used->idx != q->last_used;
}

int virtq_take_used(struct virtq *q, uint32_t *len)
{
	if (q->used->idx == q->last_used)
		return -1;
	mem_barrier(); /* read the entry after seeing the index */
	volatile struct virtq_used_elem *u =
	        &q->used->ring[q->last_used & (q->size - 1)];
	uint32_t id = u->id;
	*len = u->len;
	q->last_used++;
	if (id >= q->size || q->chain_len[id] == 0)
		return -1; /* a device bug; the chain stays lost */
	/* Return the chain to the free list. */
	uint16_t n = q->chain_len[id], tail = (uint16_t)id;
	for (uint16_t i = 1; i < n; i++)
		tail = q->desc[tail].next;
	q->desc[tail].next = q->free_head;
	q->free_head = (uint16_t)id;
	q->num_free = (uint16_t)(q->num_free + n);
	q->chain_len[id] = 0;
	return (int)id;
}
