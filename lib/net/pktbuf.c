/*
 * lib/net/pktbuf.c - the fixed pool of packet buffers.
 *
 * All buffers come from one allocation made at start, so the stack never
 * calls malloc per packet and its memory use is known up front. Running
 * out is an ordinary error path for received frames and one-off packets:
 * the caller drops the packet and counts drop_no_buffer. Bulk senders
 * (TCP) do not get that far: they stop at a reserve (net_tx_room) and
 * queue on the wait list here, which the transmit flush serves once
 * frames have left and their buffers are back.
 */
#include "iface.h"
#include <stdlib.h>
#include <string.h>

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
	b->n_iov = 0;
	memset(&b->meta, 0, sizeof(b->meta));
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

/* ------------------------------------------------------------ wait list */

static struct net_buf_waiter *wait_head, *wait_tail;

/*
 * The reserve bulk data leaves untouched: received frames (the receive
 * path reads only while more than its half batch is free), the ACKs and
 * control packets they provoke, ARP. A quarter of the pool is also where
 * a callback's transmit queue is flushed early (net_tx_pool_low), so a
 * sender in a callback rarely has to wait at all.
 */
static unsigned tx_reserve(void)
{
	unsigned r = total_count / 4;
	return r < 4 ? 4 : r;
}

bool net_tx_room(void)
{
	return free_count > tx_reserve();
}

bool net_tx_any_buffer(void)
{
	return free_count > 0;
}

void net_buf_wait(struct net_buf_waiter *w)
{
	if (w->queued)
		return;
	w->queued = true;
	w->next = NULL;
	if (wait_tail)
		wait_tail->next = w;
	else
		wait_head = w;
	wait_tail = w;
}

void net_buf_wait_cancel(struct net_buf_waiter *w)
{
	if (!w->queued)
		return;
	struct net_buf_waiter *prev = NULL;
	for (struct net_buf_waiter *p = wait_head; p; prev = p, p = p->next) {
		if (p != w)
			continue;
		if (prev)
			prev->next = w->next;
		else
			wait_head = w->next;
		if (wait_tail == w)
			wait_tail = prev;
		break;
	}
	w->next = NULL;
	w->queued = false;
}

bool pktbuf_waiters(void)
{
	return wait_head != NULL;
}

unsigned pktbuf_wake_waiters(void)
{
	/* Only those queued now get a turn: one that runs dry again goes
	 * to the back and waits for the next flush, behind the others. */
	static bool waking;
	unsigned woken = 0;
	if (waking)
		return 0;
	waking = true;
	struct net_buf_waiter *last = wait_tail;
	while (wait_head && net_tx_room()) {
		struct net_buf_waiter *w = wait_head;
		wait_head = w->next;
		if (!wait_head)
			wait_tail = NULL;
		w->next = NULL;
		w->queued = false;
		woken++;
		w->fn(w);
		if (w == last)
			break;
	}
	waking = false;
	return woken;
}
