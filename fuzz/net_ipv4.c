/*
 * fuzz/net_ipv4.c - the IPv4 header parser (and its quoted variant). The
 * first input byte chooses whether to repair the header checksum, so the
 * fuzzer gets past it; accepted packets must satisfy the parser's
 * promises.
 */
#include "../lib/net/wire/checksum.h"
#include "../lib/net/wire/ipv4.h"
#include <stdlib.h>
#include <string.h>

volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[70000];
	struct ipv4_hdr h;
	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	bool fix = data[0] & 1;
	size--;
	memcpy(buf, data + 1, size);
	size_t ihl = size ? (size_t)(buf[0] & 15) * 4 : 0;
	if (fix && ihl >= 20 && ihl <= size) {
		buf[10] = buf[11] = 0;
		uint16_t c = net_csum_finish(net_csum_add(0, buf, ihl));
		buf[10] = (uint8_t)(c >> 8);
		buf[11] = (uint8_t)c;
	}
	/* Copy into an exact-size heap block so ASan sees any overread. */
	uint8_t *p = malloc(size ? size : 1);
	memcpy(p, buf, size);
	if (ipv4_parse(kiln_view_make(p, size), &h) == WIRE_OK) {
		if (h.hdr_len < 20 || h.total_len > size ||
		    h.payload.p != p + h.hdr_len ||
		    h.payload.len != (size_t)h.total_len - h.hdr_len ||
		    (size_t)h.frag_offset + h.payload.len > 65535)
			abort();
		sink = 0;
		for (size_t i = 0; i < h.payload.len; i++)
			sink ^= h.payload.p[i];
	}
	if (ipv4_parse_quoted(kiln_view_make(p, size), &h) == WIRE_OK &&
	    (h.payload.len < 8 || h.hdr_len + h.payload.len != size))
		abort();
	free(p);
	return 0;
}
