/*
 * lib/net/pktbuf.c - the fixed pool of packet buffers.
 *
 * All buffers come from one allocation made at start, so the stack never
 * calls malloc per packet and its memory use is known up front. Running
 * out is an ordinary error path: the caller drops the packet and counts
 * drop_no_buffer.
 */
#include "iface.h"
#include <stdlib.h>

size_t pktbuf_size;
static struct pktbuf *free_list;
static unsigned free_count, total_count;

int pktbuf_pool_init(unsigned count, size_t size)
{
	/* Keep every buffer 64-byte aligned within the block. */
	size = (size + 63) & ~(size_t)63;
	struct pktbuf *hdrs = calloc(count, sizeof(*hdrs));
	uint8_t *block = malloc((size_t)count * size);
	if (!hdrs || !block) {
		free(hdrs);
		free(block);
		return -KILN_ENOMEM;
	}
	pktbuf_size = size;
	total_count = count;
	for (unsigned i = 0; i < count; i++) {
		hdrs[i].data = block + (size_t)i * size;
		pktbuf_put(&hdrs[i]);
	}
	return 0;
}

struct pktbuf *pktbuf_get(void)
{
	struct pktbuf *b = free_list;
	if (!b)
		return NULL;
	free_list = b->next;
	free_count--;
	b->next = NULL;
	b->len = 0;
	return b;
}

void pktbuf_put(struct pktbuf *b)
{
	b->next = free_list;
	free_list = b;
	free_count++;
}

void pktbuf_put_list(struct pktbuf *head)
{
	while (head) {
		struct pktbuf *next = head->next;
		pktbuf_put(head);
		head = next;
	}
}

unsigned pktbuf_free_count(void)
{
	return free_count;
}

unsigned pktbuf_total(void)
{
	return total_count;
}
