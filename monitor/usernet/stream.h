/*
 * monitor/usernet/stream.h - Ethernet frames on a byte stream, as QEMU's
 * "-netdev stream" (and "-netdev socket") carries them: each frame is
 * preceded by its length, 4 bytes big-endian.
 *
 * The reader takes whatever a read() returned -- half a length, three
 * frames and a bit, anything -- and hands out whole frames. A frame longer
 * than STREAM_FRAME_MAX (a guest may offer large ones) is skipped and
 * counted; a length beyond STREAM_LEN_MAX cannot come from QEMU and means
 * the stream is corrupt. The writer packs frames into an output buffer
 * that a non-blocking write() drains.
 */
#ifndef KILN_USERNET_STREAM_H
#define KILN_USERNET_STREAM_H

#include <kiln/view.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest frame passed on: Ethernet header + a 1500-byte MTU. */
#define STREAM_FRAME_MAX 1514
/* QEMU's own limit on a frame it sends is 4096 + 65536 bytes; allow a
 * little more and call anything larger corruption. */
#define STREAM_LEN_MAX (1u << 20)
/* Output buffered for the peer, at most. */
#define STREAM_OUT_MAX (64 * 1024)

struct stream_reader {
	uint8_t hdr[4];
	unsigned hdr_len;   /* bytes of the length field so far */
	uint32_t remaining; /* bytes of the current frame still to come */
	bool skipping;      /* the current frame is too long: discard it */
	size_t frame_len;   /* bytes of the current frame so far */
	uint8_t frame[STREAM_FRAME_MAX];
	uint64_t frames, skipped;
};

/* Called for each whole frame (len may be 0). */
typedef void (*stream_frame_fn)(void *ctx, const uint8_t *frame, size_t len);

void stream_reader_init(struct stream_reader *r);

/* Consume every byte of in, calling fn for each frame it completes.
 * False (with the reader in an unknown state) if a length field exceeds
 * STREAM_LEN_MAX. */
bool stream_reader_feed(struct stream_reader *r, struct kiln_view in,
                        stream_frame_fn fn, void *ctx);

struct stream_writer {
	uint8_t buf[STREAM_OUT_MAX];
	size_t start, end; /* bytes [start, end) are waiting to be written */
};

void stream_writer_init(struct stream_writer *w);

/* Room for one more frame of len bytes (with its length field)? */
bool stream_writer_room(const struct stream_writer *w, size_t len);

/* Append a frame; false (nothing appended) when there is no room or len
 * exceeds STREAM_FRAME_MAX. */
bool stream_writer_put(struct stream_writer *w, const void *frame, size_t len);

/* The bytes waiting, and, after a write took n of them, consume them. */
static inline size_t stream_writer_pending(const struct stream_writer *w)
{
	return w->end - w->start;
}
static inline const uint8_t *stream_writer_data(const struct stream_writer *w)
{
	return w->buf + w->start;
}
void stream_writer_consume(struct stream_writer *w, size_t n);

#endif /* KILN_USERNET_STREAM_H */
