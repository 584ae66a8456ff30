/*
 * fuzz/net_eth.c - the Ethernet header parser: never reads out of the
 * view, and what parses re-emits to the same bytes.
 */
#include "../lib/net/wire/eth.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eth_hdr h;
	int err = eth_parse(kiln_view_make(data, size), &h);
	if (err) {
		wire_strerror(err);
		return 0;
	}
	uint8_t out[ETH_HDR_LEN];
	if (eth_emit(out, sizeof(out), h.dst, h.src, h.type) != ETH_HDR_LEN ||
	    memcmp(out, data, ETH_HDR_LEN) != 0 ||
	    h.payload.len != size - ETH_HDR_LEN)
		abort();
	return 0;
}
