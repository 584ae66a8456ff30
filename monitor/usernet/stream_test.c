/*
 * stream_test.c - unit tests of stream.c, the length-prefixed frames on
 * kiln-usernet's socket. Built and run by tests/virtio/test-usernet.sh
 * under ASan and UBSan.
 */
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL: stream: %s (line %d)\n", #cond,          \
			       __LINE__);                                      \
			failures++;                                            \
		}                                                              \
	} while (0)

/* Frames the reader handed out, concatenated, with their lengths. */
static struct {
	uint8_t data[1 << 16];
	size_t len;
	size_t lens[64];
	unsigned n;
} got;

static void collect(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx;
	if (got.n < 64)
		got.lens[got.n] = len;
	got.n++;
	memcpy(got.data + got.len, f, len);
	got.len += len;
}

static size_t put_frame(uint8_t *out, size_t len, uint8_t fill)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		out[4 + i] = (uint8_t)(fill + i);
	return 4 + len;
}

static void test_chunks(void)
{
	/* Frames of 60, 0, 1514, 1515 (skipped), 3000 (skipped), 42. */
	static uint8_t wire[8192];
	static const size_t lens[] = {60, 0, 1514, 1515, 3000, 42};
	size_t n = 0;
	for (unsigned i = 0; i < 6; i++)
		n += put_frame(wire + n, lens[i], (uint8_t)(i * 17));
	for (size_t chunk = 1; chunk <= n; chunk += chunk < 9 ? 1 : 97) {
		struct stream_reader *r = malloc(sizeof(*r));
		stream_reader_init(r);
		memset(&got, 0, sizeof(got));
		bool ok = true;
		for (size_t off = 0; off < n; off += chunk) {
			size_t c = n - off < chunk ? n - off : chunk;
			ok &= stream_reader_feed(r,
			                         kiln_view_make(wire + off, c),
			                         collect, NULL);
		}
		CHECK(ok);
		CHECK(got.n == 4);
		CHECK(got.lens[0] == 60 && got.lens[1] == 0 &&
		      got.lens[2] == 1514 && got.lens[3] == 42);
		CHECK(r->frames == 4 && r->skipped == 2);
		/* The bytes are the frames' own. */
		CHECK(got.data[0] == 0 && got.data[59] == 59);
		CHECK(got.data[60] == 34 &&
		      got.data[60 + 1513] == (uint8_t)(34 + 1513));
		CHECK(got.data[60 + 1514] == 85);
		free(r);
	}
}

static void test_corrupt(void)
{
	struct stream_reader *r = malloc(sizeof(*r));
	stream_reader_init(r);
	const uint8_t big[4] = {0x00, 0x10, 0x00, 0x01}; /* 1 MiB + 1 */
	CHECK(!stream_reader_feed(r, kiln_view_make(big, 4), collect, NULL));
	stream_reader_init(r);
	const uint8_t max[4] = {0x00, 0x10, 0x00, 0x00}; /* exactly 1 MiB */
	CHECK(stream_reader_feed(r, kiln_view_make(max, 4), collect, NULL));
	CHECK(r->remaining == STREAM_LEN_MAX && r->skipping);
	/* Nothing at all is fine too. */
	CHECK(stream_reader_feed(r, kiln_view_make(NULL, 0), collect, NULL));
	free(r);
}

static void test_writer(void)
{
	struct stream_writer *w = malloc(sizeof(*w));
	stream_writer_init(w);
	static uint8_t f[STREAM_FRAME_MAX + 1];
	memset(f, 0xab, sizeof(f));
	CHECK(!stream_writer_put(w, f, STREAM_FRAME_MAX + 1));
	CHECK(stream_writer_pending(w) == 0);
	unsigned n = 0;
	while (stream_writer_put(w, f, STREAM_FRAME_MAX))
		n++;
	CHECK(n == STREAM_OUT_MAX / (4 + STREAM_FRAME_MAX));
	CHECK(stream_writer_pending(w) == n * (4 + STREAM_FRAME_MAX));
	CHECK(!stream_writer_room(w, STREAM_FRAME_MAX));
	/* A partial write, then room again at the end. */
	const uint8_t *d = stream_writer_data(w);
	CHECK(d[0] == 0 && d[1] == 0 && d[2] == 0x05 && d[3] == 0xea);
	stream_writer_consume(w, 10);
	CHECK(stream_writer_pending(w) == n * (4 + STREAM_FRAME_MAX) - 10);
	CHECK(stream_writer_data(w)[0] == 0xab);
	CHECK(stream_writer_room(w, 0));
	stream_writer_consume(w, (size_t)-1);
	CHECK(stream_writer_pending(w) == 0);
	CHECK(stream_writer_room(w, STREAM_FRAME_MAX));
	/* What the writer writes, the reader reads. */
	stream_writer_put(w, "abc", 3);
	stream_writer_put(w, "", 0);
	struct stream_reader *r = malloc(sizeof(*r));
	stream_reader_init(r);
	memset(&got, 0, sizeof(got));
	CHECK(stream_reader_feed(
	        r,
	        kiln_view_make(stream_writer_data(w), stream_writer_pending(w)),
	        collect, NULL));
	CHECK(got.n == 2 && got.len == 3 && memcmp(got.data, "abc", 3) == 0);
	free(r);
	free(w);
}

int main(void)
{
	test_chunks();
	test_corrupt();
	test_writer();
	if (failures == 0)
		printf("PASS: stream framing (chunked input, oversized and "
		       "corrupt lengths, the writer)\n");
	return failures != 0;
}
