/*
 * fuzz/net_arp.c - the ARP parser, with a re-emit round trip.
 */
#include "../lib/net/wire/arp.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arp_pkt a, b;
	if (arp_parse(kiln_view_make(data, size), &a) != WIRE_OK)
		return 0;
	uint8_t out[ARP_LEN];
	if (arp_emit(out, sizeof(out), &a) != ARP_LEN ||
	    memcmp(out, data, ARP_LEN) != 0 ||
	    arp_parse(kiln_view_make(out, sizeof(out)), &b) != WIRE_OK ||
	    b.spa != a.spa || b.tpa != a.tpa || b.op != a.op)
		abort();
	return 0;
}
