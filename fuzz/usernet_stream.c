/*
 * usernet_stream.c - libFuzzer harness for stream.c, the reader of
 * length-prefixed frames arriving on kiln-usernet's socket.
 *
 * The first byte chooses a chunk size; the rest is fed in chunks of that
 * size, then again in one piece into a second reader. Besides not
 * crashing, both must hand out the same frames (no frame longer than
 * STREAM_FRAME_MAX) and agree on whether the stream is corrupt.
 */
#include "../monitor/usernet/stream.h"

#include <stdlib.h>
#include <string.h>

struct seen {
	uint64_t hash;
	size_t frames;
};

static void note(void *ctx, const uint8_t *f, size_t len)
{
	struct seen *s = ctx;
	if (len > STREAM_FRAME_MAX)
		abort();
	s->frames++;
	s->hash = s->hash * 1099511628211u + len;
	for (size_t i = 0; i < len; i++)
		s->hash = (s->hash ^ f[i]) * 1099511628211u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stream_reader a, b;
	if (size < 1)
		return 0;
	size_t chunk = (size_t)data[0] + 1;
	data++;
	size--;
	struct seen sa = {0}, sb = {0};
	stream_reader_init(&a);
	stream_reader_init(&b);
	bool ok_a = true;
	for (size_t off = 0; off < size && ok_a; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		ok_a = stream_reader_feed(&a, kiln_view_make(data + off, n),
		                          note, &sa);
	}
	bool ok_b =
	        stream_reader_feed(&b, kiln_view_make(data, size), note, &sb);
	if (ok_a != ok_b || sa.frames != sb.frames || sa.hash != sb.hash)
		abort();
	return 0;
}
