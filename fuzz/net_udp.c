/*
 * fuzz/net_udp.c - the UDP header parser. The first byte chooses whether
 * to repair the checksum (pseudo-header of fixed addresses).
 */
#include "../lib/net/stack.h"
#include "../lib/net/wire/checksum.h"
#include "../lib/net/wire/udp.h"
#include <stdlib.h>
#include <string.h>

#define SRC 0xc6120001
#define DST 0xc6120002

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udp_hdr u;
	if (size < 1)
		return 0;
	bool fix = data[0] & 1;
	size--;
	uint8_t *p = malloc(size ? size : 1);
	memcpy(p, data + 1, size);
	if (fix && size >= 8) {
		uint16_t len = (uint16_t)(p[4] << 8 | p[5]);
		if (len >= 8 && len <= size) {
			p[6] = p[7] = 0;
			uint32_t s = net_csum_pseudo(0, SRC, DST, NET_PROTO_UDP,
			                             len);
			uint16_t c = net_csum_finish(net_csum_add(s, p, len));
			p[6] = (uint8_t)(c >> 8);
			p[7] = (uint8_t)c;
		}
	}
	if (udp_parse(kiln_view_make(p, size), SRC, DST, &u) == WIRE_OK) {
		if (u.len < 8 || u.len > size || u.payload.len != u.len - 8u)
			abort();
		/* Re-emitting the header gives a datagram that parses. */
		uint8_t hdr[8];
		udp_emit(hdr, 8, SRC, DST, u.sport, u.dport, u.payload.p,
		         u.payload.len);
		uint8_t *q = malloc(u.len);
		memcpy(q, hdr, 8);
		memcpy(q + 8, u.payload.p, u.payload.len);
		struct udp_hdr v;
		if (udp_parse(kiln_view_make(q, u.len), SRC, DST, &v) !=
		    WIRE_OK)
			abort();
		free(q);
	}
	free(p);
	return 0;
}
