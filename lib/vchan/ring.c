/*
 * lib/vchan/ring.c - checked ring indices and the copies in and out (see
 * ring.h). The barriers are those of a single-producer, single-consumer
 * ring between two CPUs: index loads acquire (the bytes are read after
 * the index that covers them), index stores release (the bytes are
 * written, or read, before the index that hands them over).
 */
#include "ring.h"

#include <string.h>

bool vchan_ring_init(struct vchan_ring *r, bool reader, uint8_t *data,
                     uint32_t size, uint32_t *peer, uint32_t *ours,
                     uint32_t start, uint32_t peer_start)
{
	uint32_t in = reader ? peer_start - start : start - peer_start;
	r->data = data;
	r->size = size;
	r->peer = peer;
	r->ours = ours;
	r->mine = start;
	r->seen = peer_start;
	r->broken = NULL;
	return size != 0 && (size & (size - 1)) == 0 && in <= size;
}

static uint32_t load_peer(const struct vchan_ring *r)
{
	return __atomic_load_n(r->peer, __ATOMIC_ACQUIRE);
}

long vchan_ring_ready(struct vchan_ring *r)
{
	uint32_t prod = load_peer(r);
	uint32_t ready = prod - r->mine;
	if (ready > r->size) {
		r->broken = "the peer's write index is more than a ring ahead";
		return -1;
	}
	if (r->seen - r->mine > ready) {
		r->broken = "the peer's write index moved back";
		return -1;
	}
	r->seen = prod;
	return (long)ready;
}

long vchan_ring_read(struct vchan_ring *r, void *buf, size_t len)
{
	long ready = vchan_ring_ready(r);
	if (ready <= 0)
		return ready;
	size_t n = (size_t)ready < len ? (size_t)ready : len;
	uint32_t at = r->mine & (r->size - 1);
	size_t first = r->size - at < n ? r->size - at : n;
	memcpy(buf, r->data + at, first);
	memcpy((uint8_t *)buf + first, r->data, n - first);
	r->mine += (uint32_t)n;
	__atomic_store_n(r->ours, r->mine, __ATOMIC_RELEASE);
	return (long)n;
}

long vchan_ring_space(struct vchan_ring *r)
{
	uint32_t cons = load_peer(r);
	uint32_t used = r->mine - cons;
	if (used > r->size) {
		r->broken = "the peer's read index is past the write index";
		return -1;
	}
	if (cons - r->seen > r->mine - r->seen) {
		r->broken = "the peer's read index moved back";
		return -1;
	}
	r->seen = cons;
	return (long)(r->size - used);
}

long vchan_ring_write(struct vchan_ring *r, const void *buf, size_t len)
{
	long space = vchan_ring_space(r);
	if (space <= 0)
		return space;
	size_t n = (size_t)space < len ? (size_t)space : len;
	uint32_t at = r->mine & (r->size - 1);
	size_t first = r->size - at < n ? r->size - at : n;
	memcpy(r->data + at, buf, first);
	memcpy(r->data, (const uint8_t *)buf + first, n - first);
	r->mine += (uint32_t)n;
	__atomic_store_n(r->ours, r->mine, __ATOMIC_RELEASE);
	return (long)n;
}
