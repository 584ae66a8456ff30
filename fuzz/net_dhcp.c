/*
 * fuzz/net_dhcp.c - the DHCP message parser (options, overload into the
 * file and sname fields). What the client emits must parse back.
 */
#include "../lib/net/wire/dhcp.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_msg m, back;
	uint8_t *p = malloc(size ? size : 1);
	memcpy(p, data, size);
	if (dhcp_parse(kiln_view_make(p, size), &m) == WIRE_OK) {
		if (m.type == 0 || m.n_dns > DHCP_MAX_DNS)
			abort();
		uint8_t out[600];
		size_t n = dhcp_emit(out, sizeof(out), &m);
		if (n == 0 ||
		    dhcp_parse(kiln_view_make(out, n), &back) != WIRE_OK ||
		    back.type != m.type || back.xid != m.xid ||
		    back.has_requested != m.has_requested ||
		    (m.has_requested && back.requested != m.requested))
			abort();
	}
	free(p);
	return 0;
}
