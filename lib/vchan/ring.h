/*
 * lib/vchan/ring.h - one direction of a vchan: a ring of 2^order bytes in
 * shared memory with free-running 32-bit indices (cons, prod) in the
 * control page. The producer advances prod after writing bytes, the
 * consumer advances cons after reading them; prod - cons is what is in
 * the ring.
 *
 * The peer owns one index and can write anything there at any moment. So
 * this side keeps its own index privately (and only ever stores it to
 * the page, never reads it back), reads the peer's index exactly once per
 * look, and checks it against what it knew: a consumer's prod may not be
 * more than a ring ahead, nor move back; a producer's cons may not pass
 * prod, nor move back. A broken index ends the look with -1 and nothing
 * copied. The ring's bytes themselves may change under the copy; they are
 * data, never interpreted here.
 */
#ifndef KILN_VCHAN_RING_H
#define KILN_VCHAN_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vchan_ring {
	uint8_t *data;  /* the ring's bytes (shared) */
	uint32_t size;  /* a power of two */
	uint32_t *peer; /* the peer's index in the control page */
	uint32_t *ours; /* ours there (written, never read) */
	uint32_t mine;  /* our index: cons for a reader, prod for a writer */
	uint32_t seen;  /* the peer's index when last checked */
	const char *broken; /* why the last look failed */
};

/*
 * Set up r. start is our index to begin with and peer_start what the
 * peer's was (a server starts both at 0; a client takes them from the
 * page it found). For a reader they must satisfy 0 <= peer - mine <=
 * size, for a writer 0 <= mine - peer <= size: false otherwise.
 */
bool vchan_ring_init(struct vchan_ring *r, bool reader, uint8_t *data,
                     uint32_t size, uint32_t *peer, uint32_t *ours,
                     uint32_t start, uint32_t peer_start);

/* Reader: bytes ready (>= 0), or -1 when the peer's prod is broken. */
long vchan_ring_ready(struct vchan_ring *r);

/* Reader: copy up to len ready bytes into buf and give their room back:
 * the count (0 when empty), or -1 as above. */
long vchan_ring_read(struct vchan_ring *r, void *buf, size_t len);

/* Writer: room for bytes (>= 0), or -1 when the peer's cons is broken. */
long vchan_ring_space(struct vchan_ring *r);

/* Writer: copy up to len bytes of buf in and publish them: the count
 * (0 when full), or -1 as above. */
long vchan_ring_write(struct vchan_ring *r, const void *buf, size_t len);

#endif /* KILN_VCHAN_RING_H */
