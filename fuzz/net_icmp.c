/*
 * fuzz/net_icmp.c - the ICMP parser, including the quoted datagram of
 * errors. The first byte chooses whether to repair the checksum.
 */
#include "../lib/net/wire/checksum.h"
#include "../lib/net/wire/icmp.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmp_msg m;
	if (size < 1)
		return 0;
	bool fix = data[0] & 1;
	size--;
	uint8_t *p = malloc(size ? size : 1);
	memcpy(p, data + 1, size);
	if (fix && size >= 4) {
		p[2] = p[3] = 0;
		uint16_t c = net_csum_finish(net_csum_add(0, p, size));
		p[2] = (uint8_t)(c >> 8);
		p[3] = (uint8_t)c;
	}
	if (icmp_parse(kiln_view_make(p, size), &m) == WIRE_OK) {
		if (m.body.len != size - ICMP_HDR_LEN)
			abort();
		/* Whatever parsed can be answered or quoted. */
		uint8_t out[ICMP_HDR_LEN + ICMP_QUOTE_MAX];
		if (m.type == ICMP_DEST_UNREACH &&
		    (m.quoted.payload.len < 8 ||
		     m.quoted.payload.p + m.quoted.payload.len != p + size))
			abort();
		icmp_emit_error(out, sizeof(out), ICMP_DEST_UNREACH, 3, 0,
		                m.body.p, m.body.len);
	}
	free(p);
	return 0;
}
