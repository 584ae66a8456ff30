/*
 * fuzz/console_mark.c - libFuzzer harness for kiln-console's exit-status
 * mark filter. The input is cut into pieces at the positions its first
 * bytes choose; whatever the cuts, the output must be the same, and it
 * must be exactly the input with the marks taken out (checked against a
 * plain re-implementation on the whole input).
 */
#include "../monitor/console/mark.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference: scan the whole input for complete marks. */
static size_t reference(const uint8_t *in, size_t n, uint8_t *out, int *status,
                        int *seen)
{
	size_t w = 0, i = 0;
	*seen = 0;
	while (i < n) {
		if (n - i > MARK_PREFIX_LEN &&
		    memcmp(in + i, MARK_PREFIX, MARK_PREFIX_LEN) == 0) {
			size_t j = i + MARK_PREFIX_LEN;
			unsigned v = 0, d = 0;
			while (j < n && d < 3 && in[j] >= '0' && in[j] <= '9') {
				v = v * 10 + (unsigned)(in[j] - '0');
				j++;
				d++;
			}
			if (d > 0 && j < n && in[j] == 0x07 && v <= 255) {
				*seen = 1;
				*status = (int)v;
				i = j + 1;
				continue;
			}
		}
		out[w++] = in[i++];
	}
	return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned cut = data[0], cut2 = data[1];
	data += 2;
	size -= 2;
	uint8_t *out = malloc(size + MARK_HELD_MAX);
	uint8_t *want = malloc(size + 1);
	struct mark_filter m;
	mark_init(&m);
	size_t w = 0, off = 0;
	while (off < size) {
		size_t piece = 1 + (off % 2 ? cut : cut2) % 17;
		if (piece > size - off)
			piece = size - off;
		/* Room for this piece plus anything held back. */
		uint8_t *tmp = malloc(piece + MARK_HELD_MAX);
		size_t n =
		        mark_feed(&m, kiln_view_make(data + off, piece), tmp);
		if (n > piece + MARK_HELD_MAX)
			abort();
		memcpy(out + w, tmp, n);
		w += n;
		free(tmp);
		off += piece;
	}
	w += mark_flush(&m, out + w);
	int status = -1, seen = 0;
	size_t wn = reference(data, size, want, &status, &seen);
	if (wn != w || memcmp(out, want, w) != 0 || seen != m.seen ||
	    (seen && status != m.status))
		abort();
	free(out);
	free(want);
	return 0;
}
